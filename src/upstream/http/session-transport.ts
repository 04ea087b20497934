import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isJsonContentType,
  parseJSONRPCMessage,
  type JSONRPCMessage,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { readCancellation, type RequestId } from '../../protocol/tools-call.ts';
import { directToolCallsFor, type DirectToolCalls, type ToolCallHandler } from '../direct-tool-calls.ts';
import type { HttpRefusal } from './guards.ts';
import { sendRefusal } from './respond.ts';

/** As the SDK's transports: a batch (2025-03-26) of more messages than this is refused. */
const MAX_BATCH = 100;
/** A comment line on the standalone stream this often, so proxies do not cut an idle one. */
const KEEP_ALIVE_MS = 15_000;

/** The answer to one POST: JSON while nothing has been written, an SSE stream once it must be. */
interface Exchange {
  readonly res: ServerResponse;
  /** Its requests not yet answered (nor cancelled). */
  readonly open: Set<RequestId>;
  sse: boolean;
}

export interface SessionTransportOptions {
  sessionId: string;
  /** The session's tools/call, for the direct path (direct-tool-calls.ts); absent: all via the SDK. */
  callTool?: ToolCallHandler | undefined;
}

/**
 * One 2025-era Streamable HTTP session (MCP 2025-11-25, "Streamable HTTP") over node:http, as an
 * SDK transport for the session's Server.
 *
 * The SDK's node transport converts every request into a web `Request` and answers through web
 * streams, and keeps a web stream per open GET; at the gateway's call rates that conversion cost
 * more than the call, and each idle session held tens of kilobytes. This one writes to the node
 * response: a POST whose only message back is its answer gets `application/json`, one that must
 * stream (progress first, several requests) gets `text/event-stream`; both are what a client must
 * accept. tools/call of the session takes the direct path, as on stdio; everything else goes to
 * the SDK, which also checks every message the direct path does not take. No event store: a
 * client that loses a stream re-sends, as the spec allows a server without resumability.
 */
export class SessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly sessionId: string;

  readonly #callTool: ToolCallHandler | undefined;
  readonly #exchanges = new Map<RequestId, Exchange>();
  #direct: DirectToolCalls | undefined;
  #standalone: { res: ServerResponse; keepAlive: NodeJS.Timeout } | undefined;
  #supportedVersions: readonly string[] = [];
  #initialized = false;
  #closed = false;

  constructor(options: SessionTransportOptions) {
    this.sessionId = options.sessionId;
    this.#callTool = options.callTool;
  }

  /** True once an `initialize` was accepted: the session exists for the client. */
  get initialized(): boolean {
    return this.#initialized;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Called by the SDK server at connect: the versions a MCP-Protocol-Version header may name. */
  setSupportedProtocolVersions(versions: string[]): void {
    this.#supportedVersions = versions;
  }

  /** Called by the SDK server when `initialize` has settled the version. */
  setProtocolVersion(version: string): void {
    this.#direct?.abortAll('the protocol version changed');
    this.#direct = directToolCallsFor(version, {
      handle: this.#callTool,
      send: (message, requestId) => this.send(message, { relatedRequestId: requestId }),
      onError: (error) => this.onerror?.(error),
    });
  }

  /** A POST to the session (or the initialize that opens it), its body parsed. */
  handlePost(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const refusal: HttpRefusal | undefined = this.#closed
      ? { status: 404, message: 'Session not found' }
      : this.#checkPost(req, body);
    if (refusal !== undefined) {
      sendRefusal(res, refusal);
      return;
    }
    const messages = (Array.isArray(body) ? body : [body]) as JSONRPCMessage[];
    // #checkPost let an initialize through only as the session's first and only message.
    if (messages.some(isInitialize)) this.#initialized = true;
    const requests = messages.filter(isRequest);
    if (requests.length > 0) {
      const exchange: Exchange = { res, open: new Set(requests.map((request) => request.id)), sse: false };
      for (const id of exchange.open) this.#exchanges.set(id, exchange);
      res.once('close', () => this.#forget(exchange));
    }
    for (const message of messages) {
      if (isCancellation(message)) this.#cancelled(message);
      if (this.#direct?.take(message) !== true) this.onmessage?.(message);
    }
    if (requests.length === 0) {
      res.writeHead(202, { 'mcp-session-id': this.sessionId });
      res.end();
    }
  }

  /** The standalone stream for messages unrelated to a request (there is one per session). */
  handleGet(req: IncomingMessage, res: ServerResponse): void {
    const refusal: HttpRefusal | undefined = !(req.headers.accept ?? '').includes('text/event-stream')
      ? { status: 406, message: 'Not Acceptable: Client must accept text/event-stream' }
      : this.#standalone !== undefined
        ? { status: 409, message: 'Conflict: Only one SSE stream is allowed per session' }
        : this.#checkVersion(req);
    if (refusal !== undefined) {
      sendRefusal(res, refusal);
      return;
    }
    this.#writeSseHead(res);
    const keepAlive = setInterval(() => res.write(': keepalive\n\n'), KEEP_ALIVE_MS).unref();
    const standalone = { res, keepAlive };
    this.#standalone = standalone;
    res.once('close', () => {
      clearInterval(keepAlive);
      if (this.#standalone === standalone) this.#standalone = undefined;
    });
  }

  /** DELETE: the client ends the session. */
  async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = this.#checkVersion(req);
    if (refusal !== undefined) {
      sendRefusal(res, refusal);
      return;
    }
    res.writeHead(200, { 'mcp-session-id': this.sessionId });
    res.end();
    await this.close();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const response = !('method' in message);
    const requestId = response ? message.id : options?.relatedRequestId;
    if (requestId === undefined) {
      const standalone = this.#standalone;
      // Nobody listens for unrelated messages without a GET stream; the spec lets them go.
      if (!response && standalone !== undefined) standalone.res.write(sseEvent(message));
      return Promise.resolve();
    }
    const exchange = this.#exchanges.get(requestId);
    // The client hung up or cancelled: without resumability the message cannot be delivered.
    if (exchange === undefined) return Promise.resolve();
    if (response) this.#answer(exchange, requestId, message);
    else this.#stream(exchange).write(sseEvent(message));
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#direct?.abortAll('the session closed');
    for (const exchange of new Set(this.#exchanges.values())) this.#end(exchange);
    this.#exchanges.clear();
    this.#standalone?.res.end();
    this.onclose?.();
    return Promise.resolve();
  }

  #checkPost(req: IncomingMessage, body: unknown): HttpRefusal | undefined {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return {
        status: 406,
        message: 'Not Acceptable: Client must accept both application/json and text/event-stream',
      };
    }
    if (!isJsonContentType(req.headers['content-type'] ?? null)) {
      return { status: 415, message: 'Unsupported Media Type: Content-Type must be application/json' };
    }
    const messages: unknown[] = Array.isArray(body) ? body : [body];
    if (messages.length === 0 || messages.length > MAX_BATCH) {
      return { status: 400, message: `Invalid Request: a batch holds 1 to ${MAX_BATCH} messages` };
    }
    // The direct path checks the tools/call it takes; the SDK's schema checks everything else.
    if (!messages.every((message) => isDirectCandidate(message) || isValidMessage(message))) {
      return { status: 400, message: 'Parse error: Invalid JSON-RPC message' };
    }
    if (messages.some(isInitialize)) {
      if (this.#initialized) return { status: 400, message: 'Invalid Request: Server already initialized' };
      if (messages.length > 1) {
        return { status: 400, message: 'Invalid Request: Only one initialization request is allowed' };
      }
      return undefined;
    }
    if (!this.#initialized) return { status: 400, message: 'Bad Request: Server not initialized' };
    return this.#checkVersion(req);
  }

  #checkVersion(req: IncomingMessage): HttpRefusal | undefined {
    const version = req.headers['mcp-protocol-version'];
    if (typeof version !== 'string' || this.#supportedVersions.includes(version)) return undefined;
    return {
      status: 400,
      message: `Bad Request: Unsupported protocol version: ${version} (supported versions: ${this.#supportedVersions.join(', ')})`,
    };
  }

  /** `id` needs nothing more from its POST: answered or cancelled. */
  #release(exchange: Exchange, id: RequestId): void {
    exchange.open.delete(id);
    this.#exchanges.delete(id);
  }

  #answer(exchange: Exchange, id: RequestId, message: JSONRPCMessage): void {
    this.#release(exchange, id);
    const { res } = exchange;
    if (!exchange.sse && exchange.open.size === 0) {
      // The answer is all this POST gets: one JSON body, which every client parses cheaply.
      const body = JSON.stringify(message);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'mcp-session-id': this.sessionId,
      });
      res.end(body);
      return;
    }
    this.#stream(exchange).write(sseEvent(message));
    if (exchange.open.size === 0) res.end();
  }

  /** A cancelled request gets no answer (MCP cancellation); its POST ends with its last request. */
  #cancelled(message: JSONRPCMessage & { method: string }): void {
    const cancellation = readCancellation('params' in message ? message.params : undefined);
    if (cancellation === undefined) return;
    const exchange = this.#exchanges.get(cancellation.requestId);
    if (exchange === undefined) return;
    this.#release(exchange, cancellation.requestId);
    if (exchange.open.size === 0) this.#end(exchange);
  }

  #stream(exchange: Exchange): ServerResponse {
    if (!exchange.sse) {
      exchange.sse = true;
      this.#writeSseHead(exchange.res);
    }
    return exchange.res;
  }

  #end(exchange: Exchange): void {
    if (!exchange.res.headersSent) this.#stream(exchange);
    exchange.res.end();
  }

  #forget(exchange: Exchange): void {
    for (const id of exchange.open) if (this.#exchanges.get(id) === exchange) this.#exchanges.delete(id);
    exchange.open.clear();
  }

  #writeSseHead(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'mcp-session-id': this.sessionId,
    });
    res.flushHeaders();
  }
}

function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

function isRequest(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId; method: string } {
  return 'method' in message && 'id' in message;
}

function isCancellation(message: JSONRPCMessage): message is JSONRPCMessage & { method: string } {
  return 'method' in message && message.method === 'notifications/cancelled';
}

/** A method check, not the SDK's schema guard: it runs on every POST, tools/call included. */
function isInitialize(message: unknown): boolean {
  return (message as { method?: unknown }).method === 'initialize';
}

/** A tools/call request the direct path may take: it checks the params itself. */
function isDirectCandidate(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { jsonrpc, method, id } = message as { jsonrpc?: unknown; method?: unknown; id?: unknown };
  return jsonrpc === '2.0' && method === 'tools/call' && (typeof id === 'string' || typeof id === 'number');
}

function isValidMessage(message: unknown): boolean {
  try {
    parseJSONRPCMessage(message);
    return true;
  } catch {
    return false;
  }
}
