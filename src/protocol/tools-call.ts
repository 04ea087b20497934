/**
 * The wire format of `tools/call` on a 2025-era session, as both direct paths speak it: the
 * gateway's side towards its host (upstream/direct-tool-calls.ts) and towards each stdio server
 * (downstream/session/direct-tool-requests.ts). One definition, so the two sides cannot drift
 * apart from each other or from the MCP 2025-11-25 spec: progress carries the caller's token,
 * a cancellation names the request, and an error body keeps the thrower's integer code.
 *
 * Messages are plain objects typed structurally: the client and server SDKs each export their
 * own `JSONRPCMessage`, and both accept these.
 */

/** JSON-RPC's internal error, the code of anything thrown without a code of its own. */
export const INTERNAL_ERROR_CODE = -32603;

export type RequestId = string | number;

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface ErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

export function toolsCallRequest(
  id: RequestId,
  params: { name: string; arguments?: Record<string, unknown> },
  progressToken: RequestId | undefined,
): { jsonrpc: '2.0'; id: RequestId; method: 'tools/call'; params: Record<string, unknown> } {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: progressToken === undefined ? params : { ...params, _meta: { progressToken } },
  };
}

export function progressNotification(
  progressToken: RequestId,
  update: ProgressUpdate,
): { jsonrpc: '2.0'; method: 'notifications/progress'; params: Record<string, unknown> } {
  return { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, ...update } };
}

export function cancelledNotification(
  requestId: RequestId,
  reason: string,
): { jsonrpc: '2.0'; method: 'notifications/cancelled'; params: { requestId: RequestId; reason: string } } {
  return { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason } };
}

/** The token and update of a `notifications/progress`, or undefined when it is not one. */
export function readProgress(params: unknown): { token: unknown; update: ProgressUpdate } | undefined {
  if (!isObject(params) || typeof params.progress !== 'number') return undefined;
  const { progressToken, ...update } = params;
  return { token: progressToken, update: update as unknown as ProgressUpdate };
}

/** The request and reason of a `notifications/cancelled`, or undefined when it names none. */
export function readCancellation(params: unknown): { requestId: RequestId; reason: string } | undefined {
  if (!isObject(params)) return undefined;
  const id = params.requestId;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  const reason = typeof params.reason === 'string' ? params.reason : 'cancelled by the client';
  return { requestId: id, reason };
}

/** The progress token a tools/call asked for, if any (only strings and numbers are tokens). */
export function readProgressToken(params: Record<string, unknown>): RequestId | undefined {
  const meta = params._meta;
  const token = isObject(meta) ? meta.progressToken : undefined;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/** As the SDK: the thrower's integer code (a ProtocolError's), else internal error. */
export function errorBody(error: unknown): ErrorBody {
  const fields = isObject(error) ? error : {};
  const code = Number.isSafeInteger(fields.code) ? (fields.code as number) : INTERNAL_ERROR_CODE;
  const message =
    typeof fields.message === 'string' && fields.message !== '' ? fields.message : 'Internal error';
  return { code, message, ...(fields.data !== undefined && { data: fields.data }) };
}

/** An error body as received, with its parts checked: a server may send anything. */
export function readErrorBody(error: unknown): ErrorBody {
  const fields = isObject(error) ? error : {};
  return {
    code: typeof fields.code === 'number' ? fields.code : INTERNAL_ERROR_CODE,
    message: typeof fields.message === 'string' ? fields.message : 'Internal error',
    ...(fields.data !== undefined && { data: fields.data }),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
