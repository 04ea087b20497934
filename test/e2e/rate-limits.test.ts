/**
 * End-to-end: per-agent rate limits (SPEC §15) through the built CLI: refused calls answer
 * RATE_LIMITED with retry_after_ms and reach no server; with GATEWAY_REDIS_URL two gateway
 * processes share one limit, and a Redis outage falls back to per-process counting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisUnavailableReason, startRedis, type TestRedis } from '../support/redis.ts';
import { expectError, expectJson, waitForAuditLines } from './gateway-test-helpers.ts';
import { fixtureServer, startGateway, type RunningGateway } from './harness.ts';

const RULES = {
  agents: {
    limited: { allow: { servers: ['*'] }, limits: { calls_per_minute: 3 } },
    free: { allow: { servers: ['*'] } },
  },
};
const SERVERS = { multi: fixtureServer('multi-tool') };

async function echo(gateway: RunningGateway, agent: string, text: string) {
  return gateway.call('execute_tool', { agent_id: agent, server: 'multi', tool: 'echo', args: { text } });
}

describe('rate limits in one process', () => {
  it('refuses the calls over an agent limit with RATE_LIMITED and retry_after_ms, and spares other agents', async () => {
    const gateway = await startGateway({ servers: SERVERS, rules: RULES });
    try {
      for (let call = 0; call < 3; call += 1) {
        assert.deepStrictEqual((await echo(gateway, 'limited', `ok ${call}`)).structuredContent, {
          text: `ok ${call}`,
        });
      }
      const refused = expectError(await echo(gateway, 'limited', 'one too many'), 'RATE_LIMITED');
      assert.ok(typeof refused.retry_after_ms === 'number' && refused.retry_after_ms > 0, 'retry_after_ms');
      // Discovery counts too (SPEC §15: every gateway tool call).
      expectError(await gateway.call('list_servers', { agent_id: 'limited' }), 'RATE_LIMITED');
      assert.deepStrictEqual((await echo(gateway, 'free', 'unlimited')).structuredContent, {
        text: 'unlimited',
      });
      const lines = await waitForAuditLines(gateway, 6);
      const limited = lines.filter((line) => line.error_code === 'RATE_LIMITED');
      assert.equal(limited.length, 2);
      assert.ok(limited.every((line) => line.decision === 'error' && line.agent_id === 'limited'));
      assert.ok(
        limited.every((line) => line.downstream_is_error === null),
        'no downstream call was made',
      );
    } finally {
      await gateway.close();
    }
  });
});

const skip = redisUnavailableReason();

describe('rate limits shared through Redis', { skip }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  it('shares one limit between two gateway processes, and keeps answering when Redis dies', async () => {
    const env = { GATEWAY_REDIS_URL: redis.url };
    const rules = { agents: { limited: { allow: { servers: ['*'] }, limits: { calls_per_minute: 4 } } } };
    const [first, second] = await Promise.all([
      startGateway({ servers: SERVERS, rules, env }),
      startGateway({ servers: SERVERS, rules, env }),
    ]);
    try {
      const outcomes: boolean[] = [];
      for (let call = 0; call < 6; call += 1) {
        const result = await echo(call % 2 === 0 ? first : second, 'limited', `shared ${call}`);
        outcomes.push(result.isError !== true);
      }
      assert.deepStrictEqual(
        outcomes,
        [true, true, true, true, false, false],
        'four calls in all, not per process',
      );

      await redis.kill();
      // Per-process counting takes over: each process has its own fresh window.
      const fallback = await echo(first, 'limited', 'redis is down');
      assert.deepStrictEqual(fallback.structuredContent, { text: 'redis is down' });
      expectJson(await second.call('list_servers', { agent_id: 'limited' }));
      assert.match(first.stderr(), /redis/i, 'the outage is logged');
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
