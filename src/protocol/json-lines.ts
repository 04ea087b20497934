/**
 * Splits a stdio byte stream into JSON-RPC messages, one per line (the MCP stdio binding).
 *
 * Used on both sides of the gateway instead of the SDK's ReadBuffer because every call crosses
 * two stdio hops: the SDK validates each message with zod at the edge and again in the
 * protocol layer, and concatenates its whole buffer on every chunk (quadratic for a large result
 * arriving in 64 KB pieces). Here a line is parsed once with `JSON.parse` and checked only for the
 * JSON-RPC envelope; the SDK's protocol layer still classifies and validates what it handles.
 */

/** What a line that is not a message was, for the log: never the whole line, which may be huge. */
export class JsonLineError extends Error {
  override readonly name = 'JsonLineError';
}

export interface JsonLineReaderOptions {
  /** Bytes an unfinished line may hold before it is dropped: a peer must not exhaust memory. */
  maxLineBytes?: number;
}

/** As the SDK's default, so a server that worked directly works through the gateway. */
const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;
const NEWLINE = 0x0a;
const PREVIEW_CHARS = 80;

export class JsonLineReader<Message> {
  readonly #maxLineBytes: number;
  /** The pieces of the line not yet ended by a newline; joined once, when it ends. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Set while the rest of an oversize line is being skipped, up to its newline. */
  #discarding = false;

  constructor(options: JsonLineReaderOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /**
   * Feeds a chunk: `onMessage` gets each complete message in order, `onBadLine` each line that is
   * not one (skipped; the stream goes on). Blank lines are ignored.
   */
  push(
    chunk: Buffer,
    onMessage: (message: Message) => void,
    onBadLine: (error: JsonLineError) => void,
  ): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      const discarded = this.#discarding;
      this.#discarding = false;
      const line = this.#takeLine(chunk.subarray(start, end));
      start = end + 1;
      if (discarded) continue;
      const parsed = parseLine(line);
      if (parsed instanceof JsonLineError) onBadLine(parsed);
      else if (parsed !== undefined) onMessage(parsed as Message);
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start), onBadLine);
  }

  clear(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }

  #takeLine(tail: Buffer): Buffer {
    if (this.#pending.length === 0) return tail;
    const line = Buffer.concat([...this.#pending, tail], this.#pendingBytes + tail.length);
    this.clear();
    return line;
  }

  #keep(rest: Buffer, onBadLine: (error: JsonLineError) => void): void {
    if (this.#discarding) return;
    if (this.#pendingBytes + rest.length > this.#maxLineBytes) {
      this.clear();
      this.#discarding = true;
      onBadLine(new JsonLineError(`a line longer than ${this.#maxLineBytes} bytes was dropped`));
      return;
    }
    // A copy: the stream may reuse the chunk's memory once this handler returns.
    this.#pending.push(Buffer.from(rest));
    this.#pendingBytes += rest.length;
  }
}

/** The message, undefined for a blank line, or why the line is not a JSON-RPC message. */
function parseLine(line: Buffer): unknown {
  const text = line.toString('utf8');
  let value: unknown;
  try {
    // JSON allows whitespace around a value, so a CRLF line end needs no stripping.
    value = JSON.parse(text);
  } catch {
    return text.trim() === '' ? undefined : new JsonLineError(`not JSON: ${preview(text.trim())}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return new JsonLineError(`not a JSON-RPC message object: ${preview(text)}`);
  if ((value as { jsonrpc?: unknown }).jsonrpc !== '2.0')
    return new JsonLineError(`not JSON-RPC 2.0 (no "jsonrpc": "2.0"): ${preview(text)}`);
  return value;
}

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

/** One message as a line of the stdio binding. */
export function serializeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
