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
    },
  };
}

/** `true`, `1`, `yes` in any case (SPEC §3). */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['true', '1', 'yes'].includes(value.trim().toLowerCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
