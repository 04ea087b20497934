import { z } from 'zod';
import { AGENT_ID_PATTERN } from '../identity/resolve-agent.ts';

/** The shape of `.mcp-gateway-rules.json` (SPEC §6). The policy engine reads the result, never the file. */

const globList = z.array(z.string());

export const ruleSetSchema = z.object({
  servers: globList.optional(),
  /** Server glob → tool globs. */
  tools: z.record(z.string(), globList).optional(),
});

export const agentRulesSchema = z.object({
  /** Free text for the humans who maintain the file; the policy ignores it. */
  description: z.string().optional(),
  allow: ruleSetSchema.optional(),
  deny: ruleSetSchema.optional(),
});

export const policyDefaultsSchema = z.object({
  deny_on_missing_agent: z.boolean().default(false),
});

const agentId = z
  .string()
  .regex(AGENT_ID_PATTERN, {
    error: `invalid agent id: use only letters, digits, "_", "." and "-" (${AGENT_ID_PATTERN.source})`,
  })
  // A plain object cannot hold this key: zod would silently drop the agent.
  .refine((id) => id !== '__proto__', { error: 'the agent id "__proto__" is reserved' });

export const rulesFileSchema = z.object({
  $schema: z.string().optional(),
  // Optional for compatibility with files that only set defaults; with no agents, every agent gets nothing.
  agents: z.record(agentId, agentRulesSchema).default({}),
  defaults: policyDefaultsSchema.default({ deny_on_missing_agent: false }),
});

export type RulesFile = z.infer<typeof rulesFileSchema>;
