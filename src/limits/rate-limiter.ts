/**
 * Per-agent rate limits (SPEC §15) over gateway tool calls, with `rate-limiter-flexible`.
 *
 * - `calls_per_minute: N`: at most N calls in each fixed one-minute window per agent.
 * - `burst: B`: when a minute's N are used up, up to B more calls are drawn from a reserve that
 *   refills every `BURST_WINDOW_S` (10 minutes). Short spikes pass, while the long-run rate stays
 *   close to N (at most N + B/10 per minute). This is rate-limiter-flexible's BurstyRateLimiter.
 * - `max_concurrent: C`: at most C calls in flight; the slot is freed by `release()`.
 *
 * Limits are taken per call from the caller (the rules in force), so a reload applies at the next
 * call. A changed `calls_per_minute` or `burst` starts a fresh count for the agent. Counters live in
 * memory, or with `redisUrl` in Redis, shared by every gateway process that uses it; a Redis failure
 * makes that call count in memory instead (the insurance limiter) and logs one warning.
 */

import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
} from 'rate-limiter-flexible';
import type { Logger } from '../logger.ts';
import type { AgentLimits } from '../policy/types.ts';
import { createMemoryConcurrency, createRedisConcurrency, type ConcurrencyStore } from './concurrency.ts';
import { connectRedis, type RedisConnection } from './redis-connection.ts';

export const BURST_WINDOW_S = 600;
const MINUTE_S = 60;
/** A concurrency refusal cannot know when a slot frees; this is a polite first retry. */
const CONCURRENCY_RETRY_MS = 1000;
/** Distinct limit settings kept; more only happen after many reloads, and dropping them just restarts counts. */
const MAX_LIMITER_CONFIGS = 256;
const DEFAULT_KEY_PREFIX = 'agent-mcp-gateway';

export type Acquisition =
  { ok: true; release: () => void } | { ok: false; retryAfterMs: number; reason: string };

export interface RateLimiter {
  /** Resolves without waiting on Redis for longer than its command timeout. */
  acquire(agentId: string, limits: AgentLimits | undefined): Promise<Acquisition>;
  /** Idempotent; stops Redis reconnects. */
  close(): void;
}

export interface RateLimiterOptions {
  /** `GATEWAY_REDIS_URL`; absent means in-memory counting. */
  redisUrl?: string;
  /** Namespaces the Redis keys (default `agent-mcp-gateway`). */
  keyPrefix?: string;
  logger?: Logger;
}

interface Consumer {
  consume(key: string): Promise<RateLimiterRes>;
}

const ALLOWED: Acquisition = { ok: true, release: () => {} };

export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const { logger } = options;
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const connection: RedisConnection | undefined =
    options.redisUrl === undefined ? undefined : connectRedis(options.redisUrl, logger);
  const memoryConcurrency = createMemoryConcurrency();
  const concurrency: ConcurrencyStore =
    connection === undefined
      ? memoryConcurrency
      : createRedisConcurrency(connection, memoryConcurrency, keyPrefix);
  const consumers = new Map<string, Consumer>();

  function limiter(points: number, duration: number, prefix: string): RateLimiterMemory | RateLimiterRedis {
    const settings: IRateLimiterOptions = { points, duration, keyPrefix: `${keyPrefix}:${prefix}` };
    const memory = new RateLimiterMemory(settings);
    if (connection === undefined) return memory;
    const insurance = new InsuranceLimiter(settings, connection);
    return new RateLimiterRedis({ ...settings, storeClient: connection.client, insuranceLimiter: insurance });
  }

  function consumerFor(perMinute: number, burst: number | undefined): Consumer {
    const id = `${perMinute}:${burst ?? 0}`;
    let consumer = consumers.get(id);
    if (consumer === undefined) {
      if (consumers.size >= MAX_LIMITER_CONFIGS) consumers.clear();
      const perMinuteLimiter = limiter(perMinute, MINUTE_S, `rate:${id}`);
      consumer =
        burst === undefined
          ? perMinuteLimiter
          : new BurstyRateLimiter(perMinuteLimiter, limiter(burst, BURST_WINDOW_S, `burst:${id}`));
      consumers.set(id, consumer);
    }
    return consumer;
  }

  let closed = false;
  return {
    async acquire(agentId, limits) {
      const perMinute = limits?.calls_per_minute;
      const maxConcurrent = limits?.max_concurrent;
      if (perMinute === undefined && maxConcurrent === undefined) return ALLOWED;
      // Bounded by the connect timeout; afterwards undefined and free.
      const started = connection?.started;
      if (started !== undefined) await started;

      // Concurrency first: a call refused for concurrency must not use up a per-minute point.
      let release: (() => void) | undefined;
      if (maxConcurrent !== undefined) {
        release = await concurrency.tryAcquire(agentId, maxConcurrent);
        if (release === undefined) {
          return {
            ok: false,
            retryAfterMs: CONCURRENCY_RETRY_MS,
            reason: `agent "${agentId}" already has ${maxConcurrent} calls in flight (limits.max_concurrent)`,
          };
        }
      }
      if (perMinute !== undefined) {
        const refusal = await consume(
          consumerFor(perMinute, limits?.burst),
          agentId,
          perMinute,
          limits?.burst,
        );
        if (refusal !== undefined) {
          release?.();
          return refusal;
        }
      }
      return { ok: true, release: release ?? (() => {}) };
    },
    close() {
      if (closed) return;
      closed = true;
      connection?.close();
    },
  };

  async function consume(
    consumer: Consumer,
    agentId: string,
    perMinute: number,
    burst: number | undefined,
  ): Promise<Extract<Acquisition, { ok: false }> | undefined> {
    try {
      await consumer.consume(agentId);
      return undefined;
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        const extra = burst === undefined ? '' : ` and its burst of ${burst}`;
        return {
          ok: false,
          retryAfterMs: Math.max(1, Math.ceil(error.msBeforeNext)),
          reason: `agent "${agentId}" has used its ${perMinute} calls per minute${extra} (limits)`,
        };
      }
      // A limiter fault of ours must not take the gateway down with it: the call passes, uncounted.
      logger?.error({ err: error, agent_id: agentId }, 'rate limiter failed; the call was not counted');
      return undefined;
    }
  }
}

/** The per-process count used while Redis fails; tells the connection, so the outage is logged. */
class InsuranceLimiter extends RateLimiterMemory {
  readonly #connection: RedisConnection;

  constructor(settings: IRateLimiterOptions, connection: RedisConnection) {
    super(settings);
    this.#connection = connection;
  }

  override consume(
    key: string | number,
    points?: number,
    options?: Record<string, unknown>,
  ): Promise<RateLimiterRes> {
    this.#connection.markFailed(new Error('a Redis rate-limit command failed'));
    return super.consume(key, points, options);
  }
}
