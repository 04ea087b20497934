/**
 * SPEC §15 rate limits, in memory and through a real redis-server (test/support/redis.ts) shared by
 * two limiter instances, as two gateway processes would share it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { toErrorToolResult } from '../errors.ts';
import { captureLogger } from '../../test/support/capture-logger.ts';
import { redisUnavailableReason, startRedis, type TestRedis } from '../../test/support/redis.ts';
import { rateLimitedError } from './rate-limited-error.ts';
import { createRateLimiter, type Acquisition, type RateLimiter } from './rate-limiter.ts';

async function acquireMany(
  limiter: RateLimiter,
  agent: string,
  count: number,
  limits: object,
): Promise<Acquisition[]> {
  const results: Acquisition[] = [];
  for (let index = 0; index < count; index += 1) results.push(await limiter.acquire(agent, limits));
  return results;
}

const allowed = (results: Acquisition[]) => results.filter((result) => result.ok).length;

describe('rate limiter in memory', () => {
  const limiter = createRateLimiter();
  after(() => limiter.close());

  it('allows every call of an agent without limits', async () => {
    assert.equal(allowed(await acquireMany(limiter, 'free', 500, {})), 500);
    assert.equal((await limiter.acquire('free', undefined)).ok, true);
  });

  it('allows calls_per_minute calls, then refuses with the time until the window ends', async () => {
    const results = await acquireMany(limiter, 'a', 6, { calls_per_minute: 5 });
    assert.equal(allowed(results), 5);
    const refusal = results[5]!;
    assert.ok(!refusal.ok);
    assert.ok(refusal.retryAfterMs > 0 && refusal.retryAfterMs <= 60_000, String(refusal.retryAfterMs));
    assert.equal(refusal.reason, 'agent "a" has used its 5 calls per minute (limits)');
  });

  it('adds burst calls on top of calls_per_minute', async () => {
    const results = await acquireMany(limiter, 'b', 10, { calls_per_minute: 5, burst: 3 });
    assert.equal(allowed(results), 8);
    assert.match((results[9] as { reason: string }).reason, /5 calls per minute and its burst of 3/);
  });

  it('counts each agent separately', async () => {
    await acquireMany(limiter, 'c1', 3, { calls_per_minute: 3 });
    assert.equal((await limiter.acquire('c1', { calls_per_minute: 3 })).ok, false);
    assert.equal((await limiter.acquire('c2', { calls_per_minute: 3 })).ok, true);
  });

  it('applies changed limits at the next call, as after a reload', async () => {
    await acquireMany(limiter, 'd', 2, { calls_per_minute: 2 });
    assert.equal((await limiter.acquire('d', { calls_per_minute: 2 })).ok, false);
    assert.equal((await limiter.acquire('d', { calls_per_minute: 10 })).ok, true);
    assert.equal((await limiter.acquire('d', {})).ok, true);
  });

  it('allows max_concurrent calls in flight and frees a slot on release, once', async () => {
    const limits = { max_concurrent: 2 };
    const first = await limiter.acquire('e', limits);
    const second = await limiter.acquire('e', limits);
    const third = await limiter.acquire('e', limits);
    assert.ok(first.ok && second.ok);
    assert.ok(!third.ok);
    assert.match(third.reason, /already has 2 calls in flight/);
    first.release();
    first.release();
    const fourth = await limiter.acquire('e', limits);
    assert.ok(fourth.ok);
    assert.equal((await limiter.acquire('e', limits)).ok, false, 'a double release must not free two slots');
    second.release();
    fourth.release();
  });

  it('does not use up a per-minute call when the concurrency limit refuses it', async () => {
    const limits = { calls_per_minute: 2, max_concurrent: 1 };
    const held = await limiter.acquire('f', limits);
    assert.ok(held.ok);
    assert.equal((await limiter.acquire('f', limits)).ok, false);
    held.release();
    assert.equal(
      (await limiter.acquire('f', limits)).ok,
      true,
      'the second per-minute call is still available',
    );
  });

  it('releases the concurrency slot of a call the per-minute limit refuses', async () => {
    const limits = { calls_per_minute: 1, max_concurrent: 1 };
    const first = await limiter.acquire('g', limits);
    assert.ok(first.ok);
    first.release();
    assert.equal((await limiter.acquire('g', limits)).ok, false);
    assert.equal((await limiter.acquire('g', { max_concurrent: 1 })).ok, true);
  });

  it('becomes a RATE_LIMITED tool result with retry_after_ms', () => {
    const result = toErrorToolResult(
      rateLimitedError('a', { retryAfterMs: 1234, reason: 'agent "a" is busy' }),
    );
    assert.equal(result.content[0].text, 'RATE_LIMITED: agent "a" is busy; retry after 1234 ms');
    assert.deepEqual(result.structuredContent.error, {
      code: 'RATE_LIMITED',
      message: 'agent "a" is busy; retry after 1234 ms',
      agent_id: 'a',
      retry_after_ms: 1234,
    });
  });
});

const skip = redisUnavailableReason();

describe('rate limiter shared through Redis', { skip, concurrency: false }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  it('shares one per-minute limit between two limiter instances', async () => {
    const one = createRateLimiter({ redisUrl: redis.url, keyPrefix: 'shared-rate' });
    const two = createRateLimiter({ redisUrl: redis.url, keyPrefix: 'shared-rate' });
    try {
      const limits = { calls_per_minute: 6 };
      const results: Acquisition[] = [];
      for (let index = 0; index < 5; index += 1) {
        results.push(await one.acquire('ci', limits), await two.acquire('ci', limits));
      }
      assert.equal(allowed(results), 6);
      assert.equal((await one.acquire('ci', limits)).ok, false);
      assert.equal((await two.acquire('ci', limits)).ok, false);
    } finally {
      one.close();
      two.close();
    }
  });

  it('shares max_concurrent between two limiter instances', async () => {
    const one = createRateLimiter({ redisUrl: redis.url, keyPrefix: 'shared-concurrency' });
    const two = createRateLimiter({ redisUrl: redis.url, keyPrefix: 'shared-concurrency' });
    try {
      const limits = { max_concurrent: 2 };
      const held = [await one.acquire('ci', limits), await two.acquire('ci', limits)];
      assert.ok(held.every((result) => result.ok));
      assert.equal((await one.acquire('ci', limits)).ok, false);
      assert.equal((await two.acquire('ci', limits)).ok, false);
      (held[0] as { release(): void }).release();
      // The release is a fire-and-forget ZREM; wait until the other instance sees the free slot.
      let freed: Acquisition = { ok: false, retryAfterMs: 0, reason: '' };
      for (let attempt = 0; attempt < 100 && !freed.ok; attempt += 1) {
        freed = await two.acquire('ci', limits);
        if (!freed.ok) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(freed.ok);
      freed.release();
      (held[1] as { release(): void }).release();
    } finally {
      one.close();
      two.close();
    }
  });

  it('answers calls by per-process counting with one warning while Redis is down, and says when it is back', async () => {
    const { logger, lines } = captureLogger();
    const limiter = createRateLimiter({ redisUrl: redis.url, keyPrefix: 'outage', logger });
    try {
      const limits = { calls_per_minute: 3, max_concurrent: 5 };
      const first = await limiter.acquire('ci', limits);
      assert.ok(first.ok);
      first.release();

      await redis.kill();
      const during = await acquireMany(limiter, 'ci', 5, limits);
      for (const result of during) if (result.ok) result.release();
      // Counted in this process alone, from zero: 3 allowed, then refused, all without Redis.
      assert.equal(allowed(during), 3);
      const warnings = lines().filter((line) => line.msg.startsWith('Redis is unreachable'));
      assert.equal(warnings.length, 1, JSON.stringify(lines()));
      assert.equal(warnings[0]!.level, 40);

      await redis.start();
      for (let attempt = 0; attempt < 200; attempt += 1) {
        if (lines().some((line) => line.msg.startsWith('Redis is back'))) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(lines().filter((line) => line.msg.startsWith('Redis is back')).length, 1);
      assert.equal(lines().filter((line) => line.msg.startsWith('Redis is unreachable')).length, 1);
      // Shared again: the restarted, empty Redis counts afresh.
      assert.equal(allowed(await acquireMany(limiter, 'ci', 4, { calls_per_minute: 3 })), 3);
      assert.ok(!JSON.stringify(lines()).includes('ci"'), 'logs name no agent for an outage');
    } finally {
      limiter.close();
    }
  });

  it('closes cleanly against a dead Redis: the process exits on its own', async () => {
    const deadUrl = redis.url;
    await redis.kill();
    try {
      const script = fileURLToPath(new URL('../../test/fixtures/rate-limiter-close.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, deadUrl], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
      );
      clearTimeout(timer);
      assert.equal(signal, null, 'the process had to be killed: something kept it alive after close()');
      assert.equal(code, 0);
      assert.deepEqual(JSON.parse(stdout), { ok: true });
    } finally {
      await redis.start();
    }
  });
});
