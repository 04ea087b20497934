/**
 * The effective agent of a call made by a verified principal (SPEC §13). Pure.
 *
 * With a principal, `agent_id` no longer names who is calling: it can only select another agent the
 * principal may act as. §7's fallback chain (`GATEWAY_DEFAULT_AGENT`, `default`) never applies, so a
 * principal cannot slide into the fallback agent's rights by leaving `agent_id` out.
 *
 * A refusal says the same thing whether the claimed agent is undefined or merely not allowed: a
 * caller must not learn from the message which other agents exist.
 */

import { GatewayError } from '../errors.ts';
import { compileGlob } from '../policy/glob.ts';
import type { PolicyRules } from '../policy/types.ts';

export type PrincipalSource = 'launcher' | 'credential';

export interface ActAsInput {
  /** The verified principal: `--agent` / `GATEWAY_AGENT` in stdio, the credential's agent over HTTP. */
  principal: string;
  /** How the principal was established; it becomes the call's identity source (SPEC §13 audit). */
  principalSource: PrincipalSource;
  /** The gateway tool's `agent_id` argument exactly as received. */
  claimedAgentId: unknown;
  /** The rules in force for this call, after any reload. */
  rules: PolicyRules;
}

export type ActAsResolution =
  { ok: true; agentId: string; source: PrincipalSource } | { ok: false; error: GatewayError };

// A hostile caller may send a huge id; messages keep a readable prefix.
const MAX_ECHOED_ID_LENGTH = 128;

export function resolveActAs({
  principal,
  principalSource,
  claimedAgentId,
  rules,
}: ActAsInput): ActAsResolution {
  const principalRules = Object.hasOwn(rules.agents, principal) ? rules.agents[principal] : undefined;
  if (principalRules === undefined) {
    // Removed by a reload (or a launcher name the rules never had): the principal gets nothing.
    return fail(`principal ${JSON.stringify(shorten(principal))} is not defined in the rules`, principal);
  }
  // null is what many clients send for an omitted optional argument.
  if (claimedAgentId === undefined || claimedAgentId === null || claimedAgentId === '') {
    return { ok: true, agentId: principal, source: principalSource };
  }
  if (typeof claimedAgentId !== 'string') return fail('agent_id must be a string');
  if (claimedAgentId === principal) return { ok: true, agentId: principal, source: principalSource };

  const mayActAs =
    Object.hasOwn(rules.agents, claimedAgentId) &&
    (principalRules.act_as ?? []).some((pattern) => compileGlob(pattern)(claimedAgentId));
  if (mayActAs) return { ok: true, agentId: claimedAgentId, source: principalSource };
  const shown = shorten(claimedAgentId);
  return fail(`principal ${JSON.stringify(principal)} may not act as ${JSON.stringify(shown)}`, shown);
}

function shorten(id: string): string {
  return id.length <= MAX_ECHOED_ID_LENGTH ? id : `${id.slice(0, MAX_ECHOED_ID_LENGTH)}…`;
}

function fail(message: string, agentId?: string): ActAsResolution {
  return {
    ok: false,
    error: new GatewayError('INVALID_AGENT_ID', message, agentId === undefined ? {} : { agent_id: agentId }),
  };
}
