/**
 * One audit line per gateway tool call (SPEC §10). Pure: no `node:*` import, so the gateway
 * handlers can build events without touching the file system.
 *
 * An event carries who, what and how it ended — never tool arguments or results.
 */

import { isDenyCode } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { IdentitySource } from '../identity/principal.ts';

export type AuditDecision = 'allow' | 'deny' | 'error';

export interface AuditEvent {
  /** UTC ISO-8601, e.g. `2026-01-31T12:00:00.000Z`. */
  timestamp: string;
  agent_id: string | null;
  /** How the agent was identified (SPEC §7, §13); null when identity failed before one was known. */
  identity_source: IdentitySource | null;
  /** The verified principal (SPEC §13), or null when the call had none. */
  principal: string | null;
  /** The front end the call came through. */
  transport: 'stdio' | 'http';
  /** The gateway tool name, e.g. `execute_tool`. */
  operation: string;
  server: string | null;
  tool: string | null;
  decision: AuditDecision;
  error_code: ErrorCode | null;
  /** The policy rule that decided, when a decision was made. */
  rule: string | null;
  /** Rounded to 0.001 ms. */
  latency_ms: number;
  /** The downstream result's `isError`; null when no downstream call returned a result. */
  downstream_is_error: boolean | null;
}

/** `deny` for policy and identity refusals, `error` for every other failure (SPEC §10). */
export function decisionForOutcome(errorCode: ErrorCode | undefined): AuditDecision {
  if (errorCode === undefined) return 'allow';
  return isDenyCode(errorCode) ? 'deny' : 'error';
}

export function roundLatencyMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * The JSON line (without its newline) for one event. Fields are copied one by one, in a fixed
 * order, so that an object carrying extra properties (arguments, results) can never leak them.
 */
export function formatAuditLine(event: AuditEvent): string {
  return JSON.stringify({
    timestamp: event.timestamp,
    agent_id: event.agent_id ?? null,
    identity_source: event.identity_source ?? null,
    principal: event.principal ?? null,
    transport: event.transport,
    operation: event.operation,
    server: event.server ?? null,
    tool: event.tool ?? null,
    decision: event.decision,
    error_code: event.error_code ?? null,
    rule: event.rule ?? null,
    latency_ms: roundLatencyMs(event.latency_ms),
    downstream_is_error: event.downstream_is_error ?? null,
  });
}
