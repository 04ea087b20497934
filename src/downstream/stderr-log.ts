import type { Logger } from '../logger.ts';

export interface StderrLogOptions {
  /** A longer line is cut, and its remainder dropped up to the next newline. */
  maxLineChars?: number;
  /** At most this many lines per window reach the log; the rest are counted and reported once. */
  maxLinesPerWindow?: number;
  windowMs?: number;
  now?: () => number;
  /** Applied to each line before it is logged, e.g. to mask secrets. */
  scrub?: (text: string) => string;
}

/**
 * Forwards a stdio server's stderr to the gateway's log one line at a time (SPEC §12), bounded
 * both ways: a line cannot be longer than `maxLineChars`, and a server that floods stderr gets
 * `maxLinesPerWindow` lines per window, plus one line saying how many were suppressed.
 * The logger is already bound to the server's name.
 */
export class StderrLog {
  readonly #logger: Logger;
  readonly #maxLineChars: number;
  readonly #maxLines: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #scrub: (text: string) => string;
  /** The unfinished last line of the previous chunk. */
  #partial = '';
  /** True while the rest of an over-long line is being skipped. */
  #skipping = false;
  #windowStart = Number.NEGATIVE_INFINITY;
  #linesInWindow = 0;
  #suppressed = 0;

  constructor(logger: Logger, options: StderrLogOptions = {}) {
    this.#logger = logger;
    this.#maxLineChars = options.maxLineChars ?? 1000;
    this.#maxLines = options.maxLinesPerWindow ?? 100;
    this.#windowMs = options.windowMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#scrub = options.scrub ?? ((text) => text);
  }

  write(chunk: string): void {
    const parts = chunk.split('\n');
    const last = parts.pop() ?? '';
    for (const part of parts) {
      if (this.#skipping) {
        this.#skipping = false;
        this.#partial = '';
        continue;
      }
      this.#emit(this.#partial + part);
      this.#partial = '';
    }
    if (this.#skipping) return;
    this.#partial += last;
    if (this.#partial.length > this.#maxLineChars) {
      this.#emit(this.#partial);
      this.#partial = '';
      this.#skipping = true;
    }
  }

  /** Logs what is left: an unterminated last line and the count of suppressed lines. */
  flush(): void {
    if (this.#partial && !this.#skipping) this.#emit(this.#partial);
    this.#partial = '';
    this.#skipping = false;
    this.#reportSuppressed();
  }

  #emit(raw: string): void {
    const line = raw.trimEnd();
    if (!line) return;
    const now = this.#now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#reportSuppressed();
      this.#windowStart = now;
      this.#linesInWindow = 0;
    }
    if (this.#linesInWindow >= this.#maxLines) {
      this.#suppressed += 1;
      return;
    }
    this.#linesInWindow += 1;
    const cut = line.length > this.#maxLineChars;
    const text = this.#scrub(cut ? line.slice(0, this.#maxLineChars) : line);
    this.#logger.info({ stderr: cut ? `${text}…` : text, ...(cut && { truncated: true }) }, 'server stderr');
  }

  #reportSuppressed(): void {
    if (this.#suppressed === 0) return;
    this.#logger.warn({ suppressed: this.#suppressed }, 'server stderr lines suppressed (rate limit)');
    this.#suppressed = 0;
  }
}
