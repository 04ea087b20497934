import type { FSWatcher } from 'chokidar';
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../logger.ts';
import type { ConfigFileKind } from '../reload-tracker.ts';

/**
 * The files to watch and how they looked before they were first read. Taken *before* the start-up
 * load: a save made while the gateway is still starting (the load, chokidar's own start) is then
 * noticed once the watcher is ready, instead of going unseen until the next save.
 */
export interface WatchedFiles {
  /** Each config file, and the target of a symlinked one, with the kind it reloads. */
  files: ReadonlyMap<string, ConfigFileKind>;
  versions: ReadonlyMap<string, string>;
}

export function snapshotFiles(paths: Readonly<Record<ConfigFileKind, string>>): WatchedFiles {
  const files = new Map<string, ConfigFileKind>();
  for (const [kind, path] of Object.entries(paths) as [ConfigFileKind, string][]) {
    files.set(path, kind);
    // A symlinked file (dotfiles) is edited at its target: watch the target's folder too.
    const target = realPath(path);
    if (target !== path) files.set(target, kind);
  }
  return { files, versions: new Map([...files.keys()].map((file) => [file, fileVersion(file)])) };
}

export interface FileWatcherOptions {
  /** A burst of writes within this window gives one change (SPEC §12). */
  debounceMs: number;
  logger: Logger;
  onChange: (kind: ConfigFileKind) => void;
}

export interface FileWatcher {
  /**
   * Settles once the files are watched (or watching failed, which is logged): chokidar is loaded
   * and started in the background so that it costs nothing before the gateway's first answer.
   */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Each file is watched through its directory, so an editor's atomic save (write a temp file, rename
 * it over the original) is seen like an in-place write. Changes are debounced per kind of file.
 */
export function watchFiles(watched: WatchedFiles, options: FileWatcherOptions): FileWatcher {
  const { files, versions } = watched;
  const { logger } = options;
  let closed = false;
  const timers = new Map<ConfigFileKind, NodeJS.Timeout>();
  const schedule = (kind: ConfigFileKind): void => {
    clearTimeout(timers.get(kind));
    const timer = setTimeout(() => {
      timers.delete(kind);
      if (!closed) options.onChange(kind);
    }, options.debounceMs);
    timer.unref();
    timers.set(kind, timer);
  };

  const directories = [...new Set([...files.keys()].map((file) => dirname(file)))];
  const catchUp = () => {
    for (const [file, kind] of files) if (fileVersion(file) !== versions.get(file)) schedule(kind);
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
      watcher.on('error', (error) => logger.warn({ err: error }, 'config watcher error'));
      watcher.once('ready', () => {
        catchUp();
        markReady();
      });
      return watcher;
    },
    (error: unknown) => {
      logger.error({ err: error }, 'config files are not watched; SIGHUP still reloads them');
      return undefined;
    },
  );
  void started.then((watcher) => {
    if (!watcher) markReady();
  });

  return {
    ready,
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
