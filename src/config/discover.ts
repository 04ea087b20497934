import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * SPEC §4 config discovery, for one file. The first that applies wins:
 * 1. the CLI flag, 2. the env variable (used even when the file is missing: the loader then reports
 * the path as missing, rather than silently picking another file), 3. `./<name>`,
 * 4. `~/.config/agent-mcp-gateway/<name>`, 5. `./config/<name>`.
 * A leading `~` in a flag or env value is the home folder, as most users expect even when no
 * shell expanded it (e.g. in an MCP client's JSON `env` block).
 *
 * When nothing is found (`source: 'none'`) the gateway cannot start, for either file: without servers
 * there is nothing to proxy, and without rules every agent gets nothing (SPEC §6). `configNotFoundMessage`
 * says so, lists every place looked in and points to `agent-mcp-gateway init`.
 */

export const SERVERS_FILE_NAME = '.mcp.json';
export const RULES_FILE_NAME = '.mcp-gateway-rules.json';

export type ConfigSource = 'flag' | 'env' | 'cwd' | 'user-config' | 'config-dir' | 'none';

export interface DiscoverOptions {
  flag?: string | undefined;
  envValue?: string | undefined;
  cwd: string;
  home: string;
  fileName: string;
}

export interface DiscoveredPath {
  /** Absolute. For `none`, the last place looked. */
  path: string;
  source: ConfigSource;
  /** Every path that discovery looked at, in order (for `flag`/`env`, just that one). */
  searched: string[];
}

/** `~/.config/agent-mcp-gateway`: where `init` writes and discovery's fourth place. */
export function userConfigDir(home: string): string {
  return join(home, '.config', 'agent-mcp-gateway');
}

export function discoverConfigPaths(options: DiscoverOptions): DiscoveredPath {
  const { cwd, home, fileName } = options;
  const explicit = (value: string | undefined): string | undefined =>
    value === undefined || value.trim() === '' ? undefined : resolve(cwd, expandHome(value, home));

  const fromFlag = explicit(options.flag);
  if (fromFlag !== undefined) return { path: fromFlag, source: 'flag', searched: [fromFlag] };
  const fromEnv = explicit(options.envValue);
  if (fromEnv !== undefined) return { path: fromEnv, source: 'env', searched: [fromEnv] };

  const candidates: [string, ConfigSource][] = [
    [resolve(cwd, fileName), 'cwd'],
    [resolve(userConfigDir(home), fileName), 'user-config'],
    [resolve(cwd, 'config', fileName), 'config-dir'],
  ];
  const searched: string[] = [];
  for (const [path, source] of candidates) {
    searched.push(path);
    if (existsSync(path)) return { path, source, searched };
  }
  return { path: searched[searched.length - 1] ?? resolve(cwd, fileName), source: 'none', searched };
}

export interface NotFoundOptions {
  /** `servers` → flag `--mcp-config`, env `GATEWAY_MCP_CONFIG`; `rules` → `--rules`, `GATEWAY_RULES`. */
  kind: 'servers' | 'rules';
  discovered: DiscoveredPath;
}

/**
 * The one-line fatal error for a config file that is not there. Use it when discovery found nothing,
 * and for a flag/env path whose file is missing (the loader's own error says the same, less helpfully).
 */
export function configNotFoundMessage({ kind, discovered }: NotFoundOptions): string {
  const what = kind === 'servers' ? `servers file (${SERVERS_FILE_NAME})` : `rules file (${RULES_FILE_NAME})`;
  const flag = kind === 'servers' ? '--mcp-config' : '--rules';
  const env = kind === 'servers' ? 'GATEWAY_MCP_CONFIG' : 'GATEWAY_RULES';
  switch (discovered.source) {
    case 'flag':
      return `${what} not found: ${discovered.path} (given by ${flag})`;
    case 'env':
      return `${what} not found: ${discovered.path} (given by ${env})`;
    case 'none':
    case 'cwd':
    case 'user-config':
    case 'config-dir':
      return (
        `no ${what} found; looked in ${discovered.searched.join(', ')}. ` +
        `Pass ${flag} PATH, set ${env}, or run "agent-mcp-gateway init" to write templates into ~/.config/agent-mcp-gateway/`
      );
  }
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return path;
}
