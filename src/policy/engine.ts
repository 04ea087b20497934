/**
 * The policy engine of SPEC §6: pure functions from (rules, agent, server, tool) to a `Decision`.
 * `compilePolicy(rules)` once per loaded rules object, then its methods on every call (the hot
 * path); tests use the same API.
 *
 * Rules objects are treated as immutable: a hot reload produces a new object and so a new compilation.
 */

import { compileGlob, isWildcardPattern } from './glob.ts';
import {
  IMPLICIT_GRANT,
  NO_MATCHING_ALLOW_RULE,
  serverRulePath,
  toolRulePath,
  unknownAgentRule,
  type RuleKind,
} from './rule-path.ts';
import type { AgentRules, Decision, PolicyRules } from './types.ts';

export interface CompiledPolicy {
  readonly rules: PolicyRules;
  hasAgent(agentId: string): boolean;
  evaluateServerAccess(agentId: string, server: string): Decision;
  /** Applies server access first: a denied server denies every tool with the server's rule. */
  evaluateToolAccess(agentId: string, server: string, tool: string): Decision;
  /** The names the agent may access, in input order. */
  listAccessibleServers(agentId: string, serverNames: readonly string[]): string[];
}

interface CompiledRule {
  matches: (name: string) => boolean;
  decision: Decision;
}

interface CompiledToolKey {
  matchesServer: (server: string) => boolean;
  rules: readonly { pattern: string; decision: Decision }[];
}

/** The tool globs that apply on one server, sorted into the four precedence classes of §6. */
interface ToolRuleSet {
  explicitDeny: ReadonlyMap<string, Decision>;
  wildcardDeny: readonly CompiledRule[];
  explicitAllow: ReadonlyMap<string, Decision>;
  wildcardAllow: readonly CompiledRule[];
  implicitGrant: boolean;
}

interface ServerEntry {
  decision: Decision;
  /** Gathered lazily, and only for an accessible server. */
  tools?: ToolRuleSet;
}

// Server names come from callers (policy is checked before existence, SPEC §9), so the memo is bounded.
const SERVER_MEMO_LIMIT = 1000;

const IMPLICIT_GRANT_DECISION = decision('allow', IMPLICIT_GRANT);
const NO_MATCH_DECISION = decision('deny', NO_MATCHING_ALLOW_RULE);

function decision(effect: Decision['effect'], rule: string): Decision {
  return Object.freeze({ effect, rule });
}

class CompiledAgent {
  readonly #denyServers: readonly CompiledRule[];
  readonly #allowServers: readonly CompiledRule[];
  readonly #denyTools: readonly CompiledToolKey[];
  readonly #allowTools: readonly CompiledToolKey[];
  readonly #memo = new Map<string, ServerEntry>();

  constructor(agentId: string, rules: AgentRules) {
    const servers = (kind: RuleKind): CompiledRule[] =>
      (rules[kind]?.servers ?? []).map((pattern, index) => ({
        matches: compileGlob(pattern),
        decision: decision(kind, serverRulePath(agentId, kind, index, pattern)),
      }));
    const tools = (kind: RuleKind): CompiledToolKey[] =>
      Object.entries(rules[kind]?.tools ?? {}).map(([key, patterns]) => ({
        matchesServer: compileGlob(key),
        rules: patterns.map((pattern, index) => ({
          pattern,
          decision: decision(kind, toolRulePath(agentId, kind, key, index, pattern)),
        })),
      }));
    this.#denyServers = servers('deny');
    this.#allowServers = servers('allow');
    this.#denyTools = tools('deny');
    this.#allowTools = tools('allow');
  }

  serverAccess(server: string): Decision {
    return this.#entry(server).decision;
  }

  toolAccess(server: string, tool: string): Decision {
    const entry = this.#entry(server);
    if (entry.decision.effect === 'deny') return entry.decision;
    entry.tools ??= this.#gatherToolRules(server);
    const set = entry.tools;
    const explicitDeny = set.explicitDeny.get(tool);
    if (explicitDeny !== undefined) return explicitDeny;
    for (const rule of set.wildcardDeny) if (rule.matches(tool)) return rule.decision;
    const explicitAllow = set.explicitAllow.get(tool);
    if (explicitAllow !== undefined) return explicitAllow;
    for (const rule of set.wildcardAllow) if (rule.matches(tool)) return rule.decision;
    return set.implicitGrant ? IMPLICIT_GRANT_DECISION : NO_MATCH_DECISION;
  }

  #entry(server: string): ServerEntry {
    let entry = this.#memo.get(server);
    if (entry === undefined) {
      entry = { decision: this.#decideServer(server) };
      if (this.#memo.size >= SERVER_MEMO_LIMIT) this.#memo.clear();
      this.#memo.set(server, entry);
    }
    return entry;
  }

  #decideServer(server: string): Decision {
    for (const rule of this.#denyServers) if (rule.matches(server)) return rule.decision;
    for (const rule of this.#allowServers) if (rule.matches(server)) return rule.decision;
    return NO_MATCH_DECISION;
  }

  #gatherToolRules(server: string): ToolRuleSet {
    const explicitDeny = new Map<string, Decision>();
    const wildcardDeny: CompiledRule[] = [];
    const explicitAllow = new Map<string, Decision>();
    const wildcardAllow: CompiledRule[] = [];
    const sort = (
      keys: readonly CompiledToolKey[],
      explicit: Map<string, Decision>,
      wild: CompiledRule[],
    ) => {
      let nonEmptyListMatched = false;
      for (const key of keys) {
        if (!key.matchesServer(server)) continue;
        if (key.rules.length > 0) nonEmptyListMatched = true;
        for (const { pattern, decision: d } of key.rules) {
          if (isWildcardPattern(pattern)) wild.push({ matches: compileGlob(pattern), decision: d });
          // The first rule in file order names the decision, as a linear scan would.
          else if (!explicit.has(pattern)) explicit.set(pattern, d);
        }
      }
      return nonEmptyListMatched;
    };
    sort(this.#denyTools, explicitDeny, wildcardDeny);
    const allowListMatched = sort(this.#allowTools, explicitAllow, wildcardAllow);
    return { explicitDeny, wildcardDeny, explicitAllow, wildcardAllow, implicitGrant: !allowListMatched };
  }
}

class Policy implements CompiledPolicy {
  readonly rules: PolicyRules;
  readonly #agents = new Map<string, CompiledAgent>();

  constructor(rules: PolicyRules) {
    this.rules = rules;
    // Object.entries sees own keys only, so ids like "constructor" never resolve to prototype members.
    for (const [agentId, agentRules] of Object.entries(rules.agents)) {
      this.#agents.set(agentId, new CompiledAgent(agentId, agentRules));
    }
  }

  hasAgent(agentId: string): boolean {
    return this.#agents.has(agentId);
  }

  evaluateServerAccess(agentId: string, server: string): Decision {
    const agent = this.#agents.get(agentId);
    return agent === undefined ? decision('deny', unknownAgentRule(agentId)) : agent.serverAccess(server);
  }

  evaluateToolAccess(agentId: string, server: string, tool: string): Decision {
    const agent = this.#agents.get(agentId);
    return agent === undefined ? decision('deny', unknownAgentRule(agentId)) : agent.toolAccess(server, tool);
  }

  listAccessibleServers(agentId: string, serverNames: readonly string[]): string[] {
    const agent = this.#agents.get(agentId);
    if (agent === undefined) return [];
    return serverNames.filter((server) => agent.serverAccess(server).effect === 'allow');
  }
}

const compiled = new WeakMap<PolicyRules, CompiledPolicy>();

/** The compiled form of `rules`; the same rules object always yields the same compilation. */
export function compilePolicy(rules: PolicyRules): CompiledPolicy {
  let policy = compiled.get(rules);
  if (policy === undefined) {
    policy = new Policy(rules);
    compiled.set(rules, policy);
  }
  return policy;
}

/**
 * Warnings (never errors, SPEC §6) for explicit server names in the rules that the servers file does
 * not configure: in `allow/deny.servers` and as `allow/deny.tools` keys. One warning per agent and
 * server. Wildcards are not checked: matching nothing today is legitimate.
 */
export function findUnconfiguredServerReferences(
  rules: PolicyRules,
  configuredServerNames: Iterable<string>,
): string[] {
  const configured = new Set(configuredServerNames);
  const warnings: string[] = [];
  for (const [agentId, agentRules] of Object.entries(rules.agents)) {
    const named = new Set<string>();
    for (const kind of ['allow', 'deny'] as const) {
      for (const server of agentRules[kind]?.servers ?? []) named.add(server);
      for (const server of Object.keys(agentRules[kind]?.tools ?? {})) named.add(server);
    }
    for (const server of named) {
      if (isWildcardPattern(server) || configured.has(server)) continue;
      warnings.push(
        `agent ${JSON.stringify(agentId)} names server ${JSON.stringify(server)}, which is not configured`,
      );
    }
  }
  return warnings;
}
