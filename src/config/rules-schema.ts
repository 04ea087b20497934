import { z } from 'zod';
import { AGENT_ID_PATTERN } from '../identity/resolve-agent.ts';

/** The shape of `.mcp-gateway-rules.json` (SPEC §6). The policy engine reads the result, never the file. */

const globList = z.array(z.string());

export const ruleSetSchema = z.object({
  servers: globList.optional(),
  /** Server glob → tool globs. */
  tools: z.record(z.string(), globList).optional(),
});

/** A bearer key's SHA-256, never the key itself (SPEC §13); `keygen` prints the line to paste. */
export const API_KEY_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

export const credentialsSchema = z.object({
  api_keys: z
    .array(
      z.string().regex(API_KEY_HASH_PATTERN, {
        // Never echo the value: an operator may have pasted the key itself by mistake.
        error:
          'expected "sha256:" and 64 lowercase hex digits (the line printed by keygen), never the key itself',
      }),
    )
    .default([]),
});

const positiveInteger = z.int().positive();

export const limitsSchema = z
  .object({
    calls_per_minute: positiveInteger.optional(),
    burst: positiveInteger.optional(),
    max_concurrent: positiveInteger.optional(),
  })
  .superRefine((limits, context) => {
    if (limits.burst !== undefined && limits.calls_per_minute === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['burst'],
        message: 'burst is extra capacity over calls_per_minute; set calls_per_minute too',
      });
    }
  });

export const agentRulesSchema = z.object({
  /** Free text for the humans who maintain the file; the policy ignores it. */
  description: z.string().optional(),
  allow: ruleSetSchema.optional(),
  deny: ruleSetSchema.optional(),
  credentials: credentialsSchema.optional(),
  /** Agent globs this principal may act as by passing `agent_id` (SPEC §13). */
  act_as: globList.optional(),
  limits: limitsSchema.optional(),
});

/** Asymmetric algorithms only: a JWKS publishes public keys, and `none` or HS* would let anyone mint tokens. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export const jwtAuthSchema = z
  .object({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwks_uri: z.url({ protocol: /^https?$/ }).optional(),
    /** Relative to the rules file's folder. */
    jwks_file: z.string().min(1).optional(),
    agent_claim: z.string().min(1).default('sub'),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['RS256', 'ES256']),
    /** Advertised in `WWW-Authenticate` (RFC 9728) so a client can find the authorization server. */
    resource_metadata: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((jwt, context) => {
    if ((jwt.jwks_uri === undefined) === (jwt.jwks_file === undefined)) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: 'set exactly one of "jwks_uri" and "jwks_file"',
      });
    }
  });

export const authSchema = z.object({
  jwt: jwtAuthSchema.optional(),
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

export const rulesFileSchema = z
  .object({
    $schema: z.string().optional(),
    // Optional for compatibility with files that only set defaults; with no agents, every agent gets nothing.
    agents: z.record(agentId, agentRulesSchema).default({}),
    defaults: policyDefaultsSchema.default({ deny_on_missing_agent: false }),
    auth: authSchema.optional(),
  })
  .superRefine((file, context) => {
    // One key must name one principal; the first owner is named, the hash never is.
    const owners = new Map<string, string>();
    for (const [id, agent] of Object.entries(file.agents)) {
      agent.credentials?.api_keys.forEach((hash, index) => {
        const owner = owners.get(hash);
        if (owner === undefined) owners.set(hash, id);
        else if (owner !== id) {
          context.addIssue({
            code: 'custom',
            path: ['agents', id, 'credentials', 'api_keys', index],
            message: `this key is already listed under agent "${owner}": a key must name one principal`,
          });
        }
      });
    }
  });

export type RulesFile = z.infer<typeof rulesFileSchema>;
