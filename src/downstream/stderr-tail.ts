/**
 * Keeps what a child wrote to stderr that can explain a failure ("exited with code 3: fatal:
 * cannot open database"), bounded in bytes: the first lines and the last ones. The last lines
 * alone often say nothing: Node ends an uncaught error with its stack, `code`, `requireStack: []`
 * and `Node.js v20…`, while the line that matters (`Error: Cannot find module …`) comes first.
 */
export class StderrTail {
  readonly #maxChars: number;
  #head = '';
  #tail = '';
  /** True once text has been dropped between head and tail. */
  #gap = false;

  constructor(maxChars = 2000) {
    this.#maxChars = maxChars;
  }

  append(chunk: string): void {
    const headRoom = HEAD_CHARS - this.#head.length;
    if (headRoom > 0) {
      this.#head += chunk.slice(0, headRoom);
      chunk = chunk.slice(headRoom);
      if (chunk === '') return;
    }
    const joined = this.#tail + chunk;
    if (joined.length > this.#maxChars) this.#gap = true;
    this.#tail = joined.slice(-this.#maxChars);
  }

  /**
   * The lines that say what went wrong, joined with ` | ` so they fit in one error message: the
   * first error-like lines (not stack frames), then the last lines, in the order written, each
   * once, at most `maxLines` in all.
   */
  summary(maxLines = 4): string {
    const lines = splitLines(this.#gap ? this.#head : this.#head + this.#tail);
    if (this.#gap) lines.push(...splitLines(this.#tail).slice(1)); // The first tail line may be cut.
    const picked = new Set<number>();
    const errorLines = lines.flatMap((line, index) =>
      ERROR_LINE.test(line) && !STACK_FRAME.test(line) ? [index] : [],
    );
    for (const index of errorLines.slice(0, Math.max(1, maxLines - 2))) picked.add(index);
    for (let index = lines.length - 1; index >= 0 && picked.size < maxLines; index -= 1) picked.add(index);
    return [...picked]
      .sort((a, b) => a - b)
      .map((index) => cut(lines[index] ?? ''))
      .join(' | ');
  }
}

/** How much of the start of stderr is kept: enough for a usage or module-not-found message. */
const HEAD_CHARS = 1000;
const ERROR_LINE =
  /\b(?:error|fatal|cannot|can't|failed|failure|exception|denied|not found|ENOENT|EACCES|EADDRINUSE)\b/i;
const STACK_FRAME = /^at\s/;

/** A line of a summary is cut here: one error message holds several of them. */
const MAX_LINE_CHARS = 300;

function cut(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /[\p{L}\p{N}]/u.test(line)); // Not blank, not a lone `}` or `^`.
}
