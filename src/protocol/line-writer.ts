import type { Writable } from 'node:stream';

/**
 * Writes protocol lines to a pipe, coalescing the lines written in one tick into one system call.
 *
 * Under load many replies become ready in the same tick (one read from a downstream server
 * often carries several); one `writev` for all of them costs a fraction of one `write` each.
 * Back-pressure is shared: one pending `drain` wait for all writers, never a listener per line
 * (which is what trips Node's MaxListenersExceededWarning at 1000 calls in flight).
 */
export class LineWriter {
  readonly #stream: Writable;
  #corked = false;
  #drained: Promise<void> | undefined;

  constructor(stream: Writable) {
    this.#stream = stream;
  }

  /** Resolves once the stream has room again (at once when it has), rejects if it errors first. */
  write(line: string): Promise<void> {
    const stream = this.#stream;
    if (stream.destroyed || stream.writableEnded) return Promise.reject(new Error('the stream is closed'));
    if (!this.#corked) {
      this.#corked = true;
      stream.cork();
      process.nextTick(this.#uncork);
    }
    if (stream.write(line)) return this.#drained ?? Promise.resolve();
    this.#drained ??= this.#waitForDrain();
    return this.#drained;
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#stream.uncork();
  };

  #waitForDrain(): Promise<void> {
    const stream = this.#stream;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        stream.off('drain', onDrain);
        stream.off('error', settle);
        stream.off('close', onClose);
        this.#drained = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(new Error('the stream closed before it drained'));
      stream.once('drain', onDrain);
      stream.once('error', settle);
      stream.once('close', onClose);
    });
  }
}
