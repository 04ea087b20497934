/**
 * The one error type of the gateway (DESIGN rule 4) and its code table (SPEC §9).
 *
 * This module is pure: it imports no `node:*` module, so the policy engine, identity resolver
 * and result shaping can all throw or return it.
 */

export const ERROR_CODES = {
  INVALID_AGENT_ID: 'unknown or malformed agent_id, or missing while deny_on_missing_agent is true',
  FALLBACK_AGENT_NOT_IN_RULES: 'GATEWAY_DEFAULT_AGENT names an agent the rules lack',
  NO_FALLBACK_CONFIGURED: 'no agent_id and no fallback agent',
  DENIED_BY_POLICY: 'server or tool denied by a rule',
  SERVER_NOT_FOUND: 'no configured, enabled server of that name',
  SERVER_UNAVAILABLE: 'the server cannot be started or reached, or crashed',
  TOOL_NOT_FOUND: 'the server has no such tool',
  INVALID_ARGUMENTS: 'gateway tool arguments malformed, or args fail the tool inputSchema',
  TIMEOUT: 'the call exceeded its timeout',
  DOWNSTREAM_ERROR: 'the downstream server answered with a JSON-RPC error',
  AUTH_REQUIRED: 'the downstream server needs an OAuth login, or a refresh that failed',
  RATE_LIMITED: "the agent's rate limit is used up",
  INTERNAL_ERROR: 'a fault of the gateway itself, never a downstream answer',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes that the audit log records as `deny` rather than `error` (SPEC §10). */
const DENY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DENIED_BY_POLICY',
  'INVALID_AGENT_ID',
  'FALLBACK_AGENT_NOT_IN_RULES',
  'NO_FALLBACK_CONFIGURED',
]);

export function isDenyCode(code: ErrorCode): boolean {
  return DENY_CODES.has(code);
}

/** Optional context carried into the structured error (SPEC §9). */
export interface GatewayErrorDetails {
  rule?: string;
  agent_id?: string;
  server?: string;
  tool?: string;
  /** Extra machine-readable data, e.g. the JSON-RPC code of a downstream error. */
  data?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly details: GatewayErrorDetails;

  /** `cause` is what went wrong underneath; it reaches the log (pino's `err`), never a result. */
  constructor(code: ErrorCode, message: string, details: GatewayErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.details = details;
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/** The shape of a failed gateway tool call (SPEC §9), a `CallToolResult`. */
export interface ErrorToolResult {
  [key: string]: unknown;
  isError: true;
  content: [{ type: 'text'; text: string }];
  structuredContent: {
    error: {
      code: ErrorCode;
      message: string;
      rule?: string;
      agent_id?: string;
      server?: string;
      tool?: string;
      [key: string]: unknown;
    };
  };
}

/**
 * A fault of the gateway itself (SPEC §9): anything thrown that is not a GatewayError is a bug or
 * a broken part of ours (the token counter, the validator), never a downstream answer. The result
 * says only that; the cause and its stack go to the log.
 */
export function internalError(cause: unknown): GatewayError {
  return new GatewayError(
    'INTERNAL_ERROR',
    'the gateway failed to handle this call; the cause is in its log (stderr). Retry, or report it to the operator.',
    {},
    { cause },
  );
}

/**
 * The one place where an error becomes a tool result (DESIGN rule 4). An unexpected error
 * (a bug of ours) becomes INTERNAL_ERROR without its message or stack.
 */
export function toErrorToolResult(error: unknown): ErrorToolResult {
  const gatewayError = isGatewayError(error) ? error : internalError(error);
  const { rule, agent_id, server, tool, data } = gatewayError.details;
  const structured: ErrorToolResult['structuredContent']['error'] = {
    code: gatewayError.code,
    message: gatewayError.message,
    ...(rule !== undefined && { rule }),
    ...(agent_id !== undefined && { agent_id }),
    ...(server !== undefined && { server }),
    ...(tool !== undefined && { tool }),
    ...data,
  };
  return {
    isError: true,
    content: [{ type: 'text', text: `${gatewayError.code}: ${gatewayError.message}` }],
    structuredContent: { error: structured },
  };
}
