/**
 * Capped exponential backoff with jitter for reconnects (SPEC §12, DESIGN rule 8). The first
 * failure after a healthy session may retry at once (a crash is often a one-off); each further
 * consecutive failure doubles the wait, up to the cap.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000 };

export function reconnectDelayMs(
  consecutiveFailures: number,
  policy: BackoffPolicy,
  random = Math.random,
): number {
  if (consecutiveFailures <= 1) return 0;
  const exponential = Math.min(policy.capMs, policy.baseMs * 2 ** (consecutiveFailures - 2));
  // Full-range jitter between half and all of the delay keeps many gateways from retrying in step.
  return Math.round(exponential * (0.5 + random() * 0.5));
}
