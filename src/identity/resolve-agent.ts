/**
 * Who is calling (SPEC §7, §13): the one place where a call's identity is decided. A pure function
 * from the verified principal (if any), the call's `agent_id` argument, the rules and the start-up
 * value of `GATEWAY_DEFAULT_AGENT` to an agent id or a `GatewayError`, returned as a value.
 *
 * Messages name only the id the caller or operator supplied, never the other defined agents: listing
 * them would tell any caller which identities to try.
 */

import { GatewayError } from '../errors.ts';
import type { PolicyRules } from '../policy/types.ts';
import {
  resolveForPrincipal,
  type EffectiveAgent,
  type IdentitySource,
  type Principal,
} from './principal.ts';

export const AGENT_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** The agent picked when a call carries no `agent_id`, if the rules define it (§7 step 4). */
export const DEFAULT_AGENT_ID = 'default';

const RULES_FILE = '.mcp-gateway-rules.json';

// A hostile caller may send a huge id; messages and audit details keep a readable prefix.
const MAX_ECHOED_ID_LENGTH = 128;

export type { IdentitySource, Principal };

export type AgentResolution = EffectiveAgent;

export interface ResolveAgentInput {
  /** The verified identity of the caller, when there is one (SPEC §13); §7's chain applies without. */
  principal?: Principal | undefined;
  /** The gateway tool's `agent_id` argument exactly as received. */
  agentIdArgument: unknown;
  rules: PolicyRules;
  /** `GATEWAY_DEFAULT_AGENT`, read once at start-up. */
  defaultAgentEnv: string | undefined;
}

export function isValidAgentId(value: string): boolean {
  return AGENT_ID_PATTERN.test(value);
}

export function resolveAgent({
  principal,
  agentIdArgument,
  rules,
  defaultAgentEnv,
}: ResolveAgentInput): AgentResolution {
  // null is what many clients send for an omitted optional argument.
  const missing = agentIdArgument === undefined || agentIdArgument === null || agentIdArgument === '';

  if (!missing) {
    if (typeof agentIdArgument !== 'string') {
      return fail('INVALID_AGENT_ID', 'agent_id must be a string');
    }
    const shown = truncate(agentIdArgument);
    if (!isValidAgentId(agentIdArgument)) {
      return fail(
        'INVALID_AGENT_ID',
        `agent_id ${JSON.stringify(shown)} is malformed; it may contain only letters, digits, "_", "." and "-"`,
        shown,
      );
    }
    if (principal) return resolveForPrincipal(principal, agentIdArgument, rules, truncate);
    if (!isDefined(rules, agentIdArgument)) {
      return fail(
        'INVALID_AGENT_ID',
        `agent_id ${JSON.stringify(shown)} is not defined in the rules; ask the operator to add it to ${RULES_FILE}`,
        shown,
      );
    }
    return { ok: true, agentId: agentIdArgument, source: 'argument' };
  }

  if (principal) return resolveForPrincipal(principal, undefined, rules, truncate);

  if (rules.defaults.deny_on_missing_agent) {
    return fail(
      'INVALID_AGENT_ID',
      'agent_id is required: the rules set defaults.deny_on_missing_agent to true; pass agent_id',
    );
  }

  if (defaultAgentEnv !== undefined && defaultAgentEnv !== '') {
    if (isDefined(rules, defaultAgentEnv)) return { ok: true, agentId: defaultAgentEnv, source: 'env' };
    const shown = truncate(defaultAgentEnv);
    return fail(
      'FALLBACK_AGENT_NOT_IN_RULES',
      `GATEWAY_DEFAULT_AGENT names agent ${JSON.stringify(shown)}, which is not defined in the rules; ` +
        `pass agent_id, or ask the operator to add that agent to ${RULES_FILE} or change GATEWAY_DEFAULT_AGENT`,
      shown,
    );
  }

  if (isDefined(rules, DEFAULT_AGENT_ID)) return { ok: true, agentId: DEFAULT_AGENT_ID, source: 'default' };

  return fail(
    'NO_FALLBACK_CONFIGURED',
    `no agent_id was given and no fallback agent is configured; pass agent_id, or ask the operator to ` +
      `define an agent named "${DEFAULT_AGENT_ID}" in ${RULES_FILE} or set GATEWAY_DEFAULT_AGENT`,
  );
}

// Own keys only: "constructor" or "__proto__" must not count as defined agents.
function isDefined(rules: PolicyRules, agentId: string): boolean {
  return Object.hasOwn(rules.agents, agentId);
}

/** An id as messages and audit lines show it: a hostile caller may send a huge one. */
export function truncate(id: string): string {
  return id.length <= MAX_ECHOED_ID_LENGTH ? id : `${id.slice(0, MAX_ECHOED_ID_LENGTH)}…`;
}

function fail(
  code: 'INVALID_AGENT_ID' | 'FALLBACK_AGENT_NOT_IN_RULES' | 'NO_FALLBACK_CONFIGURED',
  message: string,
  agentId?: string,
): AgentResolution {
  return {
    ok: false,
    error: new GatewayError(code, message, agentId === undefined ? {} : { agent_id: agentId }),
  };
}
