import type { PolicyRules } from '../policy/types.ts';

/**
 * SPEC §14: when true, every `/mcp` request needs a bearer credential. Its own module, so that
 * deciding it at start-up does not load jose (the authenticator's JWT side).
 */
export function credentialsConfigured(rules: PolicyRules): boolean {
  // An agent with a `credentials` key counts even with no keys: the operator asked for auth; fail closed.
  return (
    rules.auth?.jwt !== undefined ||
    Object.values(rules.agents).some((agent) => agent.credentials !== undefined)
  );
}
