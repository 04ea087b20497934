import { isLogLevel } from '../logger.ts';
import type { LevelWithSilent } from 'pino';

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

/** Returns the options, or an error message naming the variable and what it accepts. */
export function readEnvOptions(env: Env): { ok: true; options: EnvOptions } | { ok: false; error: string } {
  const strategy = (env.GATEWAY_INIT_STRATEGY ?? 'lazy').trim().toLowerCase() || 'lazy';
  if (strategy !== 'lazy' && strategy !== 'eager') {
    return {
      ok: false,
      error: `GATEWAY_INIT_STRATEGY must be "lazy" or "eager", not "${env.GATEWAY_INIT_STRATEGY}"`,
    };
  }
  const level = (env.GATEWAY_LOG_LEVEL ?? 'info').trim().toLowerCase() || 'info';
  if (!isLogLevel(level)) {
    return {
      ok: false,
      error: `GATEWAY_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "${env.GATEWAY_LOG_LEVEL}"`,
    };
  }
  const http = readHttpEnv(env);
  if (!http.ok) return http;
  return {
    ok: true,
    options: {
      mcpConfig: nonEmpty(env.GATEWAY_MCP_CONFIG),
      rules: nonEmpty(env.GATEWAY_RULES),
      defaultAgent: nonEmpty(env.GATEWAY_DEFAULT_AGENT),
      agent: nonEmpty(env.GATEWAY_AGENT),
      debug: isTruthy(env.GATEWAY_DEBUG),
      auditLog: nonEmpty(env.GATEWAY_AUDIT_LOG),
      initStrategy: strategy,
      logLevel: level,
      directToolCalls: (env.GATEWAY_DIRECT_TOOL_CALLS ?? '').trim().toLowerCase() !== 'off',
      http: http.options,
    },
  };
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
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes'].includes(value.trim().toLowerCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
