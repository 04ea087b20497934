/**
 * `execute_tool` (SPEC §8, §9) against the multi-tool and image fixtures, for any gateway under
 * test: faithful pass-through, existence and argument checks, downstream errors, timeouts,
 * concurrency and the pooled session. Run by gateway-execute.test.ts (the built CLI), the
 * differential test (no direct tools/call path) and the in-process harness.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { descendantPids, fixtureServer, type RunningGateway, type StartGateway } from '../harness.ts';
import { connectDirect, expectError } from '../gateway-test-helpers.ts';

const MULTI = fixtureServer('multi-tool');
/** Far longer than any timeout below, short enough that a missed timeout fails quickly. */
const LONG_SLEEP_MS = 5000;
/** The `short` server: its `slow` tool answers after SLOW_DELAY_MS, its default timeout is shorter. */
const SHORT_TIMEOUT_MS = 300;
const SLOW_DELAY_MS = 1500;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `label` tells the variants apart in the test report. */
export function executeSuite(start: StartGateway, label = 'gateway execute_tool'): void {
  describe(label, () => {
    let gateway: RunningGateway;

    before(async () => {
      gateway = await start({
        servers: {
          multi: MULTI,
          // slow.mjs reports no progress, so these timeouts do not depend on progress handling.
          short: fixtureServer('slow', ['--delay-ms', String(SLOW_DELAY_MS)], {
            timeout_ms: SHORT_TIMEOUT_MS,
          }),
          image: fixtureServer('image'),
          cold: fixtureServer('multi-tool', ['--name', 'cold']),
        },
      });
    });
    after(() => gateway?.close());

    const execute = (tool: string, args?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      gateway.call('execute_tool', { server: 'multi', tool, ...(args && { args }), ...extra });

    it('returns the downstream result exactly as a direct client receives it', async () => {
      const direct = await connectDirect(MULTI);
      let expected;
      try {
        expected = await direct.client.callTool({ name: 'rich', arguments: {} });
      } finally {
        await direct.close();
      }
      const result = await execute('rich', {});
      assert.deepStrictEqual(result, expected);
      // The comparison is only meaningful if the fixture really sent every kind of block.
      assert.deepStrictEqual(
        result.content.map((block) => block.type),
        ['text', 'image', 'audio', 'resource', 'resource_link'],
      );
      assert.deepStrictEqual(result.structuredContent, { kind: 'rich', blocks: 5 });
      assert.deepStrictEqual(result._meta, { 'fixture/trace': 'abc' });
      assert.deepStrictEqual(result.content[0]?.annotations, {
        audience: ['user', 'assistant'],
        priority: 0.5,
      });
    });

    it('delivers an image block as an image with its bytes intact', async () => {
      const result = await gateway.call('execute_tool', { server: 'image', tool: 'get_image' });
      assert.notEqual(result.isError, true);
      const [image, caption] = result.content;
      assert.ok(image?.type === 'image', `expected an image block, got ${JSON.stringify(image)}`);
      assert.equal(image.mimeType, 'image/png');
      assert.deepStrictEqual([...Buffer.from(image.data, 'base64').subarray(0, 8)], PNG_SIGNATURE);
      assert.deepStrictEqual(caption, { type: 'text', text: 'a 2x2 PNG: red, green, blue, white' });
    });

    it('passes a downstream isError result through unchanged, not as a gateway error', async () => {
      const result = await execute('fail', { reason: 'on purpose' });
      assert.deepStrictEqual(result, {
        content: [{ type: 'text', text: 'failed: on purpose' }],
        isError: true,
      });
    });

    it('turns a JSON-RPC error into DOWNSTREAM_ERROR keeping its code and message', async () => {
      const error = expectError(await execute('rpc_error', {}), 'DOWNSTREAM_ERROR');
      assert.equal(error.downstream_code, -32042);
      assert.match(error.message, /-32042/);
      assert.match(error.message, /custom failure/);
      const custom = expectError(
        await execute('rpc_error', { code: -32099, message: 'quota gone' }),
        'DOWNSTREAM_ERROR',
      );
      assert.equal(custom.downstream_code, -32099);
      assert.match(custom.message, /quota gone/);
    });

    it('answers TOOL_NOT_FOUND for a tool the server lacks', async () => {
      const error = expectError(await execute('no_such_tool', {}), 'TOOL_NOT_FOUND');
      assert.match(error.message, /no_such_tool/);
      assert.equal(error.server, 'multi');
      assert.equal(error.tool, 'no_such_tool');
    });

    it('rejects args failing a draft-07 schema, listing each violation and the schema', async () => {
      const error = expectError(await execute('add', { a: 'one' }), 'INVALID_ARGUMENTS');
      assert.match(error.message, /\ba\b.*number/);
      assert.match(error.message, /"b"/);
      assert.match(error.message, /draft-07/, 'the message includes the schema');
      const violations = error.violations as string[];
      assert.equal(violations.length, 2);
      assert.ok(violations.some((v) => /missing required property "b"/.test(v)));
      assert.ok(violations.some((v) => /^a: /.test(v)));
      assert.equal(
        (error.inputSchema as { $schema: string }).$schema,
        'http://json-schema.org/draft-07/schema#',
      );
      assert.deepStrictEqual(await execute('add', { a: 2, b: 3 }), {
        content: [{ type: 'text', text: '5' }],
      });
    });

    it('validates a 2020-12 schema with the 2020-12 dialect (prefixItems)', async () => {
      const error = expectError(await execute('tuple_2020', { pair: ['a', 'b'] }), 'INVALID_ARGUMENTS');
      assert.match(error.message, /pair\.1/);
      // Under draft-07 rules `items: false` would reject every non-empty array: accepting this pair
      // proves the 2020-12 validator was picked.
      const ok = await execute('tuple_2020', { pair: ['a', 1] });
      assert.deepStrictEqual(ok, { content: [{ type: 'text', text: '["a",1]' }] });
    });

    it('treats null args and timeout_ms as not given', async () => {
      const result = await execute('pid', undefined, { args: null, timeout_ms: null });
      assert.equal(typeof (result.structuredContent as { pid?: unknown }).pid, 'number');
    });

    it('names an unknown gateway argument such as arguments in INVALID_ARGUMENTS', async () => {
      const error = expectError(
        await gateway.call('execute_tool', { server: 'multi', tool: 'echo', arguments: { text: 'x' } }),
        'INVALID_ARGUMENTS',
      );
      assert.match(error.message, /"arguments"/);
      assert.match(error.message, /"args"/, 'it suggests the right name');
      expectError(await gateway.call('execute_tool', { server: 'multi' }), 'INVALID_ARGUMENTS');
      expectError(await execute('echo', { text: 'x' }, { timeout_ms: -5 }), 'INVALID_ARGUMENTS');
    });

    it('times out after timeout_ms and serves the next call on the same server', async () => {
      const started = Date.now();
      const error = expectError(
        await execute('sleep', { ms: LONG_SLEEP_MS }, { timeout_ms: 200 }),
        'TIMEOUT',
      );
      assert.ok(
        Date.now() - started < LONG_SLEEP_MS - 1000,
        'the timeout fired long before the tool would finish',
      );
      assert.match(error.message, /200/);
      const next = await execute('echo', { text: 'still alive' });
      assert.deepStrictEqual(next.structuredContent, { text: 'still alive' });
    });

    it('times out a tool that reports no progress and serves the next call', async () => {
      // Connect and list first with room to spare: on a loaded machine a cold start can take longer
      // than the short timeouts below, and this test is about the tool call, not the connect.
      const generous = { server: 'short', tool: 'fast', timeout_ms: 10_000 };
      assert.deepStrictEqual((await gateway.call('execute_tool', generous)).content, [
        { type: 'text', text: 'fast' },
      ]);
      const error = expectError(
        await gateway.call('execute_tool', { server: 'short', tool: 'slow', timeout_ms: 100 }),
        'TIMEOUT',
      );
      assert.doesNotMatch(error.message, /listing tools|connecting/, 'the tool call itself timed out');
      const fast = await gateway.call('execute_tool', generous);
      assert.deepStrictEqual(fast.content, [{ type: 'text', text: 'fast' }]);
    });

    it("uses the server's timeout_ms when the call gives none, and the call's when it does", async () => {
      const error = expectError(
        await gateway.call('execute_tool', { server: 'short', tool: 'slow' }),
        'TIMEOUT',
      );
      assert.match(error.message, new RegExp(`${SHORT_TIMEOUT_MS} ms`));
      const longer = await gateway.call('execute_tool', {
        server: 'short',
        tool: 'slow',
        timeout_ms: 10_000,
      });
      assert.deepStrictEqual(longer.content, [{ type: 'text', text: `slow after ${SLOW_DELAY_MS} ms` }]);
    });

    it('answers 50 concurrent calls on a cold server each with its own result, from one new process', async () => {
      const before = await descendantPids(gateway.pid);
      const ns = Array.from({ length: 50 }, (_, index) => index * 7 + 1);
      const results = await Promise.all(
        ns.map((n) => gateway.call('execute_tool', { server: 'cold', tool: 'echo_n', args: { n } })),
      );
      results.forEach((result, index) => {
        assert.deepStrictEqual(result.structuredContent, { n: ns[index] });
        assert.deepStrictEqual(result.content, [{ type: 'text', text: String(ns[index]) }]);
      });
      const after = await descendantPids(gateway.pid);
      assert.equal(after.filter((pid) => !before.includes(pid)).length, 1, 'one process for the cold server');
    });

    it('serves many calls from one persistent downstream process', async () => {
      const pids = new Set<number>();
      for (let call = 0; call < 5; call += 1) {
        const result = await execute('pid', {});
        pids.add((result.structuredContent as { pid: number }).pid);
      }
      const concurrent = await Promise.all(Array.from({ length: 5 }, () => execute('pid', {})));
      for (const result of concurrent) pids.add((result.structuredContent as { pid: number }).pid);
      assert.equal(pids.size, 1, `expected one downstream process, saw ${[...pids].join(', ')}`);
    });
  });
}
