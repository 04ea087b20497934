/** A real pino logger whose lines a test can read back, to check what is (and is never) logged. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/logger.ts';

export interface CapturedLogger {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines: () => { level: number; msg: string; [key: string]: unknown }[];
  /** Everything logged so far, as written. */
  text: () => string;
}

export function captureLogger(): CapturedLogger {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    logger: pino({ level: 'debug' }, stream),
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { level: number; msg: string }),
  };
}
