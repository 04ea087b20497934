import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import type { Readable, Writable } from 'node:stream';
import { JsonLineReader, serializeLine } from '../protocol/json-lines.ts';
import { LineWriter } from '../protocol/line-writer.ts';
import { directToolCallsFor, type DirectToolCalls, type ToolCallHandler } from './direct-tool-calls.ts';

/**
 * The gateway's end of the host's stdio pipe.
 *
 * Unlike the SDK's StdioServerTransport, the end of stdin does not close it: the SDK would abort
 * every request in flight, but SPEC §12 lets in-flight calls finish within the shutdown deadline
 * (`printf … | agent-mcp-gateway` is a client that closes stdin at once). The owner watches stdin
 * for its end and closes this transport after draining. Lines are parsed once, without zod (see
 * json-lines.ts), and replies written in the same tick leave in one write. Once `initialize` has
 * settled on a 2025-era version, tools/call requests take the direct path (direct-tool-calls.ts).
 */
export class StdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #writer: LineWriter;
  readonly #reader = new JsonLineReader<JSONRPCMessage>();
  readonly #callTool: ToolCallHandler | undefined;
  #direct: DirectToolCalls | undefined;
  #closed = false;

  constructor(stdin: Readable, stdout: Writable, callTool?: ToolCallHandler) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#writer = new LineWriter(stdout);
    this.#callTool = callTool;
  }

  /** Called by the SDK server when `initialize` has settled the version. */
  setProtocolVersion(version: string): void {
    this.#direct?.abortAll('the protocol version changed');
    this.#direct = directToolCallsFor(version, {
      handle: this.#callTool,
      send: (message) => this.send(message),
      onError: this.#onError,
    });
  }

  start(): Promise<void> {
    this.#stdin.on('data', this.#onData);
    this.#stdin.on('error', this.#onError);
    this.#stdout.on('error', this.#onError);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the stdio transport is closed'));
    return this.#writer.write(serializeLine(message));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#stdin.off('data', this.#onData);
    this.#stdin.off('error', this.#onError);
    // stdout keeps an error listener: a host that went away must not crash a closing gateway.
    if (this.#stdin.listenerCount('data') === 0) this.#stdin.pause();
    this.#reader.clear();
    this.#direct?.abortAll('the connection closed');
    this.onclose?.();
    return Promise.resolve();
  }

  readonly #onData = (chunk: Buffer | string): void => {
    this.#reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this.#onMessage, this.#onError);
  };

  readonly #onMessage = (message: JSONRPCMessage): void => {
    if (this.#direct?.take(message)) return;
    this.onmessage?.(message);
  };

  readonly #onError = (error: Error): void => this.onerror?.(error);
}
