import { existsSync } from 'node:fs';
import {
  configNotFoundMessage,
  discoverConfigPaths,
  RULES_FILE_NAME,
  SERVERS_FILE_NAME,
  type DiscoveredPath,
} from '../config/discover.ts';
import { loadRulesFile } from '../config/load-rules.ts';
import { loadServersFile, missingVariablesAsErrors, type ServersConfig } from '../config/load-servers.ts';
import { findSelfReferences, type SelfProcess } from '../config/self-reference.ts';
import type { ConfigIssue, LoadResult, ServerConfig } from '../config/types.ts';
import { findUnconfiguredServerReferences } from '../policy/engine.ts';
import type { PolicyRules } from '../policy/types.ts';

export interface ConfigLocations {
  servers: DiscoveredPath;
  rules: DiscoveredPath;
}

export function locateConfigFiles(input: {
  mcpConfigFlag: string | undefined;
  rulesFlag: string | undefined;
  mcpConfigEnv: string | undefined;
  rulesEnv: string | undefined;
  cwd: string;
  home: string;
}): ConfigLocations {
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
  env: Readonly<Record<string, string | undefined>>,
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

/** Rules naming servers the servers file lacks: warnings, never errors (SPEC §6). */
export function crossFileWarnings(
  rules: PolicyRules,
  servers: readonly ServerConfig[],
  rulesFile: string,
): ConfigIssue[] {
  return findUnconfiguredServerReferences(
    rules,
    servers.map((server) => server.name),
  ).map((message) => ({ severity: 'warning', file: rulesFile, path: '', message }));
}

/** Nothing discovered, or a flag/env path with no file: the error then names the flag or variable. */
function isMissing(location: DiscoveredPath): boolean {
  return location.source === 'none' || !existsSync(location.path);
}

function notFound<T>(kind: 'servers' | 'rules', location: DiscoveredPath): LoadResult<T> {
  return {
    ok: false,
    errors: [
      {
        severity: 'error',
        file: location.path,
        path: '',
        message: configNotFoundMessage({ kind, discovered: location }),
      },
    ],
    warnings: [],
  };
}
