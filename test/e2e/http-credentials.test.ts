/**
 * `serve --http` with real credentials as a real process (SPEC §13, §14): API keys by their
 * sha256 hash and JWTs from a JWKS file, act_as, refusals with WWW-Authenticate, /metrics behind a
 * credential, and no key or token in the log or the audit file.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateApiKey, hashApiKey } from '../../src/auth/api-key.ts';
import {
  connectModern,
  connectV1,
  spawnHttpGateway,
  type SpawnedHttpGateway,
} from '../support/http-gateway.ts';
import { AUDIENCE, ISSUER, signingKey, token, type SigningKey } from '../support/jwt.ts';
import { expectError } from './gateway-test-helpers.ts';
import { fixtureServer } from './harness.ts';

describe('serve --http with API keys and JWTs (SPEC §13)', () => {
  const aliceKey = generateApiKey();
  const eveKey = generateApiKey();
  let key: SigningKey;
  let jwksDir: string;
  let gateway: SpawnedHttpGateway;
  const secrets: string[] = [aliceKey, eveKey, hashApiKey(aliceKey).slice('sha256:'.length)];

  before(async () => {
    key = await signingKey('k1');
    jwksDir = await mkdtemp(join(tmpdir(), 'gateway-jwks-'));
    const jwksFile = join(jwksDir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [key.jwk] }));
    gateway = await spawnHttpGateway({
      servers: { multi: fixtureServer('multi-tool') },
      rules: {
        auth: { jwt: { issuer: ISSUER, audience: AUDIENCE, jwks_file: jwksFile } },
        agents: {
          alice: {
            credentials: { api_keys: [hashApiKey(aliceKey)] },
            act_as: ['car*'],
            allow: { servers: ['*'] },
          },
          eve: { credentials: { api_keys: [hashApiKey(eveKey)] } },
          carol: { allow: { servers: ['multi'], tools: { multi: ['echo'] } } },
          ci: { allow: { servers: ['*'] } },
        },
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await rm(jwksDir, { recursive: true, force: true });
  });

  /** Audit lines are written in batches every 50 ms: wait until `enough` holds. */
  const auditUntil = async (enough: (lines: Record<string, unknown>[]) => boolean) => {
    for (let attempt = 0; ; attempt += 1) {
      const lines = await gateway.auditLines();
      if (enough(lines) || attempt === 200) return lines;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const initialize = (authorization?: string) =>
    fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(authorization !== undefined && { authorization }),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });

  it('answers 401 with a Bearer challenge without a credential, and with invalid_token for a wrong one', async () => {
    const missing = await initialize();
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await initialize(`Bearer ${generateApiKey()}`);
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /invalid_token/);
    const forged = await initialize(`Bearer ${await token(key, { sub: 'ci' }, { aud: 'someone-else' })}`);
    assert.equal(forged.status, 401);
    const expired = await initialize(
      `Bearer ${await token(key, { sub: 'ci' }, { exp: Math.floor(Date.now() / 1000) - 3600 })}`,
    );
    assert.equal(expired.status, 401);
  });

  it('runs an API key holder as its agent, lets it act as an act_as agent under that agent’s rules, and refuses any other', async () => {
    const { client } = await connectV1(gateway.url, aliceKey);
    try {
      const own = await client.callTool({
        name: 'execute_tool',
        arguments: { server: 'multi', tool: 'pid' },
      });
      assert.notEqual(own.isError, true);
      const asCarol = await client.callTool({
        name: 'execute_tool',
        arguments: { agent_id: 'carol', server: 'multi', tool: 'pid' },
      });
      expectError(asCarol as never, 'DENIED_BY_POLICY');
      const asCi = await client.callTool({ name: 'list_servers', arguments: { agent_id: 'ci' } });
      assert.match(expectError(asCi as never, 'INVALID_AGENT_ID').message, /may not act as "ci"/);
    } finally {
      await client.close();
    }
    const lines = await auditUntil((all) => all.filter((line) => line.principal === 'alice').length >= 3);
    const alice = lines.filter((line) => line.principal === 'alice');
    assert.ok(alice.length >= 3, JSON.stringify(lines));
    assert.ok(alice.every((line) => line.transport === 'http'));
    assert.deepStrictEqual(
      alice.map((line) => [line.agent_id, line.identity_source, line.decision]),
      [
        ['alice', 'credential', 'allow'],
        ['carol', 'credential', 'deny'],
        ['ci', null, 'deny'],
      ],
    );
  });

  it('verifies a JWT from the JWKS file and names its principal by sub, on a 2026-07-28 client', async () => {
    const client = await connectModern(gateway.url, await token(key, { sub: 'ci' }));
    try {
      const result = await client.callTool({
        name: 'execute_tool',
        arguments: { server: 'multi', tool: 'echo', args: { text: 'jwt' } },
      });
      assert.deepStrictEqual(result.structuredContent, { text: 'jwt' });
    } finally {
      await client.close();
    }
    const lines = await auditUntil((all) => all.some((line) => line.principal === 'ci'));
    assert.ok(
      lines.some((line) => line.principal === 'ci' && line.agent_id === 'ci' && line.transport === 'http'),
    );
  });

  it('keeps /metrics behind a credential and shows the calls made', async () => {
    const metricsUrl = gateway.url.replace(/\/mcp$/, '/metrics');
    assert.equal((await fetch(metricsUrl)).status, 401);
    const { client } = await connectV1(gateway.url, aliceKey);
    let text: string;
    try {
      const scraped = await fetch(metricsUrl, { headers: { authorization: `Bearer ${aliceKey}` } });
      assert.equal(scraped.status, 200);
      text = await scraped.text();
    } finally {
      await client.close();
    }
    // Sessions of earlier tests stay open until they idle out (a closed v1 client sends no DELETE).
    const open = Number(/^agent_mcp_gateway_http_sessions_open (\d+)$/m.exec(text)?.[1]);
    assert.ok(open >= 1, `the open 2025-era session is counted (${open})`);
    assert.match(
      text,
      /agent_mcp_gateway_calls_total\{agent="alice",server="multi",tool="pid",operation="execute_tool",decision="allow"\} 1/,
    );
    assert.match(text, /agent_mcp_gateway_downstream_up\{server="multi"\} 1/);
  });

  it('never writes a key, its hash or a token to the log or the audit file', async () => {
    const written = gateway.stderr() + JSON.stringify(await gateway.auditLines());
    for (const secret of secrets) assert.ok(!written.includes(secret), 'a credential leaked');
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(written), 'a JWT leaked');
  });
});
