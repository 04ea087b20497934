/**
 * Remote downstream servers through the built gateway (SPEC §5, §12): Streamable HTTP with every
 * configured header, SSE by type and by fallback, `${VAR}` in a URL, credential-free metadata,
 * and an unreachable server that does not affect the others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpFixture, type HttpFixture } from '../fixtures/spawn-http-fixture.ts';
import { errorOf, fixtureServer, startGateway, structured, type RunningGateway } from './harness.ts';
import { closedPort } from './cli-raw-gateway.ts';

interface ServerMetadata {
  name: string;
  transport: string;
  url?: string;
  status: string;
}

describe('remote downstream servers', () => {
  let streamable: HttpFixture;
  let sse: HttpFixture;
  let gateway: RunningGateway;
  let downPort: number;

  before(async () => {
    [streamable, sse, downPort] = await Promise.all([
      startHttpFixture({ mode: 'streamable' }),
      startHttpFixture({ mode: 'sse' }),
      closedPort(),
    ]);
    const streamableUrl = new URL(streamable.url);
    gateway = await startGateway({
      servers: {
        headers: {
          url: streamable.url,
          headers: { Authorization: 'Bearer e2e-token', 'X-Api-Key': 'e2e-key', 'X-Custom': 'custom value' },
        },
        typed_sse: {
          url: sse.url,
          type: 'sse',
          headers: { 'X-Api-Key': 'e2e-sse-key', 'X-Custom': 'sse custom' },
        },
        fallback_sse: { url: sse.url },
        from_variable: {
          url: `http://127.0.0.1:\${E2E_HTTP_PORT}${streamableUrl.pathname}`,
          headers: { 'X-From-Var': '${E2E_HEADER_VALUE:-fallback-value}' },
        },
        with_credentials: { url: `http://127.0.0.1:${streamableUrl.port}/mcp?api_key=e2e-query-key` },
        down: { url: `http://127.0.0.1:${downPort}/mcp` },
        local: fixtureServer('multi-tool'),
      },
      env: { E2E_HTTP_PORT: streamableUrl.port },
    });
  });
  after(async () => {
    await gateway?.close();
    await Promise.all([streamable?.close(), sse?.close()]);
  });

  const echoHeaders = async (server: string) => {
    const result = await gateway.call('execute_tool', { server, tool: 'echo_headers' });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    return structured<{ headers: Record<string, string> }>(result).headers;
  };

  it('sends every configured header to a Streamable HTTP server, not only Authorization', async () => {
    const headers = await echoHeaders('headers');
    assert.equal(headers.authorization, 'Bearer e2e-token');
    assert.equal(headers['x-api-key'], 'e2e-key');
    assert.equal(headers['x-custom'], 'custom value');
  });

  it('answers 1 600 concurrent calls on one Streamable HTTP session, each with its own reply', async () => {
    const calls = Array.from({ length: 1600 }, (_, n) =>
      gateway.call('execute_tool', { server: 'headers', tool: 'echo', args: { text: `n${n}` } }),
    );
    const results = await Promise.all(calls);
    results.forEach((result, n) => assert.match(JSON.stringify(result.content), new RegExp(`"n${n}"`)));
  });

  it('reuses one HTTP session across calls', async () => {
    const first = await echoHeaders('headers');
    const second = await echoHeaders('headers');
    assert.ok(first['mcp-session-id'], JSON.stringify(first));
    assert.equal(second['mcp-session-id'], first['mcp-session-id']);
  });

  it('speaks SSE, with every configured header, to a server configured with type "sse"', async () => {
    const result = await gateway.call('execute_tool', {
      server: 'typed_sse',
      tool: 'echo',
      args: { text: 'over sse' },
    });
    assert.deepEqual(result.content, [{ type: 'text', text: 'over sse' }]);
    const headers = await echoHeaders('typed_sse');
    assert.equal(headers['x-api-key'], 'e2e-sse-key');
    assert.equal(headers['x-custom'], 'sse custom');
  });

  it('falls back to SSE when an untyped URL has no Streamable HTTP endpoint', async () => {
    const result = await gateway.call('execute_tool', {
      server: 'fallback_sse',
      tool: 'echo',
      args: { text: 'fell back' },
    });
    assert.deepEqual(result.content, [{ type: 'text', text: 'fell back' }]);
    assert.match(gateway.stderr(), /falling back to SSE/);
  });

  it('substitutes ${VAR} in the URL and ${VAR:-fallback} in headers', async () => {
    const headers = await echoHeaders('from_variable');
    assert.equal(headers['x-from-var'], 'fallback-value');
  });

  it('lists remote servers with their transport and a URL without credentials', async () => {
    const listed = structured<{ servers: ServerMetadata[] }>(
      await gateway.call('list_servers', { include_metadata: true }),
    );
    const byName = new Map(listed.servers.map((server) => [server.name, server]));
    assert.equal(byName.get('headers')?.transport, 'http');
    assert.equal(byName.get('headers')?.url, streamable.url);
    assert.equal(byName.get('headers')?.status, 'connected');
    assert.equal(byName.get('typed_sse')?.transport, 'sse');
    assert.equal(byName.get('fallback_sse')?.transport, 'sse');
    assert.equal(byName.get('with_credentials')?.url, streamable.url);
    const text = JSON.stringify(listed);
    for (const secret of ['e2e-token', 'e2e-key', 'e2e-sse-key', 'e2e-query-key', 'custom value'])
      assert.ok(!text.includes(secret), `list_servers shows ${secret}`);
  });

  it('reports an unreachable HTTP server as SERVER_UNAVAILABLE while the others work', async () => {
    const [down, remote, local] = await Promise.all([
      gateway.call('execute_tool', { server: 'down', tool: 'echo', args: { text: 'x' } }),
      gateway.call('execute_tool', { server: 'headers', tool: 'echo', args: { text: 'remote ok' } }),
      gateway.call('execute_tool', { server: 'local', tool: 'echo', args: { text: 'local ok' } }),
    ]);
    const error = errorOf(down);
    assert.equal(error.code, 'SERVER_UNAVAILABLE');
    assert.match(error.message, /down/);
    assert.deepEqual(remote.content, [{ type: 'text', text: 'remote ok' }]);
    assert.deepEqual(local.content, [{ type: 'text', text: 'local ok' }]);
  });
});
