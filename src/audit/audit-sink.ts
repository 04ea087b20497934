/**
 * Where audit events go (SPEC §10): an append-only JSON-lines file, or nowhere (`off`).
 *
 * `record()` sits on the hot path of every gateway tool call, so it only formats the line and
 * queues it. Queued lines go out as one append every FLUSH_INTERVAL_MS, or as soon as
 * FLUSH_BYTES are waiting: one file write per call cost more CPU than the rest of the audit.
 * `close()` writes what is left, so a clean shutdown loses no line.
 * A failing write never fails the call: it is logged once per failure burst, its lines are
 * dropped, and the next batch reopens the file.
 */

import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { formatAuditLine } from './audit-event.ts';
import type { AuditEvent } from './audit-event.ts';

export interface AuditSink {
  record(event: AuditEvent): void;
  /** Idempotent; flushes pending lines and resolves even when the file is broken. */
  close(): Promise<void>;
}

export interface FileAuditSink extends AuditSink {
  /** Resolves once every line recorded so far has been written or dropped. */
  flush(): Promise<void>;
}

export interface FileAuditSinkOptions {
  path: string;
  logger: Logger;
  /**
   * Lines waiting for a slow disk are bounded; past this many bytes new events are dropped
   * (and logged) rather than growing memory without limit.
   */
  maxPendingBytes?: number;
}

const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;
const FLUSH_INTERVAL_MS = 50;
const FLUSH_BYTES = 64 * 1024;

const DEFAULT_RELATIVE_PATH = join('.cache', 'agent-mcp-gateway', 'logs', 'audit.jsonl');

/**
 * The audit file named by `GATEWAY_AUDIT_LOG` (SPEC §3): unset or blank means the default under
 * `home`, `off` in any case disables auditing, a leading `~` is the home directory. The result is
 * absolute so that the file does not move if the working directory does.
 */
export function resolveAuditPath(envValue: string | undefined, home: string): string {
  const value = envValue?.trim() ?? '';
  if (value === '') return join(home, DEFAULT_RELATIVE_PATH);
  if (value.toLowerCase() === 'off') return 'off';
  if (value === '~') return resolve(home);
  if (value.startsWith('~/')) return resolve(home, value.slice(2));
  return resolve(value);
}

export function createNullAuditSink(): AuditSink {
  return {
    record() {},
    close: () => Promise.resolve(),
  };
}

export function createFileAuditSink(options: FileAuditSinkOptions): FileAuditSink {
  return new FileSink(options);
}

class FileSink implements FileAuditSink {
  readonly #path: string;
  readonly #logger: Logger;
  readonly #maxPendingBytes: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  #handle: FileHandle | undefined;
  /** The pending flush; unref'd, and close() flushes, so it never holds the process open. */
  #timer: NodeJS.Timeout | undefined;
  #draining = false;
  #drainPromise: Promise<void> = Promise.resolve();
  /** True from the first failure until the next successful write: warn once per burst. */
  #failing = false;
  #droppedInBurst = 0;
  #closePromise: Promise<void> | undefined;

  constructor(options: FileAuditSinkOptions) {
    this.#path = options.path;
    this.#logger = options.logger;
    this.#maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  }

  record(event: AuditEvent): void {
    if (this.#closePromise !== undefined) return;
    let line: string;
    try {
      line = formatAuditLine(event);
    } catch (error) {
      // A malformed event is our bug; it must still not fail the call.
      this.#reportFailure(error, 1);
      return;
    }
    if (this.#pendingBytes + line.length > this.#maxPendingBytes) {
      this.#reportFailure(new Error('audit queue full: the file is not keeping up'), 1);
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#draining) return;
    if (this.#pendingBytes >= FLUSH_BYTES) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#kick();
    } else {
      this.#timer ??= setTimeout(this.#onTimer, FLUSH_INTERVAL_MS).unref();
    }
  }

  flush(): Promise<void> {
    return this.#kick();
  }

  close(): Promise<void> {
    this.#closePromise ??= this.#closeOnce();
    return this.#closePromise;
  }

  async #closeOnce(): Promise<void> {
    // record() refuses new lines from here on, so one drain empties the queue for good.
    await this.#kick();
    await this.#discardHandle();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    void this.#kick();
  };

  #kick(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#draining) {
      this.#draining = true;
      this.#drainPromise = this.#drain();
    }
    return this.#drainPromise;
  }

  /** Never rejects. */
  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const lines = this.#pending;
      this.#pending = [];
      this.#pendingBytes = 0;
      try {
        const handle = this.#handle ?? (await this.#open());
        await handle.appendFile(lines.join('\n') + '\n');
        this.#recovered();
      } catch (error) {
        this.#reportFailure(error, lines.length);
        await this.#discardHandle();
      }
    }
    // Cleared in the same synchronous step as the emptiness check, so a line queued by a
    // concurrent record() either is seen by the loop or schedules a new drain.
    this.#draining = false;
  }

  async #open(): Promise<FileHandle> {
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    // 'a' is O_APPEND: several writers (two gateways) interleave whole appends, never truncate.
    const handle = await open(this.#path, 'a', 0o600);
    this.#handle = handle;
    return handle;
  }

  async #discardHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    try {
      await handle?.close();
    } catch {
      // The handle is unusable either way; the next batch opens a new one.
    }
  }

  #reportFailure(error: unknown, dropped: number): void {
    this.#droppedInBurst += dropped;
    if (this.#failing) return;
    this.#failing = true;
    const message = error instanceof Error ? error.message : String(error);
    try {
      this.#logger.warn({ err: message, path: this.#path }, 'audit write failed');
    } catch {
      // Logging is best effort too: an audit problem must never surface in a tool call.
    }
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    const dropped = this.#droppedInBurst;
    this.#droppedInBurst = 0;
    try {
      this.#logger.info({ path: this.#path, dropped }, 'audit writes resumed');
    } catch {
      // See #reportFailure.
    }
  }
}
