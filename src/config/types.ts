import type { ConfigIssueCode } from './issue-codes.ts';

/**
 * The servers file after substitution, validation and normalisation (SPEC §5). Everything
 * downstream of `config/` works with these types, never with raw JSON.
 */

interface CommonServerConfig {
  /** The key under `mcpServers` / `servers`. */
  name: string;
  description?: string;
  /** Default tool-call timeout for this server (SPEC §5, default 60000). */
  timeoutMs: number;
  /** How long `initialize` may take (SPEC §12); absent means 30000. */
  connectTimeoutMs?: number;
  /** Text of a tool result beyond this many characters is cut with a notice; absent means no limit. */
  maxOutputChars?: number;
  /**
   * Set when the server cannot be used as configured, e.g. a `${VAR}` without fallback is unset.
   * Such a server is listed with status `unavailable` and its calls fail with SERVER_UNAVAILABLE.
   */
  unavailableReason?: string;
}

export interface StdioServerConfig extends CommonServerConfig {
  transport: 'stdio';
  command: string;
  args: string[];
  /** Only the configured variables; the child also inherits HOME, LOGNAME, PATH, SHELL, TERM, USER. */
  env: Record<string, string>;
  cwd?: string;
}

export interface RemoteServerConfig extends CommonServerConfig {
  /** `auto`: neither `type` nor `transport` given — try Streamable HTTP, fall back to SSE on 400/404/405. */
  transport: 'http' | 'sse' | 'auto';
  url: string;
  headers: Record<string, string>;
  /** SPEC §16; absent: OAuth only once the server answers 401 pointing at OAuth metadata. */
  auth?: RemoteServerAuth;
}

/** The `auth` field of a remote server (SPEC §16), with scopes kept as configured. */
export type RemoteServerAuth =
  | { type: 'oauth'; scopes?: string[]; clientId?: string; clientSecret?: string; resource?: string }
  | { type: 'client_credentials'; clientId: string; clientSecret: string; scopes?: string[] }
  | { type: 'none' };

export type ServerConfig = StdioServerConfig | RemoteServerConfig;

/** One problem found in a config file, with the JSON path that locates it. */
export interface ConfigIssue {
  severity: 'error' | 'warning';
  /** What kind of problem it is: read this, never the message, to tell issues apart. */
  code: ConfigIssueCode;
  /** The file's path as resolved at start-up; empty when no file is involved (none found, the environment). */
  file: string;
  /** JSON path inside the file, e.g. `mcpServers.github.args[2]`; empty for the whole file. */
  path: string;
  message: string;
}

/** A config load is a value: the parsed config with its warnings, or the errors that reject it. */
export type LoadResult<T> =
  | { ok: true; value: T; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };
