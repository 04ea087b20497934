import type { ConfigIssue } from './config/types.ts';

/** One file's reload history as `get_gateway_status.reload_status` shows it (SPEC §8). */
export interface FileReloadStatus {
  last_attempt: string | null;
  last_success: string | null;
  last_error: string | null;
  attempt_count: number;
  success_count: number;
  last_warnings: string[];
}

export type ConfigFileKind = 'mcp_config' | 'gateway_rules';

/** Counts load attempts of both files; the start-up load is the first attempt of each. */
export class ReloadTracker {
  readonly #status: Record<ConfigFileKind, FileReloadStatus> = {
    mcp_config: emptyStatus(),
    gateway_rules: emptyStatus(),
  };

  succeeded(kind: ConfigFileKind, warnings: readonly ConfigIssue[]): void {
    const now = new Date().toISOString();
    const status = this.#status[kind];
    status.last_attempt = now;
    status.last_success = now;
    status.last_error = null;
    status.attempt_count += 1;
    status.success_count += 1;
    status.last_warnings = warnings.map(formatIssue);
  }

  failed(kind: ConfigFileKind, errors: readonly ConfigIssue[], warnings: readonly ConfigIssue[]): void {
    const status = this.#status[kind];
    status.last_attempt = new Date().toISOString();
    status.last_error = errors.map(formatIssue).join('; ');
    status.attempt_count += 1;
    status.last_warnings = warnings.map(formatIssue);
  }

  /**
   * Replaces a file's warnings without counting a load: the rules' warnings about servers that
   * are not configured change when the servers file does.
   */
  replaceWarnings(kind: ConfigFileKind, warnings: readonly ConfigIssue[]): void {
    this.#status[kind].last_warnings = warnings.map(formatIssue);
  }

  snapshot(): Record<ConfigFileKind, FileReloadStatus> {
    return structuredClone(this.#status);
  }
}

/**
 * `file: path: message`, the one format for config problems on stderr and in status. An issue of no
 * file (none found, the environment) is its message alone.
 */
export function formatIssue(issue: ConfigIssue): string {
  return [issue.file, issue.path, issue.message].filter((part) => part !== '').join(': ');
}

function emptyStatus(): FileReloadStatus {
  return {
    last_attempt: null,
    last_success: null,
    last_error: null,
    attempt_count: 0,
    success_count: 0,
    last_warnings: [],
  };
}
