import type { Logger } from '../logger.ts';
import type { PolicyRules } from '../policy/types.ts';
import { formatIssue, ReloadTracker, type ConfigFileKind } from '../reload-tracker.ts';
import {
  crossFileWarnings,
  loadRules,
  loadServers,
  locateConfigFiles,
  type ConfigLocations,
} from './load-config.ts';
import type { SelfProcess } from './self-reference.ts';
import type { Environment } from './substitute.ts';
import type { ConfigIssue, ServerConfig } from './types.ts';
import { snapshotFiles, watchFiles, type FileWatcher } from './watch-files.ts';

/**
 * The one place that locates (SPEC §4), loads, cross-checks, tracks and watches (SPEC §12) both
 * config files. `serve` and `validate` open it the same way, so `validate` reports exactly what
 * `serve` would act on; the gateway and any other front end subscribe to its changes.
 */

export interface ConfigSourceOptions {
  /** `--mcp-config` and `--rules`. */
  flags: { mcpConfig: string | undefined; rules: string | undefined };
  /** As `readEnvOptions` read them: `GATEWAY_MCP_CONFIG`, `GATEWAY_RULES`, `GATEWAY_DEFAULT_AGENT`. */
  environment: { mcpConfig: string | undefined; rules: string | undefined; defaultAgent: string | undefined };
  /** What `${VAR}` references read. */
  variables: Environment;
  cwd: string;
  home: string;
  /** The running gateway's command line, to refuse entries that would start it (SPEC §4). */
  self: SelfProcess;
  logger: Logger;
  /** `validate`: an unset `${VAR}` is an error (SPEC §5). */
  strictVariables?: boolean;
  /** `serve`: watch both files and reload them on change; without it only `reloadNow` reloads. */
  watch?: boolean;
  /** A burst of writes within this window gives one reload (SPEC §12). */
  debounceMs?: number;
}

export interface ConfigSnapshot {
  /** Enabled servers in config order, self-references removed. */
  servers: readonly ServerConfig[];
  rules: PolicyRules;
}

/** A reload that took effect: in-flight work keeps what it started with (SPEC §12). */
export type ConfigChange =
  { kind: 'servers'; servers: readonly ServerConfig[] } | { kind: 'rules'; rules: PolicyRules };

export interface ConfigSource {
  readonly locations: ConfigLocations;
  /** The resolved paths, as `get_gateway_status.config_paths` shows them. */
  readonly paths: { mcp_config: string; gateway_rules: string };
  /** Load attempts of both files; the start-up load is the first of each. */
  readonly reloads: ReloadTracker;
  current(): ConfigSnapshot;
  /** Called after every reload that took effect; returns the unsubscribe function. */
  subscribe(listener: (change: ConfigChange) => void): () => void;
  /** Reloads both files now, as SIGHUP does; each counts as an attempt even if nothing changed. */
  reloadNow(): void;
  /** Settles once the files are watched (at once without `watch`); see `FileWatcher.ready`. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export type OpenedConfig =
  | { ok: true; source: ConfigSource; warnings: ConfigIssue[] }
  | { ok: false; locations: ConfigLocations; errors: ConfigIssue[]; warnings: ConfigIssue[] };

/** Locates and loads both files; on success the source is open (and watching, with `watch`). */
export async function openConfigSource(options: ConfigSourceOptions): Promise<OpenedConfig> {
  const locations = locateConfigFiles({
    mcpConfigFlag: options.flags.mcpConfig,
    rulesFlag: options.flags.rules,
    mcpConfigEnv: options.environment.mcpConfig,
    rulesEnv: options.environment.rules,
    cwd: options.cwd,
    home: options.home,
  });
  const paths = { mcp_config: locations.servers.path, gateway_rules: locations.rules.path };
  const watched = options.watch ? snapshotFiles(paths) : undefined;
  const [servers, rules] = await Promise.all([
    loadServers(locations.servers, options.variables, options.self, options.strictVariables),
    loadRules(locations.rules),
  ]);
  if (!servers.ok || !rules.ok) {
    return {
      ok: false,
      locations,
      errors: [...(servers.ok ? [] : servers.errors), ...(rules.ok ? [] : rules.errors)],
      warnings: [...servers.warnings, ...rules.warnings],
    };
  }
  const state = {
    servers: servers.value.servers as readonly ServerConfig[],
    rules: rules.value,
    /** The rules file's own warnings; the cross-file ones are recomputed with every reload. */
    rulesFileWarnings: rules.warnings as readonly ConfigIssue[],
  };
  const rulesWarnings = (): ConfigIssue[] => [
    ...state.rulesFileWarnings,
    ...crossFileWarnings(state.rules, state.servers, paths.gateway_rules, options.environment.defaultAgent),
  ];
  const reloads = new ReloadTracker();
  reloads.succeeded('mcp_config', servers.warnings);
  reloads.succeeded('gateway_rules', rulesWarnings());
  const { logger } = options;
  const listeners = new Set<(change: ConfigChange) => void>();
  let closed = false;

  const emit = (change: ConfigChange): void => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        logger.error({ err: error }, `applying a reloaded ${change.kind} config failed`);
      }
    }
  };

  async function reloadServers(): Promise<void> {
    const result = await loadServers(locations.servers, options.variables, options.self);
    if (closed) return;
    if (!result.ok) {
      reloads.failed('mcp_config', result.errors, result.warnings);
      for (const error of result.errors)
        logger.error(`reload rejected, last good servers file kept: ${formatIssue(error)}`);
      return;
    }
    state.servers = result.value.servers;
    reloads.succeeded('mcp_config', result.warnings);
    reloads.replaceWarnings('gateway_rules', rulesWarnings());
    emit({ kind: 'servers', servers: state.servers });
  }

  async function reloadRules(): Promise<void> {
    const result = await loadRules(locations.rules);
    if (closed) return;
    if (!result.ok) {
      reloads.failed('gateway_rules', result.errors, result.warnings);
      for (const error of result.errors)
        logger.error(`reload rejected, last good rules file kept: ${formatIssue(error)}`);
      return;
    }
    state.rules = result.value;
    state.rulesFileWarnings = result.warnings;
    const warnings = rulesWarnings();
    reloads.succeeded('gateway_rules', warnings);
    for (const warning of warnings) logger.warn(formatIssue(warning));
    emit({ kind: 'rules', rules: state.rules });
    logger.info({ agents: Object.keys(state.rules.agents).length }, 'rules reloaded');
  }

  /** Reloads of one file run one at a time, so a slow read cannot overtake a newer one. */
  const queues: Record<ConfigFileKind, Promise<void>> = {
    mcp_config: Promise.resolve(),
    gateway_rules: Promise.resolve(),
  };
  const enqueue = (kind: ConfigFileKind): void => {
    if (closed) return;
    const run = kind === 'mcp_config' ? reloadServers : reloadRules;
    queues[kind] = queues[kind]
      .then(run)
      .catch((error: unknown) => logger.error({ err: error }, 'reload failed'));
  };

  const watcher: FileWatcher | undefined =
    watched && watchFiles(watched, { debounceMs: options.debounceMs ?? 250, logger, onChange: enqueue });

  const source: ConfigSource = {
    locations,
    paths,
    reloads,
    ready: watcher?.ready ?? Promise.resolve(),
    current: () => ({ servers: state.servers, rules: state.rules }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reloadNow() {
      logger.info('SIGHUP: reloading both config files');
      enqueue('mcp_config');
      enqueue('gateway_rules');
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await watcher?.close();
      await Promise.all(Object.values(queues));
    },
  };
  return { ok: true, source, warnings: [...servers.warnings, ...rulesWarnings()] };
}
