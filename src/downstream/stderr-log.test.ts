import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { StderrLog } from './stderr-log.ts';

interface Line {
  level: number;
  msg: string;
  stderr?: string;
  truncated?: boolean;
  suppressed?: number;
}

function capture(): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: pino({ base: undefined }, stream), lines };
}

/** pino writes asynchronously to a plain stream: let it flush. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StderrLog', () => {
  it('logs one entry per line, joining lines split across chunks', async () => {
    const { logger, lines } = capture();
    const log = new StderrLog(logger);
    log.write('first li');
    log.write('ne\nsecond\n\nthird');
    log.flush();
    await settle();
    assert.deepEqual(
      lines.map((line) => line.stderr),
      ['first line', 'second', 'third'],
    );
  });

  it('cuts an over-long line and skips the rest of it', async () => {
    const { logger, lines } = capture();
    const log = new StderrLog(logger, { maxLineChars: 5 });
    log.write('abcdefgh');
    log.write('ijk\nnext\n');
    await settle();
    assert.deepEqual(
      lines.map((line) => [line.stderr, line.truncated]),
      [
        ['abcde…', true],
        ['next', undefined],
      ],
    );
  });

  it('passes a bounded number of lines per window and reports how many it suppressed', async () => {
    const { logger, lines } = capture();
    let now = 0;
    const log = new StderrLog(logger, { maxLinesPerWindow: 3, windowMs: 1000, now: () => now });
    log.write('1\n2\n3\n4\n5\n6\n');
    now = 1500;
    log.write('7\n');
    await settle();
    assert.deepEqual(
      lines.map((line) => line.stderr ?? `suppressed ${line.suppressed}`),
      ['1', '2', '3', 'suppressed 3', '7'],
    );
  });
});
