/**
 * Every long-lived thing has an idempotent `close()` and is registered with its owner, which closes
 * children in reverse order within a deadline (DESIGN rules 6 and 7).
 */

export interface Closable {
  close(): Promise<void>;
}

export class ResourceStack implements Closable {
  #resources: { name: string; resource: Closable }[] = [];
  #closing: Promise<void> | undefined;
  readonly #onError: (name: string, error: unknown) => void;

  constructor(onError: (name: string, error: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  /** Registers `resource`; returns it so construction and registration read as one step. */
  add<T extends Closable>(name: string, resource: T): T {
    if (this.#closing) throw new Error(`cannot register ${name}: already closing`);
    this.#resources.push({ name, resource });
    return resource;
  }

  /**
   * Closes everything in reverse order of registration. Each child gets what is left of the
   * deadline; one that throws, rejects or overruns is reported and the rest still close.
   */
  close(deadlineMs = 5000): Promise<void> {
    this.#closing ??= this.#closeAll(deadlineMs);
    return this.#closing;
  }

  async #closeAll(deadlineMs: number): Promise<void> {
    const deadline = AbortSignal.timeout(deadlineMs);
    for (const { name, resource } of this.#resources.reverse()) {
      try {
        // A close that throws synchronously must not skip the rest either.
        await raceAbort(
          Promise.resolve().then(() => resource.close()),
          deadline,
          `${name} did not close within ${deadlineMs} ms`,
        );
      } catch (error) {
        this.#onError(name, error);
      }
    }
    this.#resources = [];
  }
}

/** Settles when `signal` aborts (at once if it has); never rejects. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** `promise`, or a rejection with `message` once `signal` aborts, whichever comes first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(message));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error(message));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}
