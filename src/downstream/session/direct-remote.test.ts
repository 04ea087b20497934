/**
 * The direct tools/call path on Streamable HTTP and SSE sessions (direct-remote.ts), against the
 * real http-server.mjs fixture: every call here is made twice, once on the direct path and once
 * through the SDK client (directToolCalls off), and both must end the same way, because errors.ts
 * and connection.ts classify what the session rejects with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { RemoteServerConfig } from '../../config/types.ts';
import { GatewayError } from '../../errors.ts';
import { DownstreamConnection } from '../connection.ts';
import type { CallToolOptions } from '../connection-types.ts';
import { startHttpFixture, type HttpFixture } from '../../../test/fixtures/spawn-http-fixture.ts';

type Kind = 'http' | 'sse';
const PATHS = [
  { path: 'direct', directToolCalls: true },
  { path: 'SDK', directToolCalls: false },
] as const;

/** What a failed call looks like to the gateway's caller: code, message and data. */
function failureOf(error: unknown): { code: string; message: string; details: unknown } {
  assert.ok(error instanceof GatewayError, String(error));
  return { code: error.code, message: error.message, details: error.details };
}

async function cancellations(eventLog: string): Promise<number> {
  const text = await readFile(eventLog, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes('"cancelled"')).length;
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const kind of ['http', 'sse'] as const satisfies readonly Kind[]) {
  describe(`tools/call on a ${kind === 'http' ? 'Streamable HTTP' : 'SSE'} downstream session`, () => {
    let fixture: HttpFixture;
    let eventDir: string;
    let eventLog: string;
    const connections: DownstreamConnection[] = [];

    before(async () => {
      eventDir = await mkdtemp(join(tmpdir(), 'direct-remote-'));
      eventLog = join(eventDir, 'events.jsonl');
      fixture = await startHttpFixture({
        mode: kind === 'http' ? 'streamable' : 'sse',
        args: ['--request-id-tool'],
        env: { FIXTURE_EVENT_LOG: eventLog, FIXTURE_CONTROL_TOOLS: '1' },
      });
    });
    after(async () => {
      await Promise.all(connections.map((connection) => connection.close()));
      await fixture?.close();
      await rm(eventDir, { recursive: true, force: true });
    });

    /** Both paths to the same server, under the same name so that messages compare equal. */
    function connect(directToolCalls: boolean): DownstreamConnection {
      const config: RemoteServerConfig = {
        name: 'remote',
        transport: kind,
        url: fixture.url,
        headers: {},
        timeoutMs: 10_000,
      };
      const connection = new DownstreamConnection(config, {
        logger: pino({ level: 'silent' }),
        clientVersion: 'test',
        parentEnv: process.env,
        backoff: { baseMs: 10, capMs: 10 },
        directToolCalls,
      });
      connections.push(connection);
      return connection;
    }

    /** The same call on both paths: what each returned, or how each failed. */
    async function onBothPaths(
      call: (connection: DownstreamConnection, path: string) => Promise<CallToolResult>,
    ): Promise<{ direct: unknown; sdk: unknown }> {
      const [direct, sdk] = await Promise.all(
        PATHS.map(({ path, directToolCalls }) =>
          call(connect(directToolCalls), path).then(
            (result) => ({ result }),
            (error: unknown) => ({ failure: failureOf(error) }),
          ),
        ),
      );
      return { direct, sdk };
    }

    it('takes the direct path by default and the SDK client with direct tool calls off', async () => {
      for (const { directToolCalls } of PATHS) {
        const connection = connect(directToolCalls);
        const session = await connection.connect();
        assert.equal(session.directToolCalls, directToolCalls);
        const result = await connection.callTool({ name: 'request_id' }, { timeoutMs: 5000 });
        const id = (result.structuredContent as { id: unknown }).id;
        // The direct path numbers its requests `gw-N`; the SDK client uses plain numbers.
        if (directToolCalls) assert.match(String(id), /^gw-\d+$/);
        else assert.equal(typeof id, 'number');
      }
    });

    it('returns the same result on both paths', async () => {
      const { direct, sdk } = await onBothPaths((connection) =>
        connection.callTool({ name: 'echo', arguments: { text: 'same' } }, { timeoutMs: 5000 }),
      );
      assert.deepEqual(direct, { result: { content: [{ type: 'text', text: 'same' }] } });
      assert.deepEqual(direct, sdk);
    });

    it('forwards progress, and progress keeps a call alive past its timeout, on both paths', async () => {
      const updates: Record<string, { progress: number; total?: number; message?: string }[]> = {};
      const { direct, sdk } = await onBothPaths((connection, path) => {
        const seen: { progress: number; total?: number; message?: string }[] = [];
        updates[path] = seen;
        return connection.callTool(
          { name: 'sleep', arguments: { ms: 600 } },
          { timeoutMs: 300, onprogress: (update) => seen.push(update) },
        );
      });
      assert.deepEqual(direct, { result: { content: [{ type: 'text', text: 'slept 600 ms' }] } });
      assert.deepEqual(direct, sdk);
      assert.deepEqual(Object.keys(updates).sort(), ['SDK', 'direct']);
      for (const seen of Object.values(updates)) {
        assert.ok(seen.length > 0, 'progress reaches the caller');
        assert.equal(seen[0]?.total, 600);
        assert.match(seen[0]?.message ?? '', /^slept \d+ of 600 ms$/);
      }
    });

    it('times out with the same TIMEOUT on both paths and tells the server to stop', async () => {
      const before = await cancellations(eventLog);
      const { direct, sdk } = await onBothPaths((connection) =>
        connection.callTool({ name: 'sleep', arguments: { ms: 5000 } }, { timeoutMs: 300 }),
      );
      assert.equal((direct as { failure: { code: string } }).failure.code, 'TIMEOUT');
      assert.match((direct as { failure: { message: string } }).failure.message, /within 300 ms/);
      assert.deepEqual(direct, sdk);
      await eventually(
        'both cancellations reach the server',
        async () => (await cancellations(eventLog)) >= before + 2,
      );
    });

    it('forwards a caller cancellation to the server on both paths', async () => {
      const before = await cancellations(eventLog);
      const { direct, sdk } = await onBothPaths((connection) => {
        const caller = new AbortController();
        const options: CallToolOptions = { timeoutMs: 5000, signal: caller.signal };
        setTimeout(() => caller.abort(new Error('the client went away')), 200);
        return connection.callTool({ name: 'sleep', arguments: { ms: 5000 } }, options);
      });
      assert.equal((direct as { failure: { code: string } }).failure.code, 'TIMEOUT');
      assert.match(
        (direct as { failure: { message: string } }).failure.message,
        /the caller cancelled the call to tool "sleep" on server "remote"; the cancellation was forwarded/,
      );
      assert.deepEqual(direct, sdk);
      await eventually(
        'both cancellations reach the server',
        async () => (await cancellations(eventLog)) >= before + 2,
      );
    });

    it('keeps the code and message of a JSON-RPC error on both paths', async () => {
      const { direct, sdk } = await onBothPaths((connection) =>
        connection.callTool({ name: 'no_such_tool' }, { timeoutMs: 5000 }),
      );
      assert.deepEqual(direct, {
        failure: {
          code: 'DOWNSTREAM_ERROR',
          message: 'server "remote" answered with error -32602: MCP error -32602: Unknown tool: no_such_tool',
          details: { server: 'remote', tool: 'no_such_tool', data: { downstream_code: -32602 } },
        },
      });
      assert.deepEqual(direct, sdk);
    });

    it('fails a call whose POST is refused the same way on both paths: as the transport threw', async () => {
      const failures: ReturnType<typeof failureOf>[] = [];
      // One path after the other: the fixture fails the next POST of any session.
      for (const { directToolCalls } of PATHS) {
        const connection = connect(directToolCalls);
        await connection.callTool(
          { name: 'fail_next_post', arguments: { status: 500 } },
          { timeoutMs: 5000 },
        );
        failures.push(
          await connection
            .callTool({ name: 'echo', arguments: { text: 'refused' } }, { timeoutMs: 5000 })
            .then(
              (result) => assert.fail(`the call succeeded: ${JSON.stringify(result)}`),
              (error: unknown) => failureOf(error),
            ),
        );
      }
      assert.match(failures[0]?.message ?? '', /Error POSTing to endpoint.*injected HTTP 500/);
      assert.deepEqual(failures[0], failures[1]);
    });

    if (kind === 'http') {
      it('reports a session the server forgot the same way on both paths, and reconnects on next use', async () => {
        const pair = PATHS.map(({ directToolCalls }) => connect(directToolCalls));
        for (const connection of pair) {
          await connection.callTool({ name: 'echo', arguments: { text: 'first' } }, { timeoutMs: 5000 });
        }
        // One forget drops both sessions: the next call of each gets 404 "Session not found".
        await pair[0]?.callTool({ name: 'forget_sessions' }, { timeoutMs: 5000 });
        const failures = await Promise.all(
          pair.map((connection) =>
            connection.callTool({ name: 'echo', arguments: { text: 'lost' } }, { timeoutMs: 5000 }).then(
              (result) => assert.fail(`the call succeeded: ${JSON.stringify(result)}`),
              (error: unknown) => failureOf(error),
            ),
          ),
        );
        assert.equal(failures[0]?.code, 'SERVER_UNAVAILABLE');
        assert.match(failures[0]?.message ?? '', /no longer knows the session \(HTTP 404/);
        assert.deepEqual(failures[0], failures[1]);
        for (const connection of pair) {
          const again = await connection.callTool(
            { name: 'echo', arguments: { text: 'again' } },
            { timeoutMs: 5000 },
          );
          assert.deepEqual(again.content, [{ type: 'text', text: 'again' }]);
        }
      });
    }
  });
}
