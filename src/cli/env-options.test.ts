import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEnvOptions } from './env-options.ts';

describe('GATEWAY_DOWNSTREAM_PROTOCOL', () => {
  const read = (value: string | undefined) => readEnvOptions({ GATEWAY_DOWNSTREAM_PROTOCOL: value });

  it('defaults to the legacy 2025 handshake when unset, empty or legacy', () => {
    for (const value of [undefined, '', ' legacy ']) {
      const result = read(value);
      assert.ok(result.ok);
      assert.equal(result.value.downstreamProtocol, 'legacy');
    }
  });

  it('reads auto, and a revision date as a pin', () => {
    const auto = read('AUTO');
    assert.ok(auto.ok);
    assert.equal(auto.value.downstreamProtocol, 'auto');
    const pinned = read('2026-07-28');
    assert.ok(pinned.ok);
    assert.deepStrictEqual(pinned.value.downstreamProtocol, { pin: '2026-07-28' });
  });

  it('refuses anything else, naming the variable and what it accepts', () => {
    const result = read('modern');
    assert.ok(!result.ok);
    assert.match(
      result.errors[0]?.message ?? '',
      /GATEWAY_DOWNSTREAM_PROTOCOL must be "legacy", "auto" or a revision/,
    );
    assert.equal(result.errors[0]?.code, 'invalid_environment');
  });
});
