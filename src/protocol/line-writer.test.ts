import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LineWriter } from './line-writer.ts';

/** A real Writable that records each system-call-sized write it receives. */
function recordingStream(options: { highWaterMark?: number; delayMs?: number } = {}) {
  const writes: string[] = [];
  const stream = new Writable({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    writev(chunks, callback) {
      writes.push(chunks.map(({ chunk }) => String(chunk)).join(''));
      setTimeout(callback, options.delayMs ?? 0);
    },
    write(chunk, _encoding, callback) {
      writes.push(String(chunk));
      setTimeout(callback, options.delayMs ?? 0);
    },
  });
  return { stream, writes };
}

describe('LineWriter', () => {
  it('sends the lines written in one tick as one write, in order', async () => {
    const { stream, writes } = recordingStream();
    const writer = new LineWriter(stream);
    await Promise.all([writer.write('a\n'), writer.write('b\n'), writer.write('c\n')]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, ['a\nb\nc\n']);
  });

  it('waits for drain with one listener however many writers are waiting', async () => {
    const { stream, writes } = recordingStream({ highWaterMark: 4, delayMs: 5 });
    const writer = new LineWriter(stream);
    const waits = Array.from({ length: 50 }, (_, index) => writer.write(`line ${index}\n`));
    assert.equal(stream.listenerCount('drain'), 1);
    await Promise.all(waits);
    await new Promise((resolve) => stream.end(resolve));
    assert.equal(writes.join(''), Array.from({ length: 50 }, (_, index) => `line ${index}\n`).join(''));
    assert.equal(stream.listenerCount('drain'), 0);
  });

  it('rejects a write to a closed stream instead of throwing', async () => {
    const { stream } = recordingStream();
    stream.destroy();
    await assert.rejects(new LineWriter(stream).write('late\n'), /the stream is closed/);
  });

  it('rejects the writers waiting for drain when the stream is destroyed', async () => {
    const { stream } = recordingStream({ highWaterMark: 1, delayMs: 50 });
    stream.on('error', () => {});
    const writer = new LineWriter(stream);
    const waiting = writer.write('a long line that fills the buffer\n');
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy(new Error('EPIPE'));
    await assert.rejects(waiting, /EPIPE|closed before it drained/);
  });
});
