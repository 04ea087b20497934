import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Closable } from '../lifecycle.ts';
import type { TokenCounterReply, TokenCounterRequest } from './token-counter-protocol.ts';

export interface TokenCounterOptions {
  /** The process exits after this long without a request; the next count starts another. */
  idleMs?: number;
  /** The tokenizer module the process loads; the tests pass a broken one. */
  tokenizerModule?: string;
}

interface Pending {
  resolve(counts: number[]): void;
  reject(error: Error): void;
}

interface CounterProcess {
  child: ChildProcess;
  pending: Map<number, Pending>;
  /** What the process said before it exited, when it could not load the tokenizer. */
  failure?: string;
}

/**
 * Counts remembered per text (by digest, so the texts themselves are not kept): the same tool
 * definitions are not counted twice, across servers and reconnects. ~100 bytes an entry.
 */
const MEMO_LIMIT = 10_000;

/**
 * o200k token counts (SPEC §8 `tokens_used`) from a child process that exits when idle.
 *
 * The tokenizer's vocabulary costs ~55 MB of heap that the gateway needs only while it answers
 * `get_server_tools`. Loaded in the gateway it stays for the process's life; loaded in a worker
 * thread, ~20–40 MB of it stays in the allocator after the thread ends (measured). A process
 * gives it all back when it exits. It costs a Node start and the vocabulary's load (~200 ms) on
 * the first count after an idle period, and counts are remembered, so a repeated
 * `get_server_tools` or a reconnected server with the same tools needs no process at all.
 */
export class TokenCounter implements Closable {
  readonly #idleMs: number;
  readonly #tokenizerModule: string | undefined;
  readonly #memo = new Map<string, number>();
  #process: CounterProcess | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: TokenCounterOptions = {}) {
    this.#idleMs = options.idleMs ?? 2000;
    this.#tokenizerModule = options.tokenizerModule;
  }

  /** Whether the counting process is running now. */
  get running(): boolean {
    return this.#process !== undefined;
  }

  /** The counting process's pid while it runs (diagnostics and the orphan tests). */
  get pid(): number | undefined {
    return this.#process?.child.pid;
  }

  /**
   * Starts the process ahead of a count that is likely to come (its start overlaps the caller's
   * other waiting); unused, it stops after the idle time like any other.
   */
  prepare(): void {
    if (this.#closed || this.#process) return;
    const proc = (this.#process = this.#start());
    this.#afterRequest(proc);
  }

  /** The token count of each text, in order. Rejects with a readable error if counting fails. */
  async count(texts: readonly string[], signal?: AbortSignal): Promise<number[]> {
    if (this.#closed) throw new Error('cannot count tokens: the gateway is shutting down');
    const keys = texts.map(memoKey);
    const known = new Map<string, number>();
    const missing = new Map<string, string>();
    keys.forEach((key, index) => {
      const count = this.#memo.get(key);
      if (count !== undefined) known.set(key, count);
      else missing.set(key, texts[index] ?? '');
    });
    if (missing.size > 0) {
      const counts = await this.#request([...missing.values()], signal);
      if (counts.length !== missing.size) {
        throw new Error(`cannot count tokens: ${counts.length} counts for ${missing.size} texts`);
      }
      [...missing.keys()].forEach((key, index) => {
        const count = counts[index] ?? 0;
        known.set(key, count);
        this.#remember(key, count);
      });
    }
    return keys.map((key) => known.get(key) ?? 0);
  }

  #remember(key: string, count: number): void {
    // Oldest first out: Map keeps insertion order.
    const oldest = this.#memo.size >= MEMO_LIMIT ? this.#memo.keys().next() : undefined;
    if (oldest && !oldest.done) this.#memo.delete(oldest.value);
    this.#memo.set(key, count);
  }

  #request(texts: string[], signal: AbortSignal | undefined): Promise<number[]> {
    signal?.throwIfAborted();
    clearTimeout(this.#idleTimer);
    const proc = (this.#process ??= this.#start());
    const id = this.#nextId++;
    return new Promise<number[]>((resolve, reject) => {
      const onAbort = () => settle(() => reject(signal?.reason));
      const settle = (finish: () => void) => {
        signal?.removeEventListener('abort', onAbort);
        if (proc.pending.delete(id)) this.#afterRequest(proc);
        finish();
      };
      proc.pending.set(id, {
        resolve: (counts) => settle(() => resolve(counts)),
        reject: (error) => settle(() => reject(error)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      // While a count is awaited the process holds the event loop open (so that its exit is seen
      // and rejects the count); idle, it must not keep the gateway alive.
      proc.child.ref();
      proc.child.channel?.ref();
      proc.child.send({ id, texts } satisfies TokenCounterRequest, (error) => {
        if (error) proc.pending.get(id)?.reject(this.#failure(proc, error.message));
      });
    });
  }

  #afterRequest(proc: CounterProcess): void {
    if (proc.pending.size > 0 || proc !== this.#process) return;
    proc.child.unref();
    proc.child.channel?.unref();
    this.#idleTimer = setTimeout(() => void this.#stop(proc), this.#idleMs);
    this.#idleTimer.unref();
  }

  #start(): CounterProcess {
    const entry = fileURLToPath(new URL(`./token-counter-process${moduleExtension()}`, import.meta.url));
    const child = fork(entry, this.#tokenizerModule === undefined ? [] : [this.#tokenizerModule], {
      // Only a module loader is passed on (tsx when run from source), never --inspect or --cpu-prof.
      execArgv: loaderFlags(process.execArgv),
      // stderr is shared: Node's own fatal messages belong in the gateway's log stream.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    child.unref();
    const proc: CounterProcess = { child, pending: new Map() };
    child.on('message', (reply: TokenCounterReply) => {
      if (reply.kind === 'failed') proc.failure = reply.message;
      else proc.pending.get(reply.id)?.resolve(reply.counts);
    });
    // A spawn failure also ends in 'exit' or 'error'; both reject what waits, neither throws.
    child.on('error', (error) => this.#lost(proc, this.#failure(proc, error.message)));
    child.on('exit', (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.#lost(proc, this.#failure(proc, `the token counter process ${how}`));
    });
    return proc;
  }

  #failure(proc: CounterProcess, fallback: string): Error {
    const reason = proc.failure ? `cannot load the tokenizer: ${proc.failure}` : fallback;
    return new Error(`cannot count tokens: ${reason}`);
  }

  /** The process is gone: what waited on it fails, and the next count starts a new one. */
  #lost(proc: CounterProcess, error: Error): void {
    if (this.#process === proc) this.#process = undefined;
    for (const pending of [...proc.pending.values()]) pending.reject(error);
  }

  #stop(proc: CounterProcess): Promise<void> {
    if (this.#process === proc) this.#process = undefined;
    const { child } = proc;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Whoever awaits the stop (close at shutdown) must see the exit: hold the loop open until then.
    child.ref();
    // Disconnecting is the polite stop: the process exits by itself when its channel closes.
    if (child.connected) child.disconnect();
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    kill.unref();
    return exited.finally(() => clearTimeout(kill));
  }

  /** Stops the process if it runs; what still waits for a count fails. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    const proc = this.#process;
    if (!proc) return;
    this.#lost(proc, new Error('cannot count tokens: the gateway is shutting down'));
    await this.#stop(proc);
  }
}

/** A short digest of a text: collisions are not a concern for counting tokens. */
function memoKey(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

/** `.ts` when the gateway runs from source under a loader (the tests), `.js` when built. */
function moduleExtension(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}

/** The flags that make Node load modules the way this process does (`--import tsx`, …). */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
  const flags: string[] = [];
  execArgv.forEach((arg, index) => {
    const [name] = arg.split('=', 1);
    const previous = execArgv[index - 1];
    if (name !== undefined && withValue.has(name) && arg.includes('=')) flags.push(arg);
    else if (previous !== undefined && withValue.has(previous)) flags.push(previous, arg);
  });
  return flags;
}
