import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, ProtocolErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/server';
import type { UpstreamCall } from '../gateway/gateway-call.ts';
import { DirectToolCalls, type ToolCallHandler } from './direct-tool-calls.ts';

function harness(handle: ToolCallHandler) {
  const sent: JSONRPCMessage[] = [];
  const calls = new DirectToolCalls({
    handle,
    send: (message) => {
      sent.push(message);
      return Promise.resolve();
    },
    onError: (error) => assert.fail(error),
  });
  return { calls, sent };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function request(id: number | string, params: unknown): JSONRPCMessage {
  return { jsonrpc: '2.0', id, method: 'tools/call', params } as JSONRPCMessage;
}

describe('DirectToolCalls', () => {
  it('answers a tools/call with the handler result under the request id', async () => {
    const { calls, sent } = harness((name, args) =>
      Promise.resolve({ content: [{ type: 'text', text: `${name} ${JSON.stringify(args)}` }] }),
    );
    assert.equal(calls.take(request(7, { name: 'list_servers', arguments: { a: 1 } })), true);
    await settle();
    assert.deepEqual(sent, [
      { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'list_servers {"a":1}' }] } },
    ]);
  });

  it('adds the empty content a result without one must carry', async () => {
    const { calls, sent } = harness(() => Promise.resolve({ structuredContent: { x: 1 } } as never));
    calls.take(request('r1', { name: 'execute_tool' }));
    await settle();
    assert.deepEqual(sent, [
      { jsonrpc: '2.0', id: 'r1', result: { structuredContent: { x: 1 }, content: [] } },
    ]);
  });

  it('turns a thrown ProtocolError into a JSON-RPC error with its code, and anything else into -32603', async () => {
    const { calls, sent } = harness((name) => {
      if (name === 'nope') throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'unknown tool "nope"');
      return Promise.reject(new Error('boom'));
    });
    calls.take(request(1, { name: 'nope' }));
    calls.take(request(2, { name: 'execute_tool' }));
    await settle();
    assert.deepEqual(sent, [
      { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'unknown tool "nope"' } },
      { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'boom' } },
    ]);
  });

  it('aborts a cancelled call and sends no response for it', async () => {
    let seen: UpstreamCall | undefined;
    let finish!: () => void;
    const { calls, sent } = harness((_name, _args, call) => {
      seen = call;
      return new Promise((resolve) => (finish = () => resolve({ content: [] })));
    });
    calls.take(request(3, { name: 'execute_tool' }));
    const taken = calls.take({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 3, reason: 'user pressed stop' },
    });
    assert.equal(taken, true);
    assert.equal(seen?.signal.aborted, true);
    assert.match(String(seen?.signal.reason), /user pressed stop/);
    finish();
    await settle();
    assert.deepEqual(sent, []);
  });

  it('sends progress with the caller token, and none for a caller that sent no token', async () => {
    const { calls, sent } = harness((_name, _args, call) => {
      call.onProgress?.({ progress: 1, total: 2, message: 'half' });
      return Promise.resolve({ content: [] });
    });
    calls.take(request(4, { name: 'execute_tool', _meta: { progressToken: 'tok' } }));
    calls.take(request(5, { name: 'execute_tool' }));
    await settle();
    assert.deepEqual(sent, [
      {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'tok', progress: 1, total: 2, message: 'half' },
      },
      { jsonrpc: '2.0', id: 4, result: { content: [] } },
      { jsonrpc: '2.0', id: 5, result: { content: [] } },
    ]);
  });

  it('leaves malformed calls, other methods and unknown cancellations to the SDK', () => {
    const { calls } = harness(() => assert.fail('the handler must not run'));
    assert.equal(calls.take(request(6, { arguments: {} })), false);
    assert.equal(calls.take(request(6, { name: 'x', arguments: [1] })), false);
    assert.equal(calls.take({ jsonrpc: '2.0', id: 6, method: 'tools/list' }), false);
    assert.equal(
      calls.take({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } }),
      false,
    );
  });
});
