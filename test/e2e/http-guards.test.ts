/**
 * SPEC §14 protection and health over real HTTP: Origin and Host guards, the body limit, idle
 * expiry and the per-principal session cap, /healthz, /readyz and /metrics, and 503 for new
 * sessions once shutdown has begun while an in-flight call still finishes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureServer } from './harness.ts';
import {
  connectModern,
  connectV1,
  raw,
  startInProcessHttpGateway,
  type InProcessHttpGateway,
} from '../support/http-gateway.ts';
import { waitUntil } from './cli-raw-gateway.ts';

const RULES = { agents: { alpha: { allow: { servers: ['*'] } } } };
const KEY = 'guards-test-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}` };
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const PING = { jsonrpc: '2.0', id: 2, method: 'ping' };

async function openSession(url: string): Promise<string> {
  const answer = await raw(url, { headers: AUTH, body: JSON.stringify(INITIALIZE) });
  assert.equal(answer.status, 200, answer.text);
  const id = answer.headers['mcp-session-id'];
  assert.equal(typeof id, 'string');
  return id as string;
}

describe('HTTP protection (SPEC §14)', () => {
  let gw: InProcessHttpGateway;
  before(async () => {
    gw = await startInProcessHttpGateway({
      servers: { multi: fixtureServer('multi-tool') },
      rules: RULES,
      keys: { [KEY]: 'alpha' },
      http: {
        allowedOrigins: ['http://localhost:5173'],
        maxBodyBytes: 64 * 1024,
        maxSessionsPerPrincipal: 3,
      },
    });
  });
  after(() => gw.close());

  it('refuses with 403 an Origin that is not allowed, and serves an allowed one', async () => {
    const denied = await raw(gw.url, {
      headers: { ...AUTH, origin: 'http://evil.example' },
      body: JSON.stringify(INITIALIZE),
    });
    assert.equal(denied.status, 403);
    assert.match(denied.text, /GATEWAY_HTTP_ALLOWED_ORIGINS/);
    const otherPort = await raw(gw.url, {
      headers: { ...AUTH, origin: 'http://localhost:8080' },
      body: JSON.stringify(INITIALIZE),
    });
    assert.equal(otherPort.status, 403, 'origins match exactly, port included');
    const allowed = await raw(gw.url, {
      headers: { ...AUTH, origin: 'http://localhost:5173' },
      body: JSON.stringify(INITIALIZE),
    });
    assert.equal(allowed.status, 200);
  });

  it('refuses with 403 a Host that is not a loopback name on a loopback bind (DNS rebinding)', async () => {
    const port = new URL(gw.url).port;
    const rebound = await raw(gw.url, {
      headers: { ...AUTH, host: `attacker.example:${port}` },
      body: JSON.stringify(PING),
    });
    assert.equal(rebound.status, 403);
    const health = await raw(gw.url.replace('/mcp', '/healthz'), {
      method: 'GET',
      headers: { host: 'attacker.example' },
    });
    assert.equal(health.status, 403, 'every path is guarded');
    const local = await raw(gw.url.replace('/mcp', '/healthz'), {
      method: 'GET',
      headers: { host: `localhost:${port}` },
    });
    assert.equal(local.status, 200);
  });

  it('answers 413 to a body over the limit, declared or streamed, before parsing it', async () => {
    const big = JSON.stringify({ ...PING, params: { pad: 'x'.repeat(100 * 1024) } });
    const declared = await raw(gw.url, { headers: AUTH, body: big });
    assert.equal(declared.status, 413);
    const streamed = await raw(gw.url, { headers: AUTH, body: big, chunked: true });
    assert.equal(streamed.status, 413);
    assert.match(streamed.text, /GATEWAY_HTTP_MAX_BODY_BYTES/);
  });

  it('answers 404 to an unknown session id and 400 to a request without one', async () => {
    assert.equal(
      (
        await raw(gw.url, {
          headers: { ...AUTH, 'mcp-session-id': 'no-such-session' },
          body: JSON.stringify(PING),
        })
      ).status,
      404,
    );
    assert.equal((await raw(gw.url, { headers: AUTH, body: JSON.stringify(PING) })).status, 400);
  });

  // Their own gateway: a short idle limit on the shared one would expire the other tests'
  // sessions whenever a loaded machine stalls between two of their requests.
  describe('idle expiry', () => {
    const IDLE_MS = 1500;
    let idle: InProcessHttpGateway;
    before(async () => {
      idle = await startInProcessHttpGateway({
        servers: { multi: fixtureServer('multi-tool') },
        rules: RULES,
        keys: { [KEY]: 'alpha' },
        http: { sessionIdleMs: IDLE_MS },
      });
    });
    after(() => idle.close());

    it('closes a session idle past the limit; its id then gets 404, telling the client to re-initialise', async () => {
      const id = await openSession(idle.url);
      assert.equal(
        (await raw(idle.url, { headers: { ...AUTH, 'mcp-session-id': id }, body: JSON.stringify(PING) }))
          .status,
        200,
      );
      await waitUntil('the idle session to expire', async () => {
        const answer = await raw(idle.url, {
          method: 'DELETE',
          headers: { ...AUTH, 'mcp-session-id': 'probe' },
        });
        return answer.status === 404 && idle.upstream.openSessions() === 0 ? true : undefined;
      });
      assert.equal(
        (await raw(idle.url, { headers: { ...AUTH, 'mcp-session-id': id }, body: JSON.stringify(PING) }))
          .status,
        404,
      );
    });

    it('keeps a session busy with a long call open past the idle limit', async () => {
      const { client } = await connectV1(idle.url, KEY);
      const result = await client.callTool({
        name: 'execute_tool',
        arguments: { server: 'multi', tool: 'sleep', args: { ms: IDLE_MS * 2 } },
      });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      await client.ping();
      await client.close();
    });
  });

  it('closes the oldest idle session of a principal at its session cap', async () => {
    const ids = [];
    for (let i = 0; i < 4; i += 1) ids.push(await openSession(gw.url));
    assert.equal(gw.upstream.openSessions(), 3);
    const status = async (id: string) =>
      (await raw(gw.url, { headers: { ...AUTH, 'mcp-session-id': id }, body: JSON.stringify(PING) })).status;
    assert.equal(await status(ids[0]!), 404, 'the oldest made room');
    assert.equal(await status(ids[3]!), 200);
  });

  it('answers /healthz, /readyz, and /metrics only with a credential', async () => {
    const base = gw.url.replace('/mcp', '');
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const anonymous = await fetch(`${base}/metrics`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
    const metrics = await fetch(`${base}/metrics`, { headers: AUTH });
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  });
});

describe('HTTP shutdown (SPEC §14)', () => {
  it('turns /readyz and new sessions to 503 while an in-flight call finishes', async () => {
    const gw = await startInProcessHttpGateway({
      servers: { multi: fixtureServer('multi-tool') },
      rules: RULES,
      keys: { [KEY]: 'alpha' },
      http: { metricsPublic: true },
    });
    const { client } = await connectV1(gw.url, KEY);
    const inFlight = client.callTool({
      name: 'execute_tool',
      arguments: { server: 'multi', tool: 'sleep', args: { ms: 600 } },
    });
    await waitUntil('the call to reach the server', () =>
      gw.gateway.pool.all().some((connection) => connection.snapshot().inFlight > 0) ? true : undefined,
    );
    const closed = gw.close();
    try {
      const base = gw.url.replace('/mcp', '');
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal(
        (await fetch(`${base}/metrics`)).status,
        200,
        'GATEWAY_METRICS_PUBLIC needs no credential',
      );
      const late = await raw(gw.url, { headers: AUTH, body: JSON.stringify(INITIALIZE) });
      assert.equal(late.status, 503);
      await assert.rejects(connectModern(gw.url, KEY), 'a 2026-07-28 request is refused too');
      const result = await inFlight;
      assert.equal((result.content as { text: string }[])[0]?.text, 'slept 600 ms');
    } finally {
      await closed;
      await client.close().catch(() => {});
    }
  });
});
