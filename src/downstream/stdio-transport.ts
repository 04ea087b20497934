import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import type { Logger } from '../logger.ts';
import type { ClientSdkModule } from './client-sdk.ts';
import { DirectToolRequests } from './session/direct-tool-requests.ts';
import { JsonLineReader, serializeLine } from '../protocol/json-lines.ts';
import { LineWriter } from '../protocol/line-writer.ts';
import { StderrLog } from './stderr-log.ts';
import { StderrTail } from './stderr-tail.ts';

export interface StdioTransportOptions {
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd?: string;
  /** Already bound to the server's name. */
  logger: Logger;
  /** Masks secrets (the configured env values) in the stderr lines that reach the log. */
  scrub?: (text: string) => string;
  /** How long a child may take to exit after stdin ends, then after SIGTERM, before SIGKILL. */
  killGraceMs?: number;
}

/** How the child ended, for the SERVER_UNAVAILABLE reason. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * A stdio client transport that, unlike the SDK's, knows how its child ended and stops the
 * child's whole process group. Servers started through `npx` or a shell are a chain of
 * processes; signalling only the first one orphans the rest (SPEC §12: no orphan remains).
 */
export class StdioChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #options: StdioTransportOptions;
  readonly #reader = new JsonLineReader<JSONRPCMessage>();
  readonly #stderr = new StderrTail();
  readonly #stderrLog: StderrLog;
  #child: ChildProcess | undefined;
  #writer: LineWriter | undefined;
  #direct: DirectToolRequests | undefined;
  #exit: ChildExit | undefined;
  #exited: Promise<void> | undefined;

  constructor(options: StdioTransportOptions) {
    this.#options = options;
    this.#stderrLog = new StderrLog(options.logger, options.scrub && { scrub: options.scrub });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Set once the child has exited. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /** The last lines the child wrote to stderr, for explaining a failure while it still runs. */
  stderrTail(): string {
    return this.#stderr.summary();
  }

  start(): Promise<void> {
    if (this.#child) throw new Error('StdioChildTransport already started');
    const { command, args, env, cwd } = this.#options;
    return new Promise((resolve, reject) => {
      const child = spawn(command, [...args], {
        env,
        cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so close() can signal every process the server started.
        detached: true,
        windowsHide: true,
      });
      this.#child = child;
      this.#exited = new Promise((resolveExit) => {
        child.once('close', (code, signal) => {
          this.#stderrLog.flush();
          this.#exit = { code, signal, stderr: this.#stderr.summary() };
          resolveExit();
          // As the SDK: the session learns of the close first, so failed calls can say why.
          this.onclose?.();
          this.#direct?.failAll();
        });
      });
      child.once('error', (error) => {
        // A spawn failure (ENOENT, EACCES) rejects start(); later errors are reported.
        if (child.pid === undefined) reject(error);
        else this.onerror?.(error);
      });
      child.once('spawn', () => resolve());
      child.stdin.on('error', (error) => this.onerror?.(error));
      this.#writer = new LineWriter(child.stdin);
      child.stdout.on('data', (chunk: Buffer) => this.#onStdout(chunk));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        this.#stderr.append(chunk);
        this.#stderrLog.write(chunk);
      });
    });
  }

  /**
   * From now on tools/call may bypass the SDK client (see direct-tool-requests.ts). The session
   * calls this once `initialize` settled a 2025-era version, whose tools/call it implements.
   */
  enableDirectToolRequests(sdk: ClientSdkModule): DirectToolRequests {
    this.#direct ??= new DirectToolRequests(sdk, (message) => this.send(message));
    return this.#direct;
  }

  readonly #onMessage = (message: JSONRPCMessage): void => {
    if (this.#direct?.take(message)) return;
    this.onmessage?.(message);
  };

  /** A line that is not JSON-RPC (a server logging to stdout) is reported and skipped. */
  readonly #onBadLine = (error: Error): void => this.onerror?.(error);

  #onStdout(chunk: Buffer): void {
    this.#reader.push(chunk, this.#onMessage, this.#onBadLine);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (!this.#writer || this.#exit) return Promise.reject(new Error('server process is not running'));
    return this.#writer.write(serializeLine(message));
  }

  /** Ends stdin, then SIGTERM, then SIGKILL to the whole group, each after a bounded wait. */
  async close(): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (!child || !exited) return;
    const grace = this.#options.killGraceMs ?? 1000;
    if (!this.#exit) {
      child.stdin?.end();
      if (!(await settlesWithin(exited, grace))) {
        signalGroup(child, 'SIGTERM');
        if (!(await settlesWithin(exited, grace))) {
          signalGroup(child, 'SIGKILL');
          await settlesWithin(exited, grace);
        }
      }
    }
    // The leader may be gone while a grandchild lingers: make sure the group is gone too.
    signalGroup(child, 'SIGKILL');
    this.#reader.clear();
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group has already exited.
  }
}

/** Whether `promise` settles within `ms`; the timer never keeps the process alive. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  const stop = new AbortController();
  try {
    return await Promise.race([
      promise.then(() => true),
      delay(ms, false, { ref: false, signal: stop.signal }),
    ]);
  } finally {
    stop.abort();
  }
}
