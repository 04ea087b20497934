/**
 * The 2026-07-28 protocol end to end, with both sides pinned: the test's client negotiates
 * 2026-07-28 with the gateway over stdio (`server/discover`, a `_meta` envelope on every
 * request), and GATEWAY_DOWNSTREAM_PROTOCOL pins every downstream session too. The direct
 * JSON-lines paths implement only the 2025-era tools/call, so everything here runs on the SDK's
 * protocol layer on both sides: discovery, execute_tool with progress and cancellation, errors.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDirect, expectError, expectJson } from './gateway-test-helpers.ts';
import { fixtureServer, spawnedGateways, structured, type RunningGateway } from './harness.ts';
import { waitUntil } from './live-helpers.ts';

const REVISION = '2026-07-28';
const PINNED = { versionNegotiation: { mode: { pin: REVISION } } } as const;
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

/** The spawned gateway with both of its sides pinned to 2026-07-28. */
const pinned = spawnedGateways({ env: { GATEWAY_DOWNSTREAM_PROTOCOL: REVISION }, client: PINNED });

describe(`the gateway with both sides on ${REVISION}`, () => {
  let gateway: RunningGateway;
  let eventDir: string;
  let eventLog: string;
  const multi = () =>
    fixtureServer('multi-tool', ['--request-id-tool'], { env: { FIXTURE_EVENT_LOG: eventLog } });

  before(async () => {
    eventDir = await mkdtemp(join(tmpdir(), 'gateway-2026-events-'));
    eventLog = join(eventDir, 'events.jsonl');
    gateway = await pinned({
      servers: {
        multi: multi(),
        image: fixtureServer('image'),
        // failing.mjs connects a bare Server: it speaks only the 2025 handshake.
        legacy_only: fixtureServer('failing', ['--garbage-stdout']),
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await rm(eventDir, { recursive: true, force: true });
  });

  const execute = (tool: string, args: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    gateway.call('execute_tool', { server: 'multi', tool, args, ...extra });

  it('negotiates 2026-07-28 with its client and lists its tools', async () => {
    assert.equal(gateway.client.getNegotiatedProtocolVersion(), REVISION);
    const { tools } = await gateway.client.listTools();
    assert.deepStrictEqual(
      tools.map((tool) => tool.name),
      ['search_tools', 'list_servers', 'get_server_tools', 'execute_tool'],
    );
  });

  it('discovers the downstream tools exactly as a pinned direct client lists them', async () => {
    const direct = await connectDirect(multi(), PINNED);
    let expected;
    try {
      assert.equal(direct.client.getNegotiatedProtocolVersion(), REVISION);
      expected = (await direct.client.listTools()).tools.map((tool) => tool.name);
    } finally {
      await direct.close();
    }
    const listed = expectJson<{ tools: { name: string }[] }>(
      await gateway.call('get_server_tools', { server: 'multi' }),
    );
    assert.deepStrictEqual(
      listed.tools.map((tool) => tool.name),
      expected,
    );
    const servers = expectJson<{ servers: { name: string }[] }>(await gateway.call('list_servers'));
    assert.deepStrictEqual(
      servers.servers.map((server) => server.name),
      ['multi', 'image', 'legacy_only'],
    );
  });

  it('calls downstream tools through the SDK client, never the 2025-era direct path', async () => {
    // The direct path names its requests `gw-N`; the SDK client numbers them.
    const result = await execute('request_id');
    assert.equal(typeof structured<{ id: unknown }>(result).id, 'number');
  });

  it('returns the downstream result unchanged but for the hop envelope, stamped by the gateway', async () => {
    const direct = await connectDirect(multi(), PINNED);
    let expected: CallToolResult;
    try {
      expected = await direct.client.callTool({ name: 'rich', arguments: {} });
    } finally {
      await direct.close();
    }
    const result = await execute('rich');
    const withoutStamp = (value: CallToolResult) => {
      const { [SERVER_INFO]: stamp, ...meta } = value._meta ?? {};
      return { stamp, result: { ...value, _meta: meta } };
    };
    const ours = withoutStamp(result);
    const theirs = withoutStamp(expected);
    assert.deepStrictEqual(ours.result, theirs.result);
    assert.deepStrictEqual(ours.result._meta, { 'fixture/trace': 'abc' });
    assert.equal((theirs.stamp as { name?: string } | undefined)?.name, 'multi-tool');
    assert.equal(
      (ours.stamp as { name?: string } | undefined)?.name,
      'agent-mcp-gateway',
      'the gateway names itself, not the downstream server',
    );
    const image = await gateway.call('execute_tool', { server: 'image', tool: 'get_image' });
    assert.equal(image.content[0]?.type, 'image');
  });

  it('forwards downstream progress to a caller that asked for it', async () => {
    const updates: { progress: number; total?: number }[] = [];
    const result = await gateway.client.callTool(
      { name: 'execute_tool', arguments: { server: 'multi', tool: 'sleep', args: { ms: 400 } } },
      { onprogress: (update) => updates.push(update) },
    );
    assert.deepStrictEqual(result.content, [{ type: 'text', text: 'slept 400 ms' }]);
    assert.ok(updates.length >= 2, `only ${updates.length} progress notifications arrived`);
    assert.equal(updates.at(-1)?.total, 400);
  });

  it("forwards the caller's cancellation to the downstream request, and serves the next call", async () => {
    const controller = new AbortController();
    const pending = gateway.client.callTool(
      { name: 'execute_tool', arguments: { server: 'multi', tool: 'sleep', args: { ms: 10_000 } } },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort('changed my mind'), 300);
    await assert.rejects(pending);
    const event = await waitUntil('the fixture to record the cancellation', async () => {
      const text = await readFile(eventLog, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; tool: string })
        .find((entry) => entry.event === 'cancelled');
    });
    assert.equal(event.tool, 'sleep');
    assert.deepStrictEqual(structured(await execute('echo', { text: 'still here' })), { text: 'still here' });
  });

  it('times out after timeout_ms with TIMEOUT and serves the next call', async () => {
    const error = expectError(await execute('sleep', { ms: 5000 }, { timeout_ms: 200 }), 'TIMEOUT');
    assert.match(error.message, /200/);
    assert.deepStrictEqual(structured(await execute('echo', { text: 'after' })), { text: 'after' });
  });

  it('answers gateway errors and passes downstream errors through with their codes', async () => {
    expectError(await execute('no_such_tool'), 'TOOL_NOT_FOUND');
    expectError(await execute('add', { a: 'one' }), 'INVALID_ARGUMENTS');
    // -32042 is URL elicitation on 2025 revisions and may not be thrown on 2026-07-28 (the SDK
    // refuses it), so the JSON-RPC error here carries a code of its own.
    const rpc = expectError(
      await execute('rpc_error', { code: -32099, message: 'quota gone' }),
      'DOWNSTREAM_ERROR',
    );
    assert.equal(rpc.downstream_code, -32099);
    assert.match(rpc.message, /quota gone/);
    const failed = await execute('fail', { reason: 'on purpose' });
    assert.equal(failed.isError, true);
    assert.deepStrictEqual(failed.content, [{ type: 'text', text: 'failed: on purpose' }]);
  });

  it('reports a downstream server that cannot speak the pinned revision as unavailable', async () => {
    const error = expectError(
      await gateway.call('execute_tool', { server: 'legacy_only', tool: 'ok' }),
      'SERVER_UNAVAILABLE',
    );
    assert.match(error.message, new RegExp(REVISION));
  });
});
