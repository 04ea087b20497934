import type { FSWatcher } from 'chokidar';
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SelfProcess } from '../config/self-reference.ts';
import type { ConfigIssue, ServerConfig } from '../config/types.ts';
import type { Logger } from '../logger.ts';
import type { PolicyRules } from '../policy/types.ts';
import { formatIssue, type ConfigFileKind, type ReloadTracker } from '../reload-tracker.ts';
import { crossFileWarnings, loadRules, loadServers, type ConfigLocations } from './load-config.ts';

export interface WatchConfigOptions {
  locations: ConfigLocations;
  env: Readonly<Record<string, string | undefined>>;
  self: SelfProcess;
  logger: Logger;
  reloads: ReloadTracker;
  /** The servers in force at start-up, for the rules' cross-file warnings until the first reload. */
  initialServers: readonly ServerConfig[];
  /** The rules in force at start-up and their own warnings, for the same warnings. */
  initialRules: { rules: PolicyRules; warnings: readonly ConfigIssue[] };
  onServers: (servers: readonly ServerConfig[]) => void;
  onRules: (rules: PolicyRules) => void;
  /** A burst of writes within this window gives one reload (SPEC §12). */
  debounceMs?: number;
}

export interface ConfigWatcher {
  /** Reloads both files now, as SIGHUP does; each counts as an attempt even if nothing changed. */
  reloadNow(): void;
  /**
   * Settles once the files are watched (or watching failed, which is logged): chokidar is loaded
   * and started in the background so that it costs nothing before the gateway's first answer.
   */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Hot reload (SPEC §12). Each file is watched through its directory, so an editor's atomic save
 * (write a temp file, rename it over the original) is seen like an in-place write. Each file
 * reloads on its own; an invalid file keeps the last good config in force and is reported.
 */
export function watchConfig(options: WatchConfigOptions): ConfigWatcher {
  const { locations, logger, reloads } = options;
  const debounceMs = options.debounceMs ?? 250;
  let servers: readonly ServerConfig[] = options.initialServers;
  let rules: PolicyRules = options.initialRules.rules;
  /** The rules file's own warnings; those about unconfigured servers are recomputed with servers. */
  let rulesFileWarnings: readonly ConfigIssue[] = options.initialRules.warnings;
  const rulesWarnings = () => [
    ...rulesFileWarnings,
    ...crossFileWarnings(rules, servers, locations.rules.path),
  ];
  let closed = false;
  const timers = new Map<ConfigFileKind, NodeJS.Timeout>();
  /** Reloads of one file run one at a time, so a slow read cannot overtake a newer one. */
  const queues: Record<ConfigFileKind, Promise<void>> = {
    mcp_config: Promise.resolve(),
    gateway_rules: Promise.resolve(),
  };

  async function reloadServers(): Promise<void> {
    const result = await loadServers(locations.servers, options.env, options.self);
    if (closed) return;
    if (!result.ok) {
      reloads.failed('mcp_config', result.errors, result.warnings);
      for (const error of result.errors)
        logger.error(`reload rejected, last good servers file kept: ${formatIssue(error)}`);
      return;
    }
    servers = result.value.servers;
    reloads.succeeded('mcp_config', result.warnings);
    reloads.replaceWarnings('gateway_rules', rulesWarnings());
    options.onServers(servers);
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
    rules = result.value;
    rulesFileWarnings = result.warnings;
    const warnings = rulesWarnings();
    reloads.succeeded('gateway_rules', warnings);
    for (const warning of warnings) logger.warn(formatIssue(warning));
    options.onRules(rules);
    logger.info({ agents: Object.keys(rules.agents).length }, 'rules reloaded');
  }

  function enqueue(kind: ConfigFileKind): void {
    const run = kind === 'mcp_config' ? reloadServers : reloadRules;
    queues[kind] = queues[kind]
      .then(run)
      .catch((error: unknown) => logger.error({ err: String(error) }, 'reload failed'));
  }

  function schedule(kind: ConfigFileKind): void {
    clearTimeout(timers.get(kind));
    const timer = setTimeout(() => {
      timers.delete(kind);
      enqueue(kind);
    }, debounceMs);
    timer.unref();
    timers.set(kind, timer);
  }

  const files = new Map<string, ConfigFileKind>();
  for (const [path, kind] of [
    [locations.servers.path, 'mcp_config'],
    [locations.rules.path, 'gateway_rules'],
  ] as const) {
    files.set(path, kind);
    // A symlinked file (dotfiles) is edited at its target: watch the target's folder too.
    const target = realPath(path);
    if (target !== path) files.set(target, kind);
  }
  const directories = [...new Set([...files.keys()].map((file) => dirname(file)))];
  // A save between now and the watcher being ready would go unseen: compared once it is ready.
  const before = new Map([...files.keys()].map((file) => [file, fileVersion(file)]));
  const catchUp = () => {
    for (const [file, kind] of files) if (fileVersion(file) !== before.get(file)) schedule(kind);
  };
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const started = import('chokidar').then(
    ({ watch }) => {
      if (closed) return undefined;
      const watcher: FSWatcher = watch(directories, {
        ignoreInitial: true,
        depth: 0,
        ignored: (path: string) => !directories.includes(path) && !files.has(path),
      });
      watcher.on('all', (_event, path) => {
        const kind = files.get(path);
        if (kind) schedule(kind);
      });
      watcher.on('error', (error) => logger.warn({ err: String(error) }, 'config watcher error'));
      watcher.once('ready', () => {
        catchUp();
        markReady();
      });
      return watcher;
    },
    (error: unknown) => {
      logger.error({ err: String(error) }, 'config files are not watched; SIGHUP still reloads them');
      return undefined;
    },
  );
  void started.then((watcher) => {
    if (!watcher) markReady();
  });

  return {
    ready,
    reloadNow() {
      logger.info('SIGHUP: reloading both config files');
      enqueue('mcp_config');
      enqueue('gateway_rules');
    },
    async close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      await (await started)?.close();
      markReady();
    },
  };
}

/** What tells one save of a file from another: modification time and size (`missing` if none). */
function fileVersion(path: string): string {
  try {
    const stats = statSync(path);
    return `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return 'missing';
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
