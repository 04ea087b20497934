import { GatewayError } from '../errors.ts';
import { loadedClientSdk } from './client-sdk.ts';
import { findAuthRequired } from './oauth/oauth-target.ts';

/** Context for turning an SDK failure into the gateway's error vocabulary (SPEC §9). */
export interface FailureContext {
  server: string;
  tool?: string;
  timeoutMs?: number;
  /** Why the session went away, when it did: exit code and stderr of a crashed child. */
  closeReason?: () => string | undefined;
}

/**
 * Maps what the SDK throws to one GatewayError: a JSON-RPC error answer keeps its code and
 * message (DOWNSTREAM_ERROR); a timeout is TIMEOUT; a lost connection is SERVER_UNAVAILABLE
 * with the reason the session ended. The SDK's classes come from the lazy loader: an error thrown
 * before any session loaded the SDK cannot be one of them.
 */
export function toGatewayError(error: unknown, context: FailureContext): GatewayError {
  if (error instanceof GatewayError) return error;
  const details = { server: context.server, ...(context.tool !== undefined && { tool: context.tool }) };
  // A request that could not carry a valid OAuth token (SPEC §16): the message names the fix.
  const authRequired = findAuthRequired(error);
  if (authRequired) return new GatewayError('AUTH_REQUIRED', authRequired.message, details);
  const sdk = loadedClientSdk();
  if (sdk && error instanceof sdk.ProtocolError) {
    return new GatewayError(
      'DOWNSTREAM_ERROR',
      `server "${context.server}" answered with error ${error.code}: ${error.message}`,
      {
        ...details,
        data: {
          downstream_code: error.code,
          ...(error.data !== undefined && { downstream_data: error.data }),
        },
      },
    );
  }
  if (sdk && error instanceof sdk.SdkError) {
    const { SdkErrorCode } = sdk;
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
        return new GatewayError(
          'TIMEOUT',
          `no answer from server "${context.server}" within ${context.timeoutMs ?? 'the'} ms; the request was cancelled. ` +
            'Retry with a larger timeout_ms if the tool is expected to run longer.',
          details,
        );
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
      case SdkErrorCode.SendFailed:
        return unavailable(context, error.message);
      default:
        return new GatewayError('DOWNSTREAM_ERROR', `server "${context.server}": ${error.message}`, details);
    }
  }
  if (isAbortError(error)) {
    return new GatewayError('TIMEOUT', `the call to server "${context.server}" was cancelled`, details);
  }
  return unavailable(context, error instanceof Error ? error.message : String(error));
}

function unavailable(context: FailureContext, fallback: string): GatewayError {
  const reason = context.closeReason?.() ?? fallback;
  return new GatewayError('SERVER_UNAVAILABLE', `server "${context.server}" is unavailable: ${reason}`, {
    server: context.server,
    ...(context.tool !== undefined && { tool: context.tool }),
  });
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * A remote server answered 404 to a request carrying our session id: it no longer knows the
 * session (it restarted, or expired it). Streamable HTTP says the client must start a new one.
 */
export function isSessionNotFound(error: unknown): boolean {
  const sdk = loadedClientSdk();
  return sdk !== undefined && error instanceof sdk.SdkHttpError && error.status === 404;
}
