import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { StdioServerConfig } from '../config/types.ts';
import { GatewayError } from '../errors.ts';
import { DownstreamConnection } from './connection.ts';
import { isAlive } from '../../test/support/processes.ts';

function fixture(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/servers/${name}.mjs`, import.meta.url));
}

function stdioServer(name: string, script: string, args: string[] = []): StdioServerConfig {
  return {
    name,
    transport: 'stdio',
    command: process.execPath,
    args: [fixture(script), ...args],
    env: {},
    timeoutMs: 10_000,
  };
}

/** A logger whose entries the test can read. */
function capturingLogger(): { logger: pino.Logger; messages: { msg: string; stderr?: string }[] } {
  const messages: { msg: string; stderr?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        messages.push(JSON.parse(line) as { msg: string; stderr?: string });
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug', base: undefined }, stream), messages };
}

const connections: DownstreamConnection[] = [];

function connect(
  config: StdioServerConfig,
  backoff = { baseMs: 10_000, capMs: 10_000 },
  extra: { directToolCalls?: boolean } = {},
) {
  const { logger, messages } = capturingLogger();
  const connection = new DownstreamConnection(config, {
    logger,
    clientVersion: 'test',
    parentEnv: process.env,
    backoff,
    ...extra,
  });
  connections.push(connection);
  return { connection, messages };
}

async function pidOf(connection: DownstreamConnection): Promise<number> {
  const result = await connection.callTool({ name: 'pid' }, { timeoutMs: 5000 });
  return (result.structuredContent as { pid: number }).pid;
}

function unavailable(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof GatewayError, String(error));
    assert.equal(error.code, 'SERVER_UNAVAILABLE');
    assert.match(error.message, pattern);
    return true;
  };
}

describe('DownstreamConnection', () => {
  after(() => Promise.all(connections.map((connection) => connection.close())));

  it('shares one connect and one process among concurrent first callers', async () => {
    const { connection } = connect(stdioServer('shared', 'multi-tool'));
    const pids = await Promise.all(Array.from({ length: 5 }, () => pidOf(connection)));
    assert.equal(new Set(pids).size, 1);
    assert.equal(connection.snapshot().status, 'connected');
    assert.equal(connection.snapshot().pid, pids[0]);
  });

  it('backs off after consecutive start failures, failing fast without starting the server again', async () => {
    const { connection, messages } = connect(stdioServer('broken', 'failing'));
    const starts = () => messages.filter((entry) => entry.stderr === 'fatal: cannot open database').length;
    await assert.rejects(connection.listTools(), unavailable(/exited with code 3.*cannot open database/));
    // The first failure may be a one-off: the next use retries at once.
    await assert.rejects(connection.listTools(), unavailable(/exited with code 3/));
    const started = Date.now();
    await assert.rejects(connection.listTools(), unavailable(/exited with code 3/));
    assert.ok(Date.now() - started < 500, 'a call during backoff must fail fast');
    assert.equal(starts(), 2);
    assert.equal(connection.snapshot().status, 'unavailable');
  });

  it('lets a retired connection finish its in-flight call, then stops its process', async () => {
    const { connection } = connect(stdioServer('retiring', 'multi-tool'));
    const pid = await pidOf(connection);
    const call = connection.callTool({ name: 'sleep', arguments: { ms: 400 } }, { timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const retired = connection.retire('it was removed from the servers file');
    assert.ok(isAlive(pid));
    const result = await call;
    assert.deepEqual(result.content, [{ type: 'text', text: 'slept 400 ms' }]);
    await retired;
    assert.equal(isAlive(pid), false);
    await assert.rejects(connection.listTools(), unavailable(/removed from the servers file/));
  });

  it('closes a retired connection at the deadline when a call outlives it, and says why the call failed', async () => {
    const { connection } = connect(stdioServer('outlived', 'multi-tool'));
    await connection.listTools();
    // Progress keeps the call alive past its 300 ms timeout, which is also the retirement deadline.
    const call = connection.callTool(
      { name: 'sleep', arguments: { ms: 5000 } },
      { timeoutMs: 300, onprogress: () => {} },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await connection.retire('its configuration changed');
    assert.ok(Date.now() - started < 2000);
    await assert.rejects(call, unavailable(/its configuration changed, and the call did not finish in time/));
  });

  it('calls tools through the SDK client, not the direct path, when direct tool calls are off', async () => {
    const requestId = async (connection: DownstreamConnection) => {
      const result = await connection.callTool({ name: 'request_id' }, { timeoutMs: 5000 });
      return (result.structuredContent as { id: unknown }).id;
    };
    const config = stdioServer('ids', 'multi-tool', ['--request-id-tool']);
    const direct = connect(config).connection;
    const viaSdk = connect(config, undefined, { directToolCalls: false }).connection;
    // The direct path numbers its requests `gw-N`; the SDK client uses plain numbers.
    assert.match(String(await requestId(direct)), /^gw-\d+$/);
    assert.equal(typeof (await requestId(viaSdk)), 'number');
    const progress: number[] = [];
    const slept = await viaSdk.callTool(
      { name: 'sleep', arguments: { ms: 200 } },
      { timeoutMs: 5000, onprogress: (update) => progress.push(update.progress) },
    );
    assert.deepEqual(slept.content, [{ type: 'text', text: 'slept 200 ms' }]);
    assert.ok(progress.length > 0, 'progress reaches the caller on the SDK path too');
  });

  it('counts a running call once in in_flight, even when the caller holds the connection', async () => {
    const { connection } = connect(stdioServer('counted', 'multi-tool'));
    await connection.listTools();
    const release = connection.hold(5000);
    const call = connection.callTool(
      { name: 'sleep', arguments: { ms: 300 } },
      { timeoutMs: 5000, held: true },
    );
    assert.equal(connection.snapshot().inFlight, 1);
    await call;
    release();
    assert.equal(connection.snapshot().inFlight, 0);
  });

  it('reports a stale and a replaced tool list, and keeps the last tool count meanwhile', async () => {
    const { connection } = connect(stdioServer('changing', 'multi-tool'));
    let changes = 0;
    const unsubscribe = connection.onToolsChanged(() => (changes += 1));
    const before = (await connection.listTools()).tools.length;
    const installed = changes;
    assert.ok(installed >= 1, 'a fresh list is a change');
    await connection.callTool({ name: 'add_tool', arguments: { name: 'late_tool' } }, { timeoutMs: 5000 });
    assert.ok(changes > installed, 'list_changed is a change');
    assert.equal(connection.cachedTools, undefined);
    assert.equal(connection.snapshot().toolCount, before, 'the last known count stays until a new list');
    assert.equal((await connection.listTools()).tools.length, before + 1);
    assert.equal(connection.snapshot().toolCount, before + 1);
    unsubscribe();
    const seen = changes;
    await connection.close();
    assert.equal(changes, seen, 'no call after unsubscribing');
  });

  it('bounds the tool-list wait by the caller timeout and names it in the TIMEOUT', async () => {
    const { connection } = connect(stdioServer('mute', 'failing', ['--mute-tools-list']));
    await assert.rejects(connection.listTools(undefined, 300), (error) => {
      assert.ok(error instanceof GatewayError, String(error));
      assert.equal(error.code, 'TIMEOUT');
      assert.match(error.message, /within 300 ms \(listing tools\)/);
      return true;
    });
    const cancelled = new AbortController();
    const listing = connection.listTools(cancelled.signal, 5000);
    cancelled.abort(new Error('the client went away'));
    await assert.rejects(listing, (error) => {
      assert.ok(error instanceof GatewayError, String(error));
      assert.equal(error.code, 'TIMEOUT');
      assert.match(error.message, /the caller cancelled the call on server "mute" while listing tools/);
      return true;
    });
  });

  it('never opens a session once retired', async () => {
    const { connection, messages } = connect(stdioServer('never', 'multi-tool'));
    await connection.retire('it was removed from the servers file');
    await assert.rejects(connection.connect(), unavailable(/removed from the servers file/));
    assert.equal(
      messages.some((entry) => entry.msg === 'connected'),
      false,
    );
  });
});
