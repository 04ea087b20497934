/**
 * The `rule` strings of SPEC §6: a JSON-path-like location in the rules file plus the pattern, e.g.
 * `agents.backend.deny.tools.postgres[0] ("drop_*")`. A segment that is not a plain identifier
 * (`team.role`, `*`, `db-*`…) is written as `["…"]` so the path never reads ambiguously; the pattern
 * is JSON-quoted for the same reason.
 */

export type RuleKind = 'allow' | 'deny';

export const IMPLICIT_GRANT = 'implicit grant';
export const NO_MATCHING_ALLOW_RULE = 'no matching allow rule';

const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

export function pathSegment(key: string): string {
  return PLAIN_SEGMENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function serverRulePath(agentId: string, kind: RuleKind, index: number, pattern: string): string {
  return `agents${pathSegment(agentId)}.${kind}.servers[${index}] (${JSON.stringify(pattern)})`;
}

export function toolRulePath(
  agentId: string,
  kind: RuleKind,
  serverKey: string,
  index: number,
  pattern: string,
): string {
  return `agents${pathSegment(agentId)}.${kind}.tools${pathSegment(serverKey)}[${index}] (${JSON.stringify(pattern)})`;
}

export function unknownAgentRule(agentId: string): string {
  return `agent ${JSON.stringify(agentId)} is not defined in the rules`;
}
