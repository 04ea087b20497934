/**
 * SPEC §5: what a stdio child inherits from the gateway, and that configured secrets (env values,
 * header values, URL query and userinfo) never show up in the gateway's logs, audit or own results.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHttpFixture, type HttpFixture } from '../fixtures/spawn-http-fixture.ts';
import { errorOf, fixtureServer, startGateway, structured, type RunningGateway } from './harness.ts';
import { closedPort } from './cli-raw-gateway.ts';

const ENV_SECRET = 'env-secret-7f3a91';
const OTHER_ENV_SECRET = 'db-password-c0ffee';
const HEADER_SECRET = 'header-secret-5e2b77';
const API_KEY_SECRET = 'api-key-secret-41d9';
const QUERY_SECRET = 'query-secret-88aa10';
const USERINFO_SECRET = 'userinfo-secret-0b1c';
const SECRETS = [ENV_SECRET, OTHER_ENV_SECRET, HEADER_SECRET, API_KEY_SECRET, QUERY_SECRET];

describe('the environment of a stdio child (SPEC §5)', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({
      servers: { tools: fixtureServer('multi-tool', [], { env: { FIXTURE_SECRET: ENV_SECRET } }) },
      env: {
        GATEWAY_TEST_LEAK: 'must-not-reach-the-child',
        LOGNAME: 'e2e-logname',
        SHELL: '/bin/e2e-shell',
        TERM: 'e2e-term',
        USER: 'e2e-user',
      },
    });
  });
  after(() => gateway.close());

  it('holds only HOME, LOGNAME, PATH, SHELL, TERM and USER from the gateway plus the configured env', async () => {
    const result = await gateway.call('execute_tool', { server: 'tools', tool: 'env' });
    const seen = structured<{ keys: string[]; values: { FIXTURE_SECRET: string | null } }>(result);
    assert.equal(seen.values.FIXTURE_SECRET, ENV_SECRET);
    assert.ok(!seen.keys.includes('GATEWAY_TEST_LEAK'), `leaked: ${seen.keys.join(', ')}`);
    assert.ok(!seen.keys.some((key) => key.startsWith('GATEWAY_')), `leaked: ${seen.keys.join(', ')}`);
    const allowed = new Set(['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'FIXTURE_SECRET']);
    assert.deepEqual(
      seen.keys.filter((key) => !allowed.has(key)),
      [],
      `unexpected variables: ${seen.keys.join(', ')}`,
    );
    for (const key of allowed) assert.ok(seen.keys.includes(key), `${key} missing: ${seen.keys.join(', ')}`);
  });
});

describe('secrets in the servers file (SPEC §5)', () => {
  let http: HttpFixture;
  let gateway: RunningGateway;
  before(async () => {
    http = await startHttpFixture({ mode: 'streamable' });
    const downPort = await closedPort();
    gateway = await startGateway({
      servers: {
        tools: fixtureServer('multi-tool', [], { env: { FIXTURE_SECRET: ENV_SECRET } }),
        broken: fixtureServer('failing', [], { env: { DB_PASSWORD: OTHER_ENV_SECRET } }),
        remote: {
          url: `${http.url}?token=${QUERY_SECRET}`,
          headers: { Authorization: `Bearer ${HEADER_SECRET}`, 'X-Api-Key': API_KEY_SECRET },
        },
        down: {
          url: `http://127.0.0.1:${downPort}/mcp?token=${QUERY_SECRET}`,
          headers: { Authorization: `Bearer ${HEADER_SECRET}` },
        },
        userinfo: { url: `http://admin:${USERINFO_SECRET}@127.0.0.1:${downPort}/mcp` },
      },
      args: ['--debug'],
    });
  });
  after(async () => {
    await gateway?.close();
    await http?.close();
  });

  it('keeps every secret out of stderr, the audit log and the gateway tools own results', async () => {
    const ownResults: unknown[] = [];
    // Downstream results are forwarded as they are, so they are used but not searched.
    const env = await gateway.call('execute_tool', { server: 'tools', tool: 'env' });
    assert.equal(structured<{ values: { FIXTURE_SECRET: string } }>(env).values.FIXTURE_SECRET, ENV_SECRET);
    const headers = await gateway.call('execute_tool', { server: 'remote', tool: 'echo_headers' });
    assert.equal(
      structured<{ headers: Record<string, string> }>(headers).headers['x-api-key'],
      API_KEY_SECRET,
    );

    const broken = await gateway.call('execute_tool', { server: 'broken', tool: 'ok' });
    assert.equal(errorOf(broken).code, 'SERVER_UNAVAILABLE');
    const down = await gateway.call('execute_tool', { server: 'down', tool: 'echo', args: { text: 'x' } });
    assert.equal(errorOf(down).code, 'SERVER_UNAVAILABLE');
    ownResults.push(broken, down);
    ownResults.push(await gateway.call('list_servers', { include_metadata: true }));
    ownResults.push(await gateway.call('get_server_tools', { server: 'remote' }));
    ownResults.push(await gateway.call('get_gateway_status'));

    const listed = structured<{ servers: { name: string; url?: string }[] }>(ownResults[2] as never);
    assert.equal(listed.servers.find((server) => server.name === 'remote')?.url, http.url);

    const places = {
      stderr: gateway.stderr(),
      audit: JSON.stringify(await gateway.auditLines()),
      results: JSON.stringify(ownResults),
    };
    for (const [place, text] of Object.entries(places)) {
      for (const secret of SECRETS)
        assert.ok(!text.includes(secret), `${place} contains ${secret}:\n${text}`);
    }
  });

  it('keeps the password of a URL with userinfo out of the error and stderr when the server is unreachable', async () => {
    const failed = await gateway.call('execute_tool', {
      server: 'userinfo',
      tool: 'echo',
      args: { text: 'x' },
    });
    assert.equal(errorOf(failed).code, 'SERVER_UNAVAILABLE');
    const listed = await gateway.call('list_servers', { include_metadata: true });
    for (const [place, text] of Object.entries({
      error: JSON.stringify(failed),
      listed: JSON.stringify(listed),
      stderr: gateway.stderr(),
    })) {
      assert.ok(!text.includes(USERINFO_SECRET), `${place} contains ${USERINFO_SECRET}:\n${text}`);
    }
  });
});
