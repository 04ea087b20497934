import { GatewayError } from '../errors.ts';
import { abortError, toGatewayError, type CallPhase } from './errors.ts';
import { OpenSessionError } from './session/open-session.ts';
import type { SessionLoss } from './session/session.ts';

/**
 * The errors one connection makes, in its server's words and with its secrets masked: every
 * message that may quote the SDK, `fetch` or the server goes through `scrub`. What was thrown
 * underneath stays as `cause`, for the log.
 */
export class ServerErrors {
  readonly #server: string;
  readonly #scrub: (text: string) => string;

  constructor(server: string, scrub: (text: string) => string) {
    this.#server = server;
    this.#scrub = scrub;
  }

  unavailable(reason: string, cause?: unknown): GatewayError {
    return new GatewayError(
      'SERVER_UNAVAILABLE',
      this.#scrub(`server "${this.#server}" is unavailable: ${reason}`),
      { server: this.#server },
      cause === undefined ? undefined : { cause },
    );
  }

  /** A session that could not be opened: the child's exit and stderr, or what `fetch` said. */
  connectFailed(cause: unknown): GatewayError {
    const mapped =
      cause instanceof OpenSessionError ? undefined : toGatewayError(cause, { server: this.#server });
    if (mapped?.code === 'SERVER_UNAVAILABLE') return this.scrubbed(mapped);
    const why = mapped?.message ?? (cause as OpenSessionError).message;
    return new GatewayError(
      'SERVER_UNAVAILABLE',
      this.#scrub(`server "${this.#server}" could not be started: ${why}`),
      { server: this.#server },
      { cause },
    );
  }

  /** What the SDK threw, classified (errors.ts) and masked. */
  classify(
    error: unknown,
    context: { tool?: string; timeoutMs: number; phase: CallPhase; closeReason: () => string | undefined },
  ): GatewayError {
    return this.scrubbed(toGatewayError(error, { server: this.#server, ...context }));
  }

  /** A wait that was aborted: TIMEOUT naming the ms, or the caller's cancellation. */
  aborted(reason: unknown, context: { tool?: string; timeoutMs: number; phase: CallPhase }): GatewayError {
    return abortError(reason, { server: this.#server, ...context });
  }

  /** A call whose session was lost under it. Never replayed: the server may have run it, or not. */
  callLost(loss: SessionLoss, tool: string, cause: unknown): GatewayError {
    return new GatewayError(
      'SERVER_UNAVAILABLE',
      this.#scrub(
        `server "${this.#server}" is unavailable: ${loss.reason}; the call was not sent again, ` +
          'because a tool call may not be safe to repeat. Retry it: the next call opens a new session.',
      ),
      { server: this.#server, tool },
      { cause },
    );
  }

  /** The same error with the server's secrets masked in its message. */
  scrubbed(error: GatewayError): GatewayError {
    const message = this.#scrub(error.message);
    if (message === error.message) return error;
    return new GatewayError(error.code, message, error.details, { cause: error.cause });
  }
}
