import type { CallToolResult, JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import type { UpstreamCall } from '../gateway/gateway-call.ts';
import { isModernProtocolVersion } from '../protocol/protocol-era.ts';
import type { ToolCallHandler } from './mcp-session.ts';
import {
  errorBody,
  isObject,
  progressNotification,
  readCancellation,
  readProgressToken,
} from '../protocol/tools-call.ts';

export type { ToolCallHandler };

/**
 * Writes a message of the call `requestId` (its progress, its answer): stdio has one stream for
 * all, Streamable HTTP answers on the stream of the POST that carried the request.
 */
export type DirectSend = (message: JSONRPCMessage, requestId: RequestId) => Promise<void>;

/**
 * The hot path of the gateway: `tools/call` requests of an initialized 2025-era session are
 * answered here, without the SDK's protocol layer.
 *
 * Every agent call crosses the gateway twice, and the SDK's per-request work (zod checks of the
 * envelope, the request and the result, a context object, era and input-required seams that a
 * 2025-era session never uses) cost more CPU than the rest of the call. This class does for
 * tools/call exactly what the SDK's Protocol does on that era, as the MCP 2025-11-25 spec says:
 * one response per request, none after the caller cancelled it, progress with the caller's
 * token, and errors as JSON-RPC errors with the thrower's code. Everything else (initialize,
 * tools/list, ping, other notifications, malformed calls) still goes through the SDK.
 */
export class DirectToolCalls {
  readonly #handle: ToolCallHandler;
  readonly #send: DirectSend;
  readonly #onError: (error: Error) => void;
  readonly #inFlight = new Map<RequestId, AbortController>();

  constructor(options: { handle: ToolCallHandler; send: DirectSend; onError: (error: Error) => void }) {
    this.#handle = options.handle;
    this.#send = options.send;
    this.#onError = options.onError;
  }

  /** Takes a well-formed tools/call or a cancellation of one it runs; false leaves it to the SDK. */
  take(message: JSONRPCMessage): boolean {
    if (!('method' in message)) return false;
    if (message.method === 'tools/call' && 'id' in message) return this.#call(message.id, message.params);
    if (message.method === 'notifications/cancelled') return this.#cancel(message.params);
    return false;
  }

  /** Aborts every call still running: the connection is gone, no answer can be delivered. */
  abortAll(reason: string): void {
    for (const controller of this.#inFlight.values()) controller.abort(new Error(reason));
    this.#inFlight.clear();
  }

  #call(id: RequestId, params: unknown): boolean {
    if (!isObject(params) || typeof params.name !== 'string') return false;
    const args = params.arguments;
    if (args !== undefined && !isObject(args)) return false;
    // A duplicate id is a client bug; the SDK answers it, as it answers any other oddity.
    if (this.#inFlight.has(id)) return false;
    const progressToken = readProgressToken(params);
    const controller = new AbortController();
    this.#inFlight.set(id, controller);
    const call: UpstreamCall = { signal: controller.signal };
    if (progressToken !== undefined) {
      call.onProgress = (update) => {
        if (controller.signal.aborted) return;
        this.#deliver(progressNotification(progressToken, update), id);
      };
    }
    let pending: Promise<CallToolResult>;
    try {
      pending = this.#handle(params.name, args, call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => this.#settle(id, controller, { jsonrpc: '2.0', id, result: withContent(result) }),
      (error: unknown) => this.#settle(id, controller, { jsonrpc: '2.0', id, error: errorBody(error) }),
    );
    return true;
  }

  #settle(id: RequestId, controller: AbortController, response: JSONRPCMessage): void {
    if (this.#inFlight.get(id) === controller) this.#inFlight.delete(id);
    // A cancelled request gets no response (MCP: the receiver should not send one).
    if (controller.signal.aborted) return;
    this.#deliver(response, id);
  }

  #cancel(params: unknown): boolean {
    const cancellation = readCancellation(params);
    if (!cancellation) return false;
    const controller = this.#inFlight.get(cancellation.requestId);
    if (!controller) return false;
    this.#inFlight.delete(cancellation.requestId);
    controller.abort(new Error(cancellation.reason));
    return true;
  }

  #deliver(message: JSONRPCMessage, requestId: RequestId): void {
    this.#send(message, requestId).catch((error: unknown) =>
      this.#onError(new Error(`failed to send a tools/call message: ${String(error)}`)),
    );
  }
}

/**
 * The direct path for a session whose `initialize` settled `version`: only the 2025-era
 * tools/call is implemented here, so later revisions (and a session without a handler) get none.
 */
export function directToolCallsFor(
  version: string,
  options: { handle: ToolCallHandler | undefined; send: DirectSend; onError: (error: Error) => void },
): DirectToolCalls | undefined {
  const { handle } = options;
  if (isModernProtocolVersion(version) || handle === undefined) return undefined;
  return new DirectToolCalls({ handle, send: options.send, onError: options.onError });
}

/** As the SDK: a result without `content` gets an empty one, which the 2025 schema requires. */
function withContent(result: CallToolResult): CallToolResult {
  // A passed-through downstream result may lack it, whatever its type says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  return result.content === undefined ? { ...result, content: [] } : result;
}
