/**
 * The Redis connection behind shared rate limits (SPEC §15, `GATEWAY_REDIS_URL`).
 *
 * Failure policy: a call must never wait on Redis. Commands are not queued while disconnected and
 * not retried, and time out after a second; the limiter then counts in this process (its insurance
 * limiter). ioredis keeps reconnecting in the background with a capped delay until `close()`, which
 * stops it for good, so a closed gateway has no reconnect timer left. One warning when Redis goes
 * away and one line when it is back — not one per failed reconnect.
 */

import { Redis } from 'ioredis';
import { redactUrl } from '../config/redact-url.ts';
import type { Logger } from '../logger.ts';

const COMMAND_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 5000;

export interface RedisConnection {
  readonly client: Redis;
  /** True once connected and until a failure is seen. */
  readonly healthy: boolean;
  /**
   * Settles at the first connect, the first failure or close, whichever comes first (within the
   * connect timeout): calls at start-up wait for it rather than all counting locally.
   */
  readonly started: Promise<void> | undefined;
  /** A command failed or timed out although the socket looked fine (a hung server). */
  markFailed(cause: unknown): void;
  /** A command succeeded: ends an outage that `markFailed` started without a reconnect. */
  markSucceeded(): void;
  close(): void;
}

export function connectRedis(url: string, logger: Logger | undefined): RedisConnection {
  const shown = redactUrl(url);
  // 'starting' stays quiet about calls counted locally before the first connect completes.
  let state: 'starting' | 'up' | 'down' | 'closed' = 'starting';
  let settleStart: () => void = () => {};
  let started: Promise<void> | undefined = new Promise<void>((resolve) => {
    settleStart = () => {
      started = undefined;
      resolve();
    };
  });

  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
    // A fixed name makes the gateway's connections recognisable in `CLIENT LIST`.
    connectionName: 'agent-mcp-gateway',
  });

  function down(cause: unknown): void {
    if (state === 'down' || state === 'closed') return;
    state = 'down';
    settleStart();
    logger?.warn(
      { redis: shown, err: cause },
      'Redis is unreachable: rate limits are counted per gateway process until it is back',
    );
  }

  client.on('error', down);
  client.on('close', () => {
    if (state === 'up') down(new Error('connection closed'));
  });
  function up(): void {
    if (state === 'down') logger?.warn({ redis: shown }, 'Redis is back: rate limits are shared again');
    else if (state === 'starting') logger?.debug({ redis: shown }, 'rate limits are shared through Redis');
    if (state !== 'closed') state = 'up';
    settleStart();
  }

  client.on('ready', up);

  return {
    client,
    get healthy() {
      return state === 'up';
    },
    get started() {
      return started;
    },
    markFailed(cause) {
      if (state === 'up') down(cause);
    },
    markSucceeded() {
      if (state === 'down' && client.status === 'ready') up();
    },
    close() {
      if (state === 'closed') return;
      state = 'closed';
      settleStart();
      // disconnect(), not quit(): quit waits for a reply that a dead server never sends.
      client.disconnect(false);
    },
  };
}
