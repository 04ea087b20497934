import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cancelledNotification,
  errorBody,
  progressNotification,
  readCancellation,
  readErrorBody,
  readProgress,
  readProgressToken,
  toolsCallRequest,
} from './tools-call.ts';

describe('the tools/call codec', () => {
  it('asks for progress with a token only when one is given', () => {
    assert.deepEqual(toolsCallRequest('gw-1', { name: 'echo' }, undefined), {
      jsonrpc: '2.0',
      id: 'gw-1',
      method: 'tools/call',
      params: { name: 'echo' },
    });
    const request = toolsCallRequest('gw-2', { name: 'echo', arguments: { a: 1 } }, 'gw-2');
    assert.deepEqual(request.params, { name: 'echo', arguments: { a: 1 }, _meta: { progressToken: 'gw-2' } });
    assert.equal(readProgressToken(request.params), 'gw-2');
    assert.equal(readProgressToken({ _meta: { progressToken: {} } }), undefined);
  });

  it('reads back the progress and cancellation it writes', () => {
    const progress = progressNotification(7, { progress: 1, total: 2, message: 'half' });
    assert.deepEqual(readProgress(progress.params), {
      token: 7,
      update: { progress: 1, total: 2, message: 'half' },
    });
    assert.equal(readProgress({ progressToken: 7 }), undefined);
    const cancelled = cancelledNotification('gw-3', 'timed out after 10 ms');
    assert.deepEqual(readCancellation(cancelled.params), {
      requestId: 'gw-3',
      reason: 'timed out after 10 ms',
    });
    assert.deepEqual(readCancellation({ requestId: 4 }), { requestId: 4, reason: 'cancelled by the client' });
    assert.equal(readCancellation({ requestId: null }), undefined);
  });

  it("encodes an error with the thrower's integer code, else -32603", () => {
    assert.deepEqual(errorBody({ code: -32042, message: 'custom', data: { x: 1 } }), {
      code: -32042,
      message: 'custom',
      data: { x: 1 },
    });
    assert.deepEqual(errorBody(new Error('boom')), { code: -32603, message: 'boom' });
    assert.deepEqual(errorBody({ code: 1.5, message: '' }), { code: -32603, message: 'Internal error' });
    assert.deepEqual(readErrorBody({ code: -32000, message: 'nope' }), { code: -32000, message: 'nope' });
    assert.deepEqual(readErrorBody('garbage'), { code: -32603, message: 'Internal error' });
  });
});
