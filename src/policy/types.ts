/**
 * The rules as the policy engine sees them (SPEC §6). The rules file's zod schema in `config/`
 * must produce values assignable to `PolicyRules`; the engine itself never parses files.
 */

export interface RuleSet {
  servers?: readonly string[];
  /** Server glob → tool globs. */
  tools?: Readonly<Record<string, readonly string[]>>;
}

/** Per-agent limits (SPEC §15); each absent one is unlimited. */
export interface AgentLimits {
  calls_per_minute?: number;
  /** Extra calls over `calls_per_minute`, drawn from a reserve (see `limits/`). */
  burst?: number;
  max_concurrent?: number;
}

export interface AgentRules {
  allow?: RuleSet;
  deny?: RuleSet;
  /** SPEC §13: `sha256:<hex>` hashes of this principal's bearer keys, never the keys. */
  credentials?: { api_keys: readonly string[] };
  /** SPEC §13: agent globs this principal may act as by passing `agent_id`. */
  act_as?: readonly string[];
  limits?: AgentLimits;
}

/** SPEC §13 `auth.jwt`: how a bearer JWT names its principal. */
export interface JwtAuthRules {
  issuer: string;
  audience: string | readonly string[];
  /** Exactly one of `jwks_uri` and `jwks_file` is set; `jwks_file` is an absolute path once loaded. */
  jwks_uri?: string;
  jwks_file?: string;
  agent_claim: string;
  algorithms: readonly string[];
  resource_metadata?: string;
}

export interface PolicyDefaults {
  deny_on_missing_agent: boolean;
}

export interface PolicyRules {
  agents: Readonly<Record<string, AgentRules>>;
  defaults: PolicyDefaults;
  auth?: { jwt?: JwtAuthRules };
}

/** Decisions are values (DESIGN rule 5): callers turn a deny into an error and an audit event. */
export interface Decision {
  effect: 'allow' | 'deny';
  /** The rule that decided, e.g. `agents.backend.deny.tools.postgres[0] ("drop_*")` or `implicit grant`. */
  rule: string;
}
