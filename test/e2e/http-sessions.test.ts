/**
 * SPEC §13/§14 over real HTTP on loopback with real clients: both protocol eras on /mcp, sessions
 * bound to the principal whose credential opened them, concurrent sessions without cross-talk,
 * and the impersonation attempts a shared gateway must refuse and audit.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fixtureServer } from './harness.ts';
import {
  connectModern,
  connectV1,
  MODERN_PROTOCOL,
  startInProcessHttpGateway,
  type InProcessHttpGateway,
} from '../support/http-gateway.ts';

const ALLOW_ALL = { allow: { servers: ['*'] } };
const RULES = { agents: { alpha: ALLOW_ALL, beta: ALLOW_ALL, gamma: ALLOW_ALL } };
const KEYS = {
  alpha: `key-alpha-${randomBytes(16).toString('hex')}`,
  beta: `key-beta-${randomBytes(16).toString('hex')}`,
  gamma: `key-gamma-${randomBytes(16).toString('hex')}`,
};

function textOf(result: unknown): string {
  const content = (result as CallToolResult).content;
  return content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

function errorCode(result: unknown): string | undefined {
  return ((result as CallToolResult).structuredContent as { error?: { code: string } } | undefined)?.error
    ?.code;
}

/** A raw JSON-RPC POST to /mcp, for the answers an SDK client would hide. */
async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const PING = { jsonrpc: '2.0', id: 7, method: 'ping' };

describe('HTTP sessions and principals (SPEC §13, §14)', () => {
  let gw: InProcessHttpGateway;
  before(async () => {
    gw = await startInProcessHttpGateway({
      servers: { multi: fixtureServer('multi-tool') },
      rules: RULES,
      keys: { [KEYS.alpha]: 'alpha', [KEYS.beta]: 'beta', [KEYS.gamma]: 'gamma' },
    });
  });
  after(() => gw.close());

  it('serves a 2025-era client with a session: initialize, tools/list, execute_tool, DELETE', async () => {
    const { client, transport } = await connectV1(gw.url, KEYS.alpha);
    assert.ok(transport.sessionId, 'the gateway issued an Mcp-Session-Id');
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((tool) => tool.name),
      ['search_tools', 'list_servers', 'get_server_tools', 'execute_tool'],
    );
    const result = await client.callTool({
      name: 'execute_tool',
      arguments: { server: 'multi', tool: 'echo', args: { text: 'over http' } },
    });
    assert.equal(textOf(result), 'over http');
    await transport.terminateSession();
    await client.close();
    assert.equal(
      (
        await post(gw.url, PING, {
          authorization: `Bearer ${KEYS.alpha}`,
          'mcp-session-id': transport.sessionId,
        })
      ).status,
      404,
    );
  });

  it('serves a client pinned to 2026-07-28 without a session', async () => {
    const client = await connectModern(gw.url, KEYS.beta);
    assert.equal(client.getNegotiatedProtocolVersion(), MODERN_PROTOCOL);
    const result = await client.callTool({
      name: 'execute_tool',
      arguments: { server: 'multi', tool: 'echo', args: { text: 'modern' } },
    });
    assert.equal(textOf(result), 'modern');
    const servers = await client.callTool({ name: 'list_servers', arguments: {} });
    assert.deepEqual(servers.structuredContent, { servers: [{ name: 'multi' }] });
    await client.close();
  });

  it('answers 401 with a Bearer challenge, saying whether the credential was missing or invalid', async () => {
    const missing = await post(gw.url, PING);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.match(missing.text, /missing bearer credential/);
    const invalid = await post(gw.url, PING, { authorization: 'Bearer not-a-key' });
    assert.equal(invalid.status, 401);
    assert.match(invalid.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.match(invalid.text, /invalid bearer credential/);
    await assert.rejects(connectV1(gw.url));
    await assert.rejects(connectModern(gw.url, 'not-a-key'));
  });

  it("refuses with 403 a request on another principal's session, which stays usable by its owner", async () => {
    const { client, transport } = await connectV1(gw.url, KEYS.alpha);
    const stolen = await post(gw.url, PING, {
      authorization: `Bearer ${KEYS.beta}`,
      'mcp-session-id': transport.sessionId!,
    });
    assert.equal(stolen.status, 403);
    assert.match(stolen.text, /another principal/);
    const refusals = gw
      .logs()
      .split('\n')
      .filter((line) => line.includes('"http request refused"'))
      .map((line) => JSON.parse(line) as { status: number; principal: string | null });
    assert.ok(
      refusals.some((line) => line.status === 403 && line.principal === 'beta'),
      'the attempt is logged with the principal that made it',
    );
    await client.ping();
    await client.close();
  });

  it("refuses another agent's agent_id without act_as as INVALID_AGENT_ID, audited with principal and transport", async () => {
    const { client } = await connectV1(gw.url, KEYS.alpha);
    const result = await client.callTool({
      name: 'list_servers',
      arguments: { agent_id: 'beta' },
    });
    assert.equal(errorCode(result), 'INVALID_AGENT_ID');
    assert.match(textOf(result), /principal "alpha" may not act as "beta"/);
    await client.close();
    const modern = await connectModern(gw.url, KEYS.gamma);
    assert.equal(
      errorCode(await modern.callTool({ name: 'list_servers', arguments: { agent_id: 'alpha' } })),
      'INVALID_AGENT_ID',
    );
    await modern.close();
    const lines = await gw.auditLines();
    const refused = lines.filter((line) => line.error_code === 'INVALID_AGENT_ID');
    assert.deepEqual(
      refused.map((line) => [line.principal, line.agent_id, line.decision, line.transport]),
      [
        ['alpha', 'beta', 'deny', 'http'],
        ['gamma', 'alpha', 'deny', 'http'],
      ],
    );
  });

  it('runs 50 concurrent sessions of 3 principals with progress, each seeing only its own', async () => {
    const principals = ['alpha', 'beta', 'gamma'] as const;
    const clients = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const key = KEYS[principals[i % 3]!];
        return i % 2 === 0 ? connectV1(gw.url, key).then(({ client }) => client) : connectModern(gw.url, key);
      }),
    );
    try {
      const answers = await Promise.all(
        clients.map(async (client, i) => {
          const ms = 150 + i;
          const totals = new Set<unknown>();
          const onprogress = (progress: { total?: number }) => totals.add(progress.total);
          const params = {
            name: 'execute_tool',
            arguments: { server: 'multi', tool: 'sleep', args: { ms } },
          };
          // The v1 client takes a result schema before the options; the v2 client does not.
          const slept =
            client instanceof V1Client
              ? await client.callTool(params, undefined, { onprogress })
              : await client.callTool(params, { onprogress });
          const echoed = await client.callTool({
            name: 'execute_tool',
            arguments: { server: 'multi', tool: 'echo', args: { text: `session ${i}` } },
          });
          const whoami = await client.callTool({
            name: 'list_servers',
            arguments: { agent_id: principals[i % 3] },
          });
          return {
            i,
            ms,
            totals: [...totals],
            slept: textOf(slept),
            echoed: textOf(echoed),
            whoami: errorCode(whoami),
          };
        }),
      );
      for (const answer of answers) {
        assert.equal(answer.slept, `slept ${answer.ms} ms`);
        assert.equal(answer.echoed, `session ${answer.i}`);
        assert.equal(answer.whoami, undefined, 'each session acts as its own principal');
        // Progress of a call reports its own total: one from another session would show another.
        assert.ok(answer.totals.length > 0, `session ${answer.i} got progress`);
        assert.deepEqual(answer.totals, [answer.ms], `session ${answer.i} saw only its own progress`);
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it('cuts off at once a principal that a reload removed, on its open session too', async () => {
    const { client, transport } = await connectV1(gw.url, KEYS.gamma);
    await client.ping();
    gw.reloadRules({ agents: { alpha: ALLOW_ALL, beta: ALLOW_ALL } });
    try {
      const denied = await post(gw.url, PING, {
        authorization: `Bearer ${KEYS.gamma}`,
        'mcp-session-id': transport.sessionId!,
      });
      assert.equal(denied.status, 401);
      await assert.rejects(connectModern(gw.url, KEYS.gamma));
    } finally {
      gw.reloadRules(RULES);
      await client.close();
    }
  });

  it('never writes a key into logs, audit lines or results', async () => {
    const { client } = await connectV1(gw.url, KEYS.alpha);
    const result = await client.callTool({ name: 'list_servers', arguments: { include_metadata: true } });
    await client.close();
    const everything = [gw.logs(), JSON.stringify(await gw.auditLines()), JSON.stringify(result)].join('\n');
    for (const key of Object.values(KEYS)) assert.ok(!everything.includes(key), 'a key leaked');
    assert.ok(!everything.includes('Bearer '), 'an Authorization header leaked');
  });
});
