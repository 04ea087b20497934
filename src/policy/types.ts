/**
 * The rules as the policy engine sees them (SPEC §6). The rules file's zod schema in `config/`
 * must produce values assignable to `PolicyRules`; the engine itself never parses files.
 */

export interface RuleSet {
  servers?: readonly string[];
  /** Server glob → tool globs. */
  tools?: Readonly<Record<string, readonly string[]>>;
}

export interface AgentRules {
  allow?: RuleSet;
  deny?: RuleSet;
  /** Agent globs this agent, as a principal, may act as by passing `agent_id` (SPEC §13). */
  act_as?: readonly string[];
}

export interface PolicyDefaults {
  deny_on_missing_agent: boolean;
}

export interface PolicyRules {
  agents: Readonly<Record<string, AgentRules>>;
  defaults: PolicyDefaults;
}

/** Decisions are values (DESIGN rule 5): callers turn a deny into an error and an audit event. */
export interface Decision {
  effect: 'allow' | 'deny';
  /** The rule that decided, e.g. `agents.backend.deny.tools.postgres[0] ("drop_*")` or `implicit grant`. */
  rule: string;
}
