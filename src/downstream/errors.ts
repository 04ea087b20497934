import { GatewayError } from '../errors.ts';
import { loadedClientSdk } from './client-sdk.ts';
import type { SessionLoss, SessionTransportKind } from './session/session.ts';

/** What a call was doing when it failed, for the message. */
export type CallPhase = 'connecting' | 'listing tools' | 'calling';
import { findAuthRequired } from './oauth/oauth-target.ts';

/** Context for turning an SDK failure into the gateway's error vocabulary (SPEC §9). */
export interface FailureContext {
  server: string;
  tool?: string;
  /** The timeout of the call: every TIMEOUT message names it. */
  timeoutMs?: number;
  phase?: CallPhase;
  /** Why the session went away, when it did: exit code and stderr of a crashed child. */
  closeReason?: () => string | undefined;
}

/**
 * Maps what the SDK throws to one GatewayError: a JSON-RPC error answer keeps its code and
 * message (DOWNSTREAM_ERROR); a timeout or cancellation is TIMEOUT (see abortError); a lost
 * connection is SERVER_UNAVAILABLE with the reason the session ended. The SDK's classes come from
 * the lazy loader: an error thrown before any session loaded the SDK cannot be one of them.
 * Every error made here keeps what was thrown as its `cause`, for the log.
 */
export function toGatewayError(error: unknown, context: FailureContext): GatewayError {
  if (error instanceof GatewayError) return error;
  const details = detailsOf(context);
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
      { cause: error },
    );
  }
  if (sdk && error instanceof sdk.SdkError) {
    const { SdkErrorCode } = sdk;
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
        return timeoutError(context, error);
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
      case SdkErrorCode.SendFailed:
        return unavailable(context, error.message, error);
      default:
        if (isSessionLossError(error)) return unavailable(context, error.message, error);
        return new GatewayError('DOWNSTREAM_ERROR', `server "${context.server}": ${error.message}`, details, {
          cause: error,
        });
    }
  }
  if (isAbortError(error)) return abortError(error, context);
  return unavailable(context, error instanceof Error ? error.message : String(error), error);
}

/**
 * The one place that says what a cancelled wait means (issue 7 item 4). A deadline that fired
 * (`AbortSignal.timeout`, the SDK's request timeout) is TIMEOUT naming the call's milliseconds;
 * anything else that aborted the wait is the caller going away. Both keep the code TIMEOUT
 * (SPEC §9 has no other code for a call that did not finish), and the message says which.
 */
export function abortError(reason: unknown, context: FailureContext): GatewayError {
  if (isTimeoutReason(reason)) return timeoutError(context, reason);
  const what = context.tool === undefined ? 'the call' : `the call to tool "${context.tool}"`;
  const forwarded = context.phase === 'calling' ? '; the cancellation was forwarded to the server' : '';
  return new GatewayError(
    'TIMEOUT',
    `the caller cancelled ${what} on server "${context.server}"${phaseText(context.phase, ' while ')}${forwarded}`,
    detailsOf(context),
    { cause: reason },
  );
}

function timeoutError(context: FailureContext, cause: unknown): GatewayError {
  const within = context.timeoutMs === undefined ? 'in time' : `within ${context.timeoutMs} ms`;
  return new GatewayError(
    'TIMEOUT',
    `no answer from server "${context.server}" ${within}${phaseText(context.phase, ' (', ')')}; ` +
      'the request was cancelled. Retry with a larger timeout_ms if the tool is expected to run longer.',
    detailsOf(context),
    { cause },
  );
}

function phaseText(phase: CallPhase | undefined, before: string, after = ''): string {
  return phase === undefined || phase === 'calling' ? '' : `${before}${phase}${after}`;
}

/** A signal for one caller's wait: its own signal, bounded by its timeout. */
export function deadlineSignal(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

function detailsOf(context: FailureContext): { server: string; tool?: string } {
  return { server: context.server, ...(context.tool !== undefined && { tool: context.tool }) };
}

function unavailable(context: FailureContext, fallback: string, cause: unknown): GatewayError {
  const reason = context.closeReason?.() ?? fallback;
  return new GatewayError(
    'SERVER_UNAVAILABLE',
    `server "${context.server}" is unavailable: ${reason}`,
    detailsOf(context),
    { cause },
  );
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

function isTimeoutReason(reason: unknown): boolean {
  const sdk = loadedClientSdk();
  if (sdk && reason instanceof sdk.SdkError) return reason.code === sdk.SdkErrorCode.RequestTimeout;
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/** Network failures under `fetch failed`: the server is down or went away mid-request. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * Whether a transport error means the remote session is gone (issue 8 items 1, 2), and how:
 * - a 404 to our session id, or a 400 that says the session id is not valid (what most servers
 *   built on the SDK's examples answer after a restart): `forgotten`;
 * - a refused or reset connection: `unreachable`;
 * - for SSE, any error of the event stream once connected: the stream carries every answer, so
 *   without it calls would wait for their whole timeout.
 */
export function sessionLoss(error: unknown, kind: SessionTransportKind): SessionLoss | undefined {
  if (kind === 'stdio') return undefined;
  const sdk = loadedClientSdk();
  if (sdk && error instanceof sdk.SdkHttpError) {
    if (error.status === 404) {
      return {
        kind: 'forgotten',
        reason: 'the server no longer knows the session (HTTP 404 "Session not found")',
      };
    }
    const text = httpErrorText(error);
    if (
      error.status === 400 &&
      (/session/i.test(text) || error.code === sdk.SdkErrorCode.ClientHttpFailedToOpenStream)
    ) {
      return { kind: 'forgotten', reason: `the server no longer knows the session (HTTP 400 "${text}")` };
    }
    return undefined;
  }
  if (kind === 'sse' && sdk && error instanceof sdk.SseError) {
    // The event source says little: a status when a reconnect was answered, else nothing.
    const detail = typeof error.code === 'number' ? ` (HTTP ${error.code})` : '';
    return { kind: 'unreachable', reason: `the SSE event stream closed${detail}` };
  }
  const code = networkErrorCode(error);
  if (code !== undefined)
    return { kind: 'unreachable', reason: `the connection to the server failed (${code})` };
  return undefined;
}

function isSessionLossError(error: unknown): boolean {
  return sessionLoss(error, 'http') !== undefined;
}

/** The message of a JSON-RPC error body an HTTP error carried, else its status text. */
function httpErrorText(error: {
  message: string;
  statusText?: string | undefined;
  data: Record<string, unknown>;
}): string {
  const text = error.data.text;
  if (typeof text === 'string') {
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') return body.error.message;
    } catch {
      // Not JSON: the text itself, cut short.
    }
    if (text.trim() !== '') return text.trim().slice(0, 200);
  }
  return error.statusText ?? error.message;
}

function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    current = current.cause;
  }
  return undefined;
}
