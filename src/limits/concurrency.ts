/**
 * `max_concurrent` (SPEC §15): how many gateway calls of one agent may be in flight at once.
 *
 * In memory, a count per agent. Through Redis, a sorted set of leases per agent shared by every
 * gateway process: a lease is added only while fewer than the limit exist, and removed when the
 * call ends. Each lease expires after `LEASE_MS`, so a gateway process that dies with calls in
 * flight cannot hold its slots for ever; a call longer than that (beyond any sane timeout) would
 * free its slot early, which errs towards admitting rather than locking an agent out.
 */

import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './redis-connection.ts';

export const LEASE_MS = 15 * 60_000;

/** A release function, or undefined when the limit is reached. */
export type ConcurrencySlot = (() => void) | undefined;

export interface ConcurrencyStore {
  tryAcquire(agentId: string, max: number): Promise<ConcurrencySlot>;
}

export function createMemoryConcurrency(): ConcurrencyStore {
  const inFlight = new Map<string, number>();
  return {
    tryAcquire(agentId, max) {
      const current = inFlight.get(agentId) ?? 0;
      if (current >= max) return Promise.resolve(undefined);
      inFlight.set(agentId, current + 1);
      return Promise.resolve(
        once(() => {
          const left = (inFlight.get(agentId) ?? 1) - 1;
          // Delete at zero, so the map holds only agents with calls in flight.
          if (left <= 0) inFlight.delete(agentId);
          else inFlight.set(agentId, left);
        }),
      );
    },
  };
}

// Server time (TIME), not each gateway's clock: leases written by two hosts expire consistently.
const ACQUIRE_SCRIPT = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** Shared through Redis; any Redis failure falls back to `fallback` for that call. */
export function createRedisConcurrency(
  connection: RedisConnection,
  fallback: ConcurrencyStore,
  keyPrefix: string,
): ConcurrencyStore {
  const processId = randomUUID();
  let sequence = 0;
  return {
    async tryAcquire(agentId, max) {
      const key = `${keyPrefix}:concurrent:${agentId}`;
      const lease = `${processId}:${(sequence += 1)}`;
      let acquired: unknown;
      try {
        acquired = await connection.client.eval(ACQUIRE_SCRIPT, 1, key, max, LEASE_MS, lease);
      } catch (error) {
        connection.markFailed(error);
        return fallback.tryAcquire(agentId, max);
      }
      connection.markSucceeded();
      if (acquired !== 1) return undefined;
      return once(() => {
        // A release that fails leaves the lease to expire; the call has ended either way.
        connection.client.zrem(key, lease).catch((error: unknown) => connection.markFailed(error));
      });
    },
  };
}

function once(release: () => void): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
