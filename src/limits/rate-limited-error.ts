import { GatewayError } from '../errors.ts';

/** The RATE_LIMITED error of SPEC §9 / §15, with `retry_after_ms` in `structuredContent.error`. */
export function rateLimitedError(
  agentId: string,
  refusal: { retryAfterMs: number; reason: string },
): GatewayError {
  return new GatewayError('RATE_LIMITED', `${refusal.reason}; retry after ${refusal.retryAfterMs} ms`, {
    agent_id: agentId,
    data: { retry_after_ms: refusal.retryAfterMs },
  });
}
