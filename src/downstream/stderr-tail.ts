/**
 * Keeps the last lines a child wrote to stderr, bounded in bytes, so a crash can be explained
 * ("exited with code 3: fatal: cannot open database") without holding unbounded output.
 */
export class StderrTail {
  readonly #maxChars: number;
  #text = '';

  constructor(maxChars = 2000) {
    this.#maxChars = maxChars;
  }

  append(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-this.#maxChars);
  }

  /** The last non-empty lines, joined with ` | ` so they fit in one error message. */
  summary(maxLines = 3): string {
    const lines = this.#text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    return lines.slice(-maxLines).join(' | ');
  }
}
