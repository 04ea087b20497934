import { setTimeout as delay } from 'node:timers/promises';

/**
 * The work holding a connection open (calls, tool-list loads), so a retired connection closes
 * only when none is left, or at a deadline (SPEC §12: in-flight calls finish on the config they
 * started with). A hold is counted per piece of work, not per call: `in_flight` is counted
 * elsewhere (DownstreamConnection), once per tools/call.
 */
export class Holds {
  readonly #timeouts = new Set<{ timeoutMs: number }>();
  #onDrained: (() => void) | undefined;

  get size(): number {
    return this.#timeouts.size;
  }

  /** Marks work that may take up to `timeoutMs`; returns the release function. */
  hold(timeoutMs: number): () => void {
    const hold = { timeoutMs };
    this.#timeouts.add(hold);
    return () => {
      this.#timeouts.delete(hold);
      if (this.#timeouts.size === 0) this.#onDrained?.();
    };
  }

  /**
   * Resolves once every hold is released, or when the longest of their timeouts has passed;
   * true when work is still running then. `stop()` ends the wait early (the connection closed).
   */
  async drained(): Promise<boolean> {
    if (this.#timeouts.size === 0) return false;
    const deadlineMs = Math.max(...[...this.#timeouts].map((hold) => hold.timeoutMs));
    const done = new Promise<void>((resolve) => (this.#onDrained = resolve));
    const stop = new AbortController();
    const deadline = delay(deadlineMs, undefined, { ref: false, signal: stop.signal }).catch(() => {});
    await Promise.race([done, deadline]);
    stop.abort();
    return this.#timeouts.size > 0;
  }

  /** The longest timeout of the work holding it now, for the log. */
  get deadlineMs(): number {
    return Math.max(0, ...[...this.#timeouts].map((hold) => hold.timeoutMs));
  }

  stop(): void {
    this.#onDrained?.();
  }
}
