import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { decisionForOutcome, formatAuditLine } from './audit-event.ts';
import type { AuditEvent } from './audit-event.ts';
import { createFileAuditSink, createNullAuditSink, resolveAuditPath } from './audit-sink.ts';

const FIELDS = [
  'timestamp',
  'agent_id',
  'identity_source',
  'principal',
  'transport',
  'operation',
  'server',
  'tool',
  'decision',
  'error_code',
  'rule',
  'latency_ms',
  'downstream_is_error',
];

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    timestamp: new Date().toISOString(),
    agent_id: 'backend',
    identity_source: 'argument',
    principal: null,
    transport: 'stdio',
    operation: 'execute_tool',
    server: 'postgres',
    tool: 'query',
    decision: 'allow',
    error_code: null,
    rule: 'implicit grant',
    latency_ms: 1.5,
    downstream_is_error: false,
    ...overrides,
  };
}

/** A real pino logger whose JSON lines we can read back. */
function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

async function readLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('file audit sink', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-sink-test-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON line per event with exactly the audit fields, creating parent directories', async () => {
    const path = join(dir, 'nested', 'deeper', 'audit.jsonl');
    const { logger, lines } = capturingLogger();
    const sink = createFileAuditSink({ path, logger });
    sink.record(event());
    sink.record(
      event({
        agent_id: null,
        identity_source: null,
        server: null,
        tool: null,
        decision: 'deny',
        error_code: 'INVALID_AGENT_ID',
        rule: null,
        latency_ms: 0.123456,
        downstream_is_error: null,
      }),
    );
    await sink.close();

    const written = await readLines(path);
    assert.equal(written.length, 2);
    for (const line of written) assert.deepEqual(Object.keys(line), FIELDS);
    assert.equal(written[0]!.agent_id, 'backend');
    assert.equal(written[1]!.agent_id, null);
    assert.equal(written[1]!.error_code, 'INVALID_AGENT_ID');
    assert.equal(written[1]!.latency_ms, 0.123);
    assert.deepEqual(lines(), [], 'nothing was logged');
  });

  it('creates a new file readable only by its owner', { skip: process.platform === 'win32' }, async () => {
    const path = join(dir, 'mode', 'audit.jsonl');
    const sink = createFileAuditSink({ path, logger: capturingLogger().logger });
    sink.record(event());
    await sink.close();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('never writes properties beyond the audit fields, such as tool arguments', async () => {
    const path = join(dir, 'extra.jsonl');
    const sink = createFileAuditSink({ path, logger: capturingLogger().logger });
    const withExtras = { ...event(), args: { password: 'hunter2' }, result: { content: [] } };
    sink.record(withExtras);
    await sink.close();
    const [line] = await readLines(path);
    assert.deepEqual(Object.keys(line!), FIELDS);
    assert.ok(!(await readFile(path, 'utf8')).includes('hunter2'));
  });

  it('appends to an existing file, and two sinks on the same file keep every line', async () => {
    const path = join(dir, 'shared.jsonl');
    await writeFile(path, JSON.stringify({ existing: true }) + '\n');
    const logger = capturingLogger().logger;
    const first = createFileAuditSink({ path, logger });
    const second = createFileAuditSink({ path, logger });
    for (let i = 0; i < 200; i += 1) {
      first.record(event({ tool: `first-${i}` }));
      second.record(event({ tool: `second-${i}` }));
      if (i % 50 === 0) await Promise.all([first.flush(), second.flush()]);
    }
    await Promise.all([first.close(), second.close()]);

    const written = await readLines(path);
    assert.deepEqual(written[0], { existing: true });
    assert.equal(written.length, 401);
    const tools = new Set(written.slice(1).map((line) => line.tool));
    assert.equal(tools.size, 400);
  });

  it('keeps the order of events recorded by one sink', async () => {
    const path = join(dir, 'order.jsonl');
    const sink = createFileAuditSink({ path, logger: capturingLogger().logger });
    for (let i = 0; i < 1000; i += 1) sink.record(event({ latency_ms: i }));
    await sink.close();
    const written = await readLines(path);
    assert.deepEqual(
      written.map((line) => line.latency_ms),
      Array.from({ length: 1000 }, (_, i) => i),
    );
  });

  it('does not throw when the path is unwritable, warns once, and close() still resolves', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'a regular file');
    const path = join(blocker, 'sub', 'audit.jsonl');
    const { logger, lines } = capturingLogger();
    const sink = createFileAuditSink({ path, logger });

    assert.doesNotThrow(() => sink.record(event()));
    await sink.flush();
    assert.doesNotThrow(() => sink.record(event()));
    await sink.flush();
    await sink.close();

    const warnings = lines().filter((line) => line.msg === 'audit write failed');
    assert.equal(warnings.length, 1, 'one warning for the whole failure burst');
    assert.equal(warnings[0]!.level, 40);
    assert.equal(warnings[0]!.path, path);
    assert.equal(typeof warnings[0]!.err, 'string');
  });

  it('retries after a failure and writes again once the path is usable', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'a regular file');
    const path = join(blocker, 'audit.jsonl');
    const { logger, lines } = capturingLogger();
    const sink = createFileAuditSink({ path, logger });

    sink.record(event({ tool: 'dropped' }));
    await sink.flush();
    await rm(blocker);
    sink.record(event({ tool: 'kept' }));
    await sink.close();

    const written = await readLines(path);
    assert.deepEqual(
      written.map((line) => line.tool),
      ['kept'],
    );
    assert.deepEqual(
      lines().map((line) => line.msg),
      ['audit write failed', 'audit writes resumed'],
    );
    assert.equal(lines()[1]!.dropped, 1);
  });

  it('tolerates a path that is a directory', async () => {
    const path = join(dir, 'is-a-dir');
    await mkdir(path);
    const { logger, lines } = capturingLogger();
    const sink = createFileAuditSink({ path, logger });
    sink.record(event());
    await sink.close();
    assert.equal(lines().filter((line) => line.msg === 'audit write failed').length, 1);
  });

  it('drops events past the pending-bytes bound instead of growing memory', async () => {
    const path = join(dir, 'bounded.jsonl');
    const { logger, lines } = capturingLogger();
    const line = formatAuditLine(event());
    const sink = createFileAuditSink({ path, logger, maxPendingBytes: line.length * 3 });
    for (let i = 0; i < 10; i += 1) sink.record(event());
    await sink.close();
    assert.equal((await readLines(path)).length, 3);
    assert.equal(lines().filter((entry) => entry.msg === 'audit write failed').length, 1);
  });

  it('has an idempotent close() and ignores events recorded after it', async () => {
    const path = join(dir, 'closed.jsonl');
    const sink = createFileAuditSink({ path, logger: capturingLogger().logger });
    sink.record(event());
    const closing = sink.close();
    assert.equal(sink.close(), closing);
    await closing;
    sink.record(event());
    await sink.close();
    assert.equal((await readLines(path)).length, 1);
  });
});

describe('null audit sink', () => {
  it('accepts events and closes without touching the file system', async () => {
    const sink = createNullAuditSink();
    sink.record(event());
    await sink.close();
    await sink.close();
  });
});

describe('resolveAuditPath', () => {
  const home = resolve('/home/alice');

  it('defaults to the cache directory under home when unset or blank', () => {
    const expected = join(home, '.cache', 'agent-mcp-gateway', 'logs', 'audit.jsonl');
    assert.equal(resolveAuditPath(undefined, home), expected);
    assert.equal(resolveAuditPath('', home), expected);
    assert.equal(resolveAuditPath('   ', home), expected);
  });

  it('disables auditing for off in any case', () => {
    assert.equal(resolveAuditPath('off', home), 'off');
    assert.equal(resolveAuditPath('OFF', home), 'off');
    assert.equal(resolveAuditPath(' Off ', home), 'off');
  });

  it('expands a leading tilde to home', () => {
    assert.equal(resolveAuditPath('~/logs/a.jsonl', home), join(home, 'logs', 'a.jsonl'));
    assert.equal(resolveAuditPath('~', home), home);
  });

  it('keeps absolute paths and resolves relative ones against the working directory', () => {
    const absolute = resolve('/var/log/gateway/audit.jsonl');
    assert.equal(resolveAuditPath(absolute, home), absolute);
    assert.equal(resolveAuditPath('logs/audit.jsonl', home), resolve('logs/audit.jsonl'));
  });

  it('treats a file named off-something as a path', () => {
    assert.equal(resolveAuditPath('offline.jsonl', home), resolve('offline.jsonl'));
  });
});

describe('decisionForOutcome', () => {
  it('is allow without an error code', () => {
    assert.equal(decisionForOutcome(undefined), 'allow');
  });

  it('is deny for policy and identity codes', () => {
    for (const code of [
      'DENIED_BY_POLICY',
      'INVALID_AGENT_ID',
      'FALLBACK_AGENT_NOT_IN_RULES',
      'NO_FALLBACK_CONFIGURED',
    ] as const) {
      assert.equal(decisionForOutcome(code), 'deny', code);
    }
  });

  it('is error for every other failure', () => {
    for (const code of [
      'SERVER_NOT_FOUND',
      'SERVER_UNAVAILABLE',
      'TOOL_NOT_FOUND',
      'INVALID_ARGUMENTS',
      'TIMEOUT',
      'DOWNSTREAM_ERROR',
    ] as const) {
      assert.equal(decisionForOutcome(code), 'error', code);
    }
  });
});
