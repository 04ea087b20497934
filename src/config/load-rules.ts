import { dirname, resolve } from 'node:path';
import type { AgentRules, PolicyRules, RuleSet } from '../policy/types.ts';
import { configError, configWarning, fromZodIssues, isPlainObject, unknownKeyWarnings } from './issues.ts';
import { parseJson } from './parse-json.ts';
import { readConfigFile } from './read-config-file.ts';
import { rulesFileSchema, type RulesFile } from './rules-schema.ts';
import type { ConfigIssue, LoadResult } from './types.ts';

/**
 * Parses and validates a rules file (SPEC §6). Pure. Warnings about rules that name servers the
 * servers file lacks need both files and are computed by the caller.
 */
export function parseRulesConfig(text: string, file: string): LoadResult<PolicyRules> {
  const parsed = parseJson(text, file);
  if (!parsed.ok) return { ok: false, errors: [parsed.issue], warnings: [] };
  if (!isPlainObject(parsed.value)) {
    return {
      ok: false,
      errors: [configError(file, [], 'expected a JSON object with an "agents" key')],
      warnings: [],
    };
  }

  const warnings: ConfigIssue[] = unknownKeyWarnings(rulesFileSchema, parsed.value, file);
  const result = rulesFileSchema.safeParse(parsed.value);
  if (!result.success) return { ok: false, errors: fromZodIssues(result.error.issues, file), warnings };
  if (Object.keys(result.data.agents).length === 0) {
    warnings.push(
      configWarning(file, ['agents'], 'no agents are defined: every call will be refused', 'no_agents'),
    );
  }
  return { ok: true, value: toPolicyRules(result.data, file), warnings };
}

/** Reads and parses a rules file; a missing or unreadable file is an error naming the path. */
export async function loadRulesFile(path: string): Promise<LoadResult<PolicyRules>> {
  const read = await readConfigFile(path, 'rules file');
  if (!read.ok) return { ok: false, errors: [read.issue], warnings: [] };
  return parseRulesConfig(read.text, path);
}

// Copies only what the engine reads, so `description` and `$schema` never reach the policy.
function toPolicyRules(file: RulesFile, path: string): PolicyRules {
  // No prototype: an agent_id such as `constructor` must find nothing, whatever lookup the engine uses.
  const agents: Record<string, AgentRules> = Object.create(null) as Record<string, AgentRules>;
  for (const [id, rules] of Object.entries(file.agents)) {
    agents[id] = {
      ...(rules.allow !== undefined && { allow: toRuleSet(rules.allow) }),
      ...(rules.deny !== undefined && { deny: toRuleSet(rules.deny) }),
      ...principalFields(rules),
    };
  }
  return {
    agents,
    defaults: { deny_on_missing_agent: file.defaults.deny_on_missing_agent },
    ...authFields(file, path),
  };
}

function toRuleSet(rules: RuleSet): RuleSet {
  return {
    ...(rules.servers !== undefined && { servers: rules.servers }),
    ...(rules.tools !== undefined && { tools: rules.tools }),
  };
}

// SPEC §13, §15: credentials, act_as and limits reach the authenticator, identity and limiter.
function principalFields(rules: RulesFile['agents'][string]): AgentRules {
  return {
    ...(rules.credentials !== undefined && { credentials: { api_keys: rules.credentials.api_keys } }),
    ...(rules.act_as !== undefined && { act_as: rules.act_as }),
    ...(rules.limits !== undefined && { limits: rules.limits }),
  };
}

// A relative `jwks_file` is read from the rules file's folder, wherever the gateway was started.
function authFields(file: RulesFile, path: string): Pick<PolicyRules, 'auth'> {
  const jwt = file.auth?.jwt;
  if (jwt === undefined) return file.auth === undefined ? {} : { auth: {} };
  const { jwks_file, ...rest } = jwt;
  return {
    auth: {
      jwt: { ...rest, ...(jwks_file !== undefined && { jwks_file: resolve(dirname(path), jwks_file) }) },
    },
  };
}
