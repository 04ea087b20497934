import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function isLogLevel(value: string): value is LevelWithSilent {
  return LEVELS.includes(value);
}

/**
 * Structured logs on stderr (fd 2), never stdout: in stdio mode stdout is the MCP channel (SPEC §2).
 * Synchronous writes keep the order of lines and lose none when the process exits.
 */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino(
    { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: 2, sync: true }),
  );
}
