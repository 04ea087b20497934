/**
 * Principals (SPEC §13): the identity the gateway has verified — the agent named by the launcher
 * (`--agent`, `GATEWAY_AGENT`) or by a credential (an API key or a JWT on HTTP). With a principal,
 * the `agent_id` argument may only select an agent the principal may act as; without one, §7's
 * fallback chain applies. Pure: decisions are values.
 *
 * Security: a principal that a reload removed from the rules gets nothing, and an `agent_id` that
 * names another agent is refused unless one of the principal's `act_as` globs allows it, so an
 * agent that lies about who it is cannot borrow another agent's rules.
 */

import { GatewayError } from '../errors.ts';
import { fnmatch } from '../policy/glob.ts';
import type { PolicyRules } from '../policy/types.ts';

/** How the calling agent was identified; the one declaration of it (audit lines carry it, §10, §13). */
export type IdentitySource = 'argument' | 'env' | 'default' | 'launcher' | 'credential';

/** A verified identity: who launched the gateway (stdio) or whose credential the request carried. */
export interface Principal {
  agentId: string;
  source: 'launcher' | 'credential';
}

export type EffectiveAgent =
  { ok: true; agentId: string; source: IdentitySource } | { ok: false; error: GatewayError };

/**
 * The agent a principal's call runs as: itself when `agent_id` is absent or names it, another
 * agent when that one is defined and matches one of the principal's `act_as` globs.
 */
export function resolveForPrincipal(
  principal: Principal,
  claimed: string | undefined,
  rules: PolicyRules,
  shown: (id: string) => string,
): EffectiveAgent {
  const self = principal.agentId;
  if (!Object.hasOwn(rules.agents, self)) {
    return refuse(`principal "${shown(self)}" is not defined in the rules`, shown(self));
  }
  if (claimed === undefined || claimed === self) {
    return { ok: true, agentId: self, source: principal.source };
  }
  const actAs = rules.agents[self]?.act_as ?? [];
  if (Object.hasOwn(rules.agents, claimed) && actAs.some((glob) => fnmatch(claimed, glob))) {
    return { ok: true, agentId: claimed, source: principal.source };
  }
  return refuse(
    `principal "${shown(self)}" may not act as ${JSON.stringify(shown(claimed))}; ` +
      'omit agent_id, or ask the operator to add that agent to its act_as list',
    shown(claimed),
  );
}

function refuse(message: string, agentId: string): EffectiveAgent {
  return { ok: false, error: new GatewayError('INVALID_AGENT_ID', message, { agent_id: agentId }) };
}
