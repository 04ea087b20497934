import { existsSync } from 'node:fs';
import type { PolicyRules } from '../policy/types.ts';
import { findUnconfiguredServerReferences } from '../policy/engine.ts';
import {
  configNotFoundMessage,
  discoverConfigPaths,
  RULES_FILE_NAME,
  SERVERS_FILE_NAME,
  type DiscoveredPath,
} from './discover.ts';
import { configWarning } from './issues.ts';
import { loadRulesFile } from './load-rules.ts';
import { loadServersFile, missingVariablesAsErrors, type ServersConfig } from './load-servers.ts';
import { findSelfReferences, type SelfProcess } from './self-reference.ts';
import type { Environment } from './substitute.ts';
import type { ConfigIssue, LoadResult, ServerConfig } from './types.ts';

export interface ConfigLocations {
  servers: DiscoveredPath;
  rules: DiscoveredPath;
}

export interface LocateOptions {
  /** `--mcp-config` and `--rules`. */
  mcpConfigFlag: string | undefined;
  rulesFlag: string | undefined;
  /** `GATEWAY_MCP_CONFIG` and `GATEWAY_RULES`. */
  mcpConfigEnv: string | undefined;
  rulesEnv: string | undefined;
  cwd: string;
  home: string;
}

/** SPEC §4, for both files: each is found on its own. */
export function locateConfigFiles(input: LocateOptions): ConfigLocations {
  const { cwd, home } = input;
  return {
    servers: discoverConfigPaths({
      flag: input.mcpConfigFlag,
      envValue: input.mcpConfigEnv,
      cwd,
      home,
      fileName: SERVERS_FILE_NAME,
    }),
    rules: discoverConfigPaths({
      flag: input.rulesFlag,
      envValue: input.rulesEnv,
      cwd,
      home,
      fileName: RULES_FILE_NAME,
    }),
  };
}

/**
 * Loads the servers file as `serve` does: self-references are dropped with a warning (SPEC §4).
 * `strictVariables` is `validate`'s mode, where an unset `${VAR}` is an error (SPEC §5).
 */
export async function loadServers(
  location: DiscoveredPath,
  env: Environment,
  self: SelfProcess,
  strictVariables = false,
): Promise<LoadResult<ServersConfig>> {
  if (isMissing(location)) return notFound('servers', location);
  let result = await loadServersFile(location.path, env);
  if (strictVariables) result = missingVariablesAsErrors(result);
  if (!result.ok) return result;
  const references = findSelfReferences(result.value.servers, self, {
    file: location.path,
    rootKey: result.value.rootKey,
  });
  if (references.length === 0) return result;
  const refused = new Set(references.map((reference) => reference.server));
  return {
    ok: true,
    value: { ...result.value, servers: result.value.servers.filter((server) => !refused.has(server.name)) },
    warnings: [...result.warnings, ...references.map((reference) => reference.warning)],
  };
}

export async function loadRules(location: DiscoveredPath): Promise<LoadResult<PolicyRules>> {
  if (isMissing(location)) return notFound('rules', location);
  return loadRulesFile(location.path);
}

/**
 * Warnings about the rules that need the servers file or the environment too, so they are
 * recomputed whenever either file reloads: rules naming servers that are not configured (SPEC §6),
 * and a `GATEWAY_DEFAULT_AGENT` the rules cannot honour (SPEC §7). Warnings, not errors: the rules
 * may be fixed by a reload, and `GATEWAY_DEFAULT_AGENT` only matters to calls without `agent_id`,
 * which then fail with FALLBACK_AGENT_NOT_IN_RULES.
 */
export function crossFileWarnings(
  rules: PolicyRules,
  servers: readonly ServerConfig[],
  rulesFile: string,
  defaultAgent?: string,
): ConfigIssue[] {
  const warnings = findUnconfiguredServerReferences(
    rules,
    servers.map((server) => server.name),
  ).map((message) => configWarning(rulesFile, [], message, 'unconfigured_server'));
  if (defaultAgent === undefined) return warnings;
  if (rules.defaults.deny_on_missing_agent) {
    warnings.push(
      configWarning(
        rulesFile,
        ['defaults', 'deny_on_missing_agent'],
        `GATEWAY_DEFAULT_AGENT is set, but "deny_on_missing_agent": true refuses every call without agent_id before it is used`,
        'default_agent_unused',
      ),
    );
  } else if (!Object.hasOwn(rules.agents, defaultAgent)) {
    warnings.push(
      configWarning(
        rulesFile,
        ['agents'],
        `GATEWAY_DEFAULT_AGENT names agent ${JSON.stringify(defaultAgent)}, which the rules do not define: ` +
          'calls without agent_id fail with FALLBACK_AGENT_NOT_IN_RULES',
        'default_agent_not_in_rules',
      ),
    );
  }
  return warnings;
}

/** Nothing discovered, or a flag/env path with no file: the error then names the flag or variable. */
function isMissing(location: DiscoveredPath): boolean {
  return location.source === 'none' || !existsSync(location.path);
}

/**
 * No file is named as the issue's file: there is none, and printing a path in front of the message
 * would read as if that file were broken. The message says where discovery looked.
 */
function notFound<T>(kind: 'servers' | 'rules', location: DiscoveredPath): LoadResult<T> {
  return {
    ok: false,
    errors: [
      {
        severity: 'error',
        code: 'not_found',
        file: '',
        path: '',
        message: configNotFoundMessage({ kind, discovered: location }),
      },
    ],
    warnings: [],
  };
}
