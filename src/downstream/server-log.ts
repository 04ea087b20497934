import type { LoggingMessageNotification } from '@modelcontextprotocol/client';
import type { Logger } from '../logger.ts';

/**
 * A server's `notifications/message` in the gateway log, under the server's name. The data is
 * the server's own text and may echo what it was sent (an Authorization header): it is masked.
 */
export function logServerMessage(
  logger: Logger,
  params: LoggingMessageNotification['params'],
  scrub: (text: string) => string,
): void {
  const { level, logger: source, data } = params;
  // `level` is pino's own key: the server's level goes under another name.
  logger[pinoLevel(level)](
    { server_level: level, logger: source, data: scrubData(data, scrub) },
    'server log',
  );
}

function scrubData(data: unknown, scrub: (text: string) => string): unknown {
  if (typeof data === 'string') return scrub(data);
  if (data === undefined) return data;
  const text = JSON.stringify(data);
  const masked = scrub(text);
  if (masked === text) return data;
  try {
    return JSON.parse(masked) as unknown;
  } catch {
    return masked; // A secret that spanned JSON syntax: the masked text, not the original.
  }
}

/** MCP's syslog levels onto the gateway log's. */
function pinoLevel(level: string): 'debug' | 'info' | 'warn' | 'error' {
  switch (level) {
    case 'debug':
      return 'debug';
    case 'info':
    case 'notice':
      return 'info';
    case 'warning':
      return 'warn';
    default:
      return 'error';
  }
}
