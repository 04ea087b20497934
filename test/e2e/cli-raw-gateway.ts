/**
 * Helpers for the CLI, lifecycle and transport end-to-end tests that need more than the harness's
 * MCP client: the built gateway on raw pipes (to read every byte of stdout and send signals), temp
 * config folders, and polling.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GATEWAY_MAIN, isAlive, waitForExit } from './harness.ts';

export const ALL_DEFAULT_RULES = { agents: { default: { allow: { servers: ['*'] } } } };

/** A fresh temp folder; `remove()` deletes it. */
export async function tempDir(prefix = 'gateway-cli-'): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `value` as pretty JSON (or as is, for a string) at `path`, creating its folder. */
export async function writeJson(path: string, value: unknown): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

/** The environment every spawned gateway gets: PATH only, plus what the test adds. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', GATEWAY_AUDIT_LOG: 'off', ...extra };
}

export interface JsonRpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export interface RawGateway {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Every line the gateway wrote to stdout so far. */
  stdoutLines(): string[];
  stderr(): string;
  /** Sends a JSON-RPC request and resolves with the response carrying its id. */
  request(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<JsonRpcMessage>;
  notify(method: string, params?: Record<string, unknown>): void;
  /** `initialize` then `notifications/initialized`; resolves with the initialize response. */
  initialize(): Promise<JsonRpcMessage>;
  /** Resolves once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends stdin, waits for the exit, SIGKILLs after `timeoutMs`. Idempotent. */
  close(timeoutMs?: number): Promise<void>;
}

/** Spawns `node dist/main.js ...args` with raw pipes, speaking newline-delimited JSON-RPC by hand. */
export function spawnRawGateway(options: {
  args?: string[];
  env?: Record<string, string>;
  cwd: string;
}): RawGateway {
  const child = spawn(process.execPath, [GATEWAY_MAIN, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: baseEnv({ HOME: options.cwd, ...options.env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('gateway did not spawn');
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiting = new Map<number, (message: JsonRpcMessage) => void>();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    partial += chunk;
    let newline: number;
    while ((newline = partial.indexOf('\n')) !== -1) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      lines.push(line);
      try {
        const message = JSON.parse(line) as JsonRpcMessage;
        if (typeof message.id === 'number' && message.method === undefined) {
          waiting.get(message.id)?.(message);
          waiting.delete(message.id);
        }
      } catch {
        // Not JSON: kept in `lines` for the purity assertion.
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let nextId = 1;
  const send = (message: Record<string, unknown>) => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  };
  const request: RawGateway['request'] = (method, params, timeoutMs = 15_000) => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no answer to ${method} within ${timeoutMs} ms; stderr:\n${stderr}`));
      }, timeoutMs);
      waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      send({ id, method, ...(params && { params }) });
    });
  };
  let closing: Promise<void> | undefined;
  return {
    child,
    pid,
    // A trailing fragment without a newline is returned too: it must be JSON-RPC as well.
    stdoutLines: () => (partial === '' ? [...lines] : [...lines, partial]),
    stderr: () => stderr,
    request,
    notify: (method, params) => send({ method, ...(params && { params }) }),
    async initialize() {
      const answer = await request('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'raw-e2e', version: '1.0.0' },
      });
      send({ method: 'notifications/initialized' });
      return answer;
    },
    exited,
    close(timeoutMs = 10_000) {
      closing ??= (async () => {
        child.stdin.end();
        if (!(await waitForExit(pid, timeoutMs)) && isAlive(pid)) child.kill('SIGKILL');
        await exited;
      })();
      return closing;
    },
  };
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The pids of `pids` that are still running (zombies count as gone), read from `ps`. */
export async function runningPids(pids: readonly number[]): Promise<number[]> {
  if (pids.length === 0) return [];
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,stat=', '-p', pids.join(',')]).catch(
    (error: unknown) => ({ stdout: (error as { stdout?: string }).stdout ?? '' }),
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat]) => pid !== undefined && pid !== '' && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/**
 * The pids of `pids` still running after `graceMs`. Survivors are SIGKILLed before returning, so a
 * test that proves there is no orphan never leaves one behind itself.
 */
export async function survivors(pids: readonly number[], graceMs = 0): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  let alive = await runningPids(pids);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = await runningPids(pids);
  }
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return alive;
}
