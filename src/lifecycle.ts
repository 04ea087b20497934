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
   * deadline; one that fails or overruns is reported and the rest still close.
   */
  close(deadlineMs = 5000): Promise<void> {
    this.#closing ??= this.#closeAll(deadlineMs);
    return this.#closing;
  }

  async #closeAll(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (const { name, resource } of this.#resources.reverse()) {
      const remaining = Math.max(0, deadline - Date.now());
      try {
        await withDeadline(resource.close(), remaining, `${name} did not close within ${deadlineMs} ms`);
      } catch (error) {
        this.#onError(name, error);
      }
    }
    this.#resources = [];
  }
}

/** Resolves or rejects with `promise`, or rejects with `message` once `ms` have passed. */
export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
