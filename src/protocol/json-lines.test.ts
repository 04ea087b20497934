import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLineReader, serializeLine, type JsonLineError } from './json-lines.ts';

function feed(reader: JsonLineReader<unknown>, ...chunks: string[]) {
  const messages: unknown[] = [];
  const bad: string[] = [];
  for (const chunk of chunks)
    reader.push(
      Buffer.from(chunk),
      (message) => messages.push(message),
      (error: JsonLineError) => bad.push(error.message),
    );
  return { messages, bad };
}

describe('JsonLineReader', () => {
  it('yields every message of a chunk holding several lines, in order', () => {
    const { messages, bad } = feed(
      new JsonLineReader(),
      '{"jsonrpc":"2.0","id":1,"result":{}}\n{"jsonrpc":"2.0","method":"x"}\n',
    );
    assert.deepEqual(messages, [
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', method: 'x' },
    ]);
    assert.deepEqual(bad, []);
  });

  it('joins a message split across chunks, including inside a multi-byte character', () => {
    const line = serializeLine({ jsonrpc: '2.0', id: 2, result: { text: 'héllo wörld' } });
    const bytes = Buffer.from(line);
    const reader = new JsonLineReader<unknown>();
    const messages: unknown[] = [];
    for (const piece of [bytes.subarray(0, 30), bytes.subarray(30, 31), bytes.subarray(31)])
      reader.push(
        piece,
        (message) => messages.push(message),
        () => assert.fail('no bad line expected'),
      );
    assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 2, result: { text: 'héllo wörld' } }]);
  });

  it('accepts CRLF line ends and ignores blank lines', () => {
    const { messages, bad } = feed(new JsonLineReader(), '\n\r\n{"jsonrpc":"2.0","id":3,"result":{}}\r\n');
    assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 3, result: {} }]);
    assert.deepEqual(bad, []);
  });

  it('reports a non-JSON line, a non-object and a missing jsonrpc version, and keeps reading', () => {
    const { messages, bad } = feed(
      new JsonLineReader(),
      'server starting...\n[1,2]\n{"id":1}\n{"jsonrpc":"2.0","id":4,"result":{}}\n',
    );
    assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 4, result: {} }]);
    assert.equal(bad.length, 3);
    assert.match(bad[0]!, /not JSON: server starting/);
    assert.match(bad[1]!, /not a JSON-RPC message object/);
    assert.match(bad[2]!, /not JSON-RPC 2\.0/);
  });

  it('drops a line over the limit, reports it once, and reads the next line', () => {
    const reader = new JsonLineReader<unknown>({ maxLineBytes: 16 });
    const { messages, bad } = feed(
      reader,
      '{"jsonrpc":"2.0","id":5,',
      '"result":{"a":"long enough to overflow"}',
      '}\n{"jsonrpc":"2.0","id":6}\n',
    );
    assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 6 }]);
    assert.equal(bad.length, 1);
    assert.match(bad[0]!, /longer than 16 bytes was dropped/);
  });

  it('does not keep a reference to a chunk the stream may reuse', () => {
    const reader = new JsonLineReader<unknown>();
    const chunk = Buffer.from('{"jsonrpc":"2.0","id":7');
    const messages: unknown[] = [];
    const onMessage = (message: unknown) => messages.push(message);
    reader.push(chunk, onMessage, () => assert.fail('no bad line expected'));
    chunk.fill(0x20);
    reader.push(Buffer.from('}\n'), onMessage, () => assert.fail('no bad line expected'));
    assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 7 }]);
  });
});
