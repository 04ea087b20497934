import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconnectDelayMs } from './backoff.ts';

const policy = { baseMs: 100, capMs: 1000 };

describe('reconnectDelayMs', () => {
  it('retries at once after the first failure', () => {
    assert.equal(
      reconnectDelayMs(1, policy, () => 0.9),
      0,
    );
  });

  it('doubles with each further consecutive failure, up to the cap', () => {
    const full = (failures: number) => reconnectDelayMs(failures, policy, () => 1);
    assert.deepEqual([2, 3, 4, 5, 6, 10].map(full), [100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters between half and all of the delay', () => {
    assert.equal(
      reconnectDelayMs(4, policy, () => 0),
      200,
    );
    assert.equal(
      reconnectDelayMs(4, policy, () => 0.5),
      300,
    );
  });
});
