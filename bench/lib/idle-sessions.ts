/**
 * What an idle 2025-era HTTP session costs, three ways, each on a fresh process: SDK clients that
 * each hold their standalone GET stream (what a host's session costs the gateway), raw sessions
 * that only initialised (the session's own state), and the same count of held SSE responses on a
 * bare node:http server (what any Node server pays per open connection). Sessions open in three
 * batches of `count`; the figure is the last batch's. The first batch also pays what does not
 * grow with sessions (V8 grows its young generation and compiles the handshake path under the
 * first load: 35 MB for the first 1,000 raw sessions against 5-6 MB for each next 1,000), so it
 * is reported apart. Readings follow two full collections (memory-probe.mjs), so the handshakes'
 * garbage does not count.
 */
import { spawn } from 'node:child_process';
import { request, type ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { round } from './stats.ts';

const MEMORY_PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));
const HELD_CONNECTIONS_SERVER = fileURLToPath(new URL('./held-connections-server.mjs', import.meta.url));
/** NODE_OPTIONS for a process the probe must be able to read. */
export const PROBE_NODE_OPTIONS = `--expose-gc --import=${MEMORY_PROBE}`;
const BATCH = 50;

export interface ProbedProcess {
  pid: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
}

export interface IdleCost {
  /** Resident set per session of the last batch, KB: the steady cost of one more session. */
  kb_per_session: number;
  /** Live JS heap per session of the last batch, KB. */
  heap_kb_per_session: number;
  /** Resident set per session of each batch, first (with the one-time growth) to last, KB. */
  kb_per_session_by_batch: number[];
}

export interface IdleSessionsResult {
  sessions: number;
  /** SDK clients, each with its GET stream open: the figure the target is about. */
  with_get_stream: IdleCost;
  /** Initialised sessions without a GET stream: the session's own state. */
  without_get_stream: IdleCost;
  /** A held SSE response on a bare node:http server, per connection. */
  bare_connection: IdleCost;
}

const BATCHES = 3;

/** Opens BATCHES × `count` sessions on `target`, reading its memory before and after each batch. */
export async function measureIdleCost(
  target: ProbedProcess,
  count: number,
  open: () => Promise<unknown>,
): Promise<IdleCost> {
  const perSession = (bytes: number) => round(bytes / 1024 / count, 1);
  let before = await probe(target);
  const rss: number[] = [];
  let heap = 0;
  for (let batch = 0; batch < BATCHES; batch++) {
    await openMany(count, open);
    // The handshakes' timers and idle keep-alive sockets settle before the reading.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await probe(target);
    rss.push(perSession(after.rss - before.rss));
    heap = perSession(after.heapUsed - before.heapUsed);
    before = after;
  }
  return { kb_per_session: rss.at(-1)!, heap_kb_per_session: heap, kb_per_session_by_batch: rss };
}

/** A 2025-era session that initialises and then sends nothing (no GET stream). */
export async function openRawSession(url: string): Promise<void> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  });
  await init.text();
  const session = init.headers.get('mcp-session-id');
  if (init.status !== 200 || session === null) throw new Error(`initialize answered ${init.status}`);
  const initialized = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
}

/** The floor: `count` held SSE responses on a bare node:http server in its own process. */
export async function measureBareConnections(count: number): Promise<IdleCost> {
  const child = spawn(process.execPath, [HELD_CONNECTIONS_SERVER], {
    env: { ...process.env, NODE_OPTIONS: PROBE_NODE_OPTIONS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const held: ClientRequest[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) =>
        resolve((JSON.parse(chunk.toString()) as { port: number }).port),
      );
      child.once('exit', (code) => reject(new Error(`held-connections server exited with ${String(code)}`)));
    });
    const hold = () =>
      new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, () => resolve());
        req.on('error', reject);
        req.end();
        held.push(req);
      });
    return await measureIdleCost({ pid: child.pid!, stderr: () => stderr }, count, hold);
  } finally {
    for (const req of held) req.destroy();
    child.kill('SIGTERM');
  }
}

/** In batches: a thousand simultaneous handshakes would measure the listen backlog instead. */
async function openMany(count: number, open: () => Promise<unknown>): Promise<void> {
  for (let at = 0; at < count; at += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - at) }, open));
  }
}

/** Asks the process's memory probe for a reading and waits for its line. */
async function probe(target: ProbedProcess): Promise<{ rss: number; heapUsed: number }> {
  const seen = readings(target.stderr()).length;
  process.kill(target.pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = readings(target.stderr());
    if (all.length > seen) return all[all.length - 1]!;
    if (Date.now() > deadline) throw new Error('the memory probe did not answer; was it preloaded?');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function readings(stderr: string): { rss: number; heapUsed: number }[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{"memoryProbe"'))
    .map((line) => (JSON.parse(line) as { memoryProbe: { rss: number; heapUsed: number } }).memoryProbe);
}
