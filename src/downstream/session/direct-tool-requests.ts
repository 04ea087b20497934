import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/client';
import {
  cancelledNotification,
  readErrorBody,
  readProgress,
  toolsCallRequest,
} from '../../protocol/tools-call.ts';
import type { ClientSdkModule } from '../client-sdk.ts';
import type { SessionCallOptions } from './session.ts';

type DirectCallOptions = SessionCallOptions;

export interface DirectToolRequestsOptions {
  /**
   * How a failed send rejects the call. `send-failed` (stdio): an SdkError(SendFailed), what
   * errors.ts makes SERVER_UNAVAILABLE. `as-thrown` (HTTP, SSE): the transport's own error, as
   * the SDK's Protocol.request rejects with it, because errors.ts and connection.ts read it: an
   * SdkHttpError's status (404 or 400 "session": the server forgot us), a refused connection.
   */
  sendErrors?: 'send-failed' | 'as-thrown';
}

interface Pending {
  resolve: (result: CallToolResult) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
  options: DirectCallOptions;
  onAbort?: () => void;
}

/** Our ids are strings with a prefix; the SDK's own requests on the same pipe use numbers. */
const ID_PREFIX = 'gw-';

/**
 * tools/call on a 2025-era session, without the SDK client's protocol layer (stdio, and HTTP/SSE
 * through direct-remote.ts): the gateway's side of the hot path (see upstream/direct-tool-calls.ts for the other side; both speak protocol/tools-call.ts).
 *
 * It does what the SDK's Protocol.request does for this one method, with the SDK's own error
 * classes so that errors map exactly as before (errors.ts): a JSON-RPC error becomes a
 * ProtocolError with the server's code, a timeout an SdkError(RequestTimeout) after sending
 * `notifications/cancelled`, a lost connection an SdkError(ConnectionClosed). The result is not
 * parsed: the gateway forwards it unchanged.
 */
export class DirectToolRequests {
  readonly #sdk: ClientSdkModule;
  readonly #send: (message: JSONRPCMessage) => Promise<void>;
  readonly #sendErrorsAsThrown: boolean;
  readonly #pending = new Map<string, Pending>();
  #nextId = 0;

  constructor(
    sdk: ClientSdkModule,
    send: (message: JSONRPCMessage) => Promise<void>,
    options: DirectToolRequestsOptions = {},
  ) {
    this.#sdk = sdk;
    this.#send = send;
    this.#sendErrorsAsThrown = options.sendErrors === 'as-thrown';
  }

  call(
    params: { name: string; arguments?: Record<string, unknown> },
    options: DirectCallOptions,
  ): Promise<CallToolResult> {
    const { SdkError, SdkErrorCode } = this.#sdk;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(toError(signal.reason));
    const id = `${ID_PREFIX}${++this.#nextId}`;
    return new Promise<CallToolResult>((resolve, reject) => {
      const pending: Pending = {
        resolve,
        reject,
        timeoutMs: options.timeoutMs,
        options,
        timer: this.#startTimer(id, options.timeoutMs),
      };
      if (signal) {
        pending.onAbort = () => this.#cancel(id, toError(signal.reason), String(signal.reason));
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#pending.set(id, pending);
      const request = toolsCallRequest(id, params, options.onprogress ? id : undefined);
      this.#send(request as JSONRPCMessage).catch((error: unknown) => {
        this.#finish(id)?.reject(
          this.#sendErrorsAsThrown
            ? error
            : new SdkError(SdkErrorCode.SendFailed, `failed to send the request: ${String(error)}`),
        );
      });
    });
  }

  /** Takes a response or a progress notification for one of its requests; false for the rest. */
  take(message: JSONRPCMessage): boolean {
    if ('id' in message && !('method' in message)) {
      const id = message.id;
      if (typeof id !== 'string' || !id.startsWith(ID_PREFIX)) return false;
      const pending = this.#finish(id);
      if (!pending) return true; // Late answer to a request we gave up on: nothing waits for it.
      if ('error' in message) {
        const { code, message: text, data } = readErrorBody(message.error);
        pending.reject(this.#sdk.ProtocolError.fromError(code, text, data));
      } else {
        pending.resolve(message.result as CallToolResult);
      }
      return true;
    }
    if ('method' in message && message.method === 'notifications/progress') {
      const progress = readProgress(message.params);
      const token = progress?.token;
      if (!progress || typeof token !== 'string' || !token.startsWith(ID_PREFIX)) return false;
      const pending = this.#pending.get(token);
      if (pending?.options.onprogress) {
        clearTimeout(pending.timer);
        pending.timer = this.#startTimer(token, pending.timeoutMs);
        pending.options.onprogress(progress.update);
      }
      return true;
    }
    return false;
  }

  /** Fails every request still waiting: the connection is gone. */
  failAll(): void {
    const { SdkError, SdkErrorCode } = this.#sdk;
    for (const id of [...this.#pending.keys()])
      this.#finish(id)?.reject(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
  }

  #startTimer(id: string, timeoutMs: number): NodeJS.Timeout {
    const { SdkError, SdkErrorCode } = this.#sdk;
    return setTimeout(() => {
      this.#cancel(
        id,
        new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout: timeoutMs }),
        `timed out after ${timeoutMs} ms`,
      );
    }, timeoutMs).unref();
  }

  /** Gives up on a request and tells the server, which may stop the work (MCP cancellation). */
  #cancel(id: string, error: Error, reason: string): void {
    const pending = this.#finish(id);
    if (!pending) return;
    this.#send(cancelledNotification(id, reason) as JSONRPCMessage).catch(() => {
      // The connection is going; its close fails what is left.
    });
    pending.reject(error);
  }

  #finish(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (pending.onAbort) pending.options.signal?.removeEventListener('abort', pending.onAbort);
    return pending;
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
