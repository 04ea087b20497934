import type { LevelWithSilent } from 'pino';
import type { ConfigIssue, LoadResult } from '../config/types.ts';
import type { DownstreamProtocol } from '../downstream/connection-types.ts';
import { isLogLevel } from '../logger.ts';

/** The GATEWAY_* variables of SPEC §3, read once at start-up. */
export interface EnvOptions {
  mcpConfig: string | undefined;
  rules: string | undefined;
  defaultAgent: string | undefined;
  /** GATEWAY_AGENT: the principal of the stdio client (SPEC §13). */
  agent: string | undefined;
  debug: boolean;
  auditLog: string | undefined;
  initStrategy: 'lazy' | 'eager';
  logLevel: LevelWithSilent;
  /**
   * GATEWAY_DIRECT_TOOL_CALLS=off keeps every tools/call on the SDK's protocol layer on both sides
   * (the hot path is a stdio optimisation; the differential tests run with it off).
   */
  directToolCalls: boolean;
  /**
   * GATEWAY_DOWNSTREAM_PROTOCOL (internal, for the 2026-07-28 tests): `legacy` (default), `auto`,
   * or a revision such as `2026-07-28` to pin every downstream session to.
   */
  downstreamProtocol: DownstreamProtocol;
  /** GATEWAY_REDIS_URL: share rate-limit counters through this Redis (SPEC §15). */
  redisUrl: string | undefined;
  /** GATEWAY_HTTP_* and GATEWAY_METRICS_PUBLIC: the HTTP front end (SPEC §14). */
  http: HttpEnvOptions;
}

export interface HttpEnvOptions {
  host: string;
  port: number;
  /** Exact origins (`scheme://host[:port]`) a browser page may call from; none by default. */
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  sessionIdleMs: number;
  metricsPublic: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

const TRUE_VALUES = ['true', '1', 'yes'];
const FALSE_VALUES = ['false', '0', 'no', ''];

/**
 * Read the same way by `serve` and `validate`, so `validate` reports what `serve` would refuse or
 * ignore. An error names the variable and what it accepts; `serve` exits on it. An unrecognised
 * GATEWAY_DEBUG is a warning: the original read it as false, and an existing environment must keep
 * starting the gateway (SPEC preamble), but silently ignoring `on` hides a typo.
 */
export function readEnvOptions(env: Env): LoadResult<EnvOptions> {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const strategy = (env.GATEWAY_INIT_STRATEGY ?? 'lazy').trim().toLowerCase() || 'lazy';
  if (strategy !== 'lazy' && strategy !== 'eager') {
    errors.push(
      environmentIssue(
        'error',
        `GATEWAY_INIT_STRATEGY must be "lazy" or "eager", not "${env.GATEWAY_INIT_STRATEGY}"`,
      ),
    );
  }
  const level = (env.GATEWAY_LOG_LEVEL ?? 'info').trim().toLowerCase() || 'info';
  if (!isLogLevel(level)) {
    errors.push(
      environmentIssue(
        'error',
        `GATEWAY_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "${env.GATEWAY_LOG_LEVEL}"`,
      ),
    );
  }
  const debug = (env.GATEWAY_DEBUG ?? '').trim().toLowerCase();
  if (!TRUE_VALUES.includes(debug) && !FALSE_VALUES.includes(debug)) {
    warnings.push(
      environmentIssue(
        'warning',
        `GATEWAY_DEBUG is "${env.GATEWAY_DEBUG}", which is not recognised; debug stays off ` +
          '(use true, 1 or yes to turn it on; false, 0, no or empty for off)',
      ),
    );
  }
  const downstreamProtocol = readDownstreamProtocol(env.GATEWAY_DOWNSTREAM_PROTOCOL);
  if (downstreamProtocol === undefined) {
    errors.push(
      environmentIssue(
        'error',
        `GATEWAY_DOWNSTREAM_PROTOCOL must be "legacy", "auto" or a revision like "2026-07-28", not "${env.GATEWAY_DOWNSTREAM_PROTOCOL}"`,
      ),
    );
  }
  const http = readHttpEnv(env);
  if (!http.ok) errors.push(environmentIssue('error', http.error));
  if (
    !http.ok ||
    errors.length > 0 ||
    downstreamProtocol === undefined ||
    (strategy !== 'lazy' && strategy !== 'eager') ||
    !isLogLevel(level)
  ) {
    return { ok: false, errors, warnings };
  }
  return {
    ok: true,
    value: {
      ...readConfigVariables(env),
      agent: nonEmpty(env.GATEWAY_AGENT),
      debug: TRUE_VALUES.includes(debug),
      auditLog: nonEmpty(env.GATEWAY_AUDIT_LOG),
      initStrategy: strategy,
      logLevel: level,
      directToolCalls: (env.GATEWAY_DIRECT_TOOL_CALLS ?? '').trim().toLowerCase() !== 'off',
      downstreamProtocol,
      redisUrl: nonEmpty(env.GATEWAY_REDIS_URL),
      http: http.options,
    },
    warnings,
  };
}

/**
 * Where the files are and who the fallback agent is: no value of these is wrong (a missing file is
 * the loader's error), so `validate` can still locate the files when another variable is refused.
 */
export function readConfigVariables(env: Env): Pick<EnvOptions, 'mcpConfig' | 'rules' | 'defaultAgent'> {
  return {
    mcpConfig: nonEmpty(env.GATEWAY_MCP_CONFIG),
    rules: nonEmpty(env.GATEWAY_RULES),
    defaultAgent: nonEmpty(env.GATEWAY_DEFAULT_AGENT),
  };
}

/** Undefined when the value is none of the accepted forms. */
function readDownstreamProtocol(value: string | undefined): DownstreamProtocol | undefined {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'legacy') return 'legacy';
  if (text === 'auto') return 'auto';
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? { pin: text } : undefined;
}

/** An issue of the environment: no file, and the message names the variable. */
function environmentIssue(severity: ConfigIssue['severity'], message: string): ConfigIssue {
  return { severity, code: 'invalid_environment', file: '', path: '', message };
}

/** Defaults of SPEC §14. */
const HTTP_DEFAULTS = { port: 8931, maxBodyBytes: 4 * 1024 * 1024, sessionIdleMs: 30 * 60_000 };

function readHttpEnv(env: Env): { ok: true; options: HttpEnvOptions } | { ok: false; error: string } {
  const port = readInteger(env, 'GATEWAY_HTTP_PORT', HTTP_DEFAULTS.port, 0, 65_535);
  if (!port.ok) return port;
  const maxBodyBytes = readInteger(env, 'GATEWAY_HTTP_MAX_BODY_BYTES', HTTP_DEFAULTS.maxBodyBytes, 1);
  if (!maxBodyBytes.ok) return maxBodyBytes;
  const sessionIdleMs = readInteger(env, 'GATEWAY_HTTP_SESSION_IDLE_MS', HTTP_DEFAULTS.sessionIdleMs, 1);
  if (!sessionIdleMs.ok) return sessionIdleMs;
  return {
    ok: true,
    options: {
      host: nonEmpty(env.GATEWAY_HTTP_HOST)?.trim() ?? '127.0.0.1',
      port: port.value,
      allowedOrigins: (env.GATEWAY_HTTP_ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
      maxBodyBytes: maxBodyBytes.value,
      sessionIdleMs: sessionIdleMs.value,
      metricsPublic: isTruthy(env.GATEWAY_METRICS_PUBLIC),
    },
  };
}

/** A whole number in [min, max] from `name`, or `fallback` when unset; also used for `--port`. */
export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): { ok: true; value: number } | { ok: false; error: string } {
  const raw = nonEmpty(env[name])?.trim();
  if (raw === undefined) return { ok: true, value: fallback };
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return { ok: false, error: `${name} must be a whole number from ${min} to ${max}, not "${env[name]}"` };
  }
  return { ok: true, value };
}

/** `true`, `1`, `yes` in any case (SPEC §3). */
function isTruthy(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.includes(value.trim().toLowerCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
