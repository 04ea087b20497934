import type { AgentLimits } from '../policy/types.ts';
import type { Acquisition, RateLimiter, RateLimiterOptions } from './rate-limiter.ts';

/**
 * The rate limiter, loaded on the first call of an agent that has limits: rate-limiter-flexible
 * and ioredis cost ~140 ms to load, which a gateway without limits (most of them) never pays and
 * a gateway with limits pays once, off the start-up path (SPEC §12: readiness is not delayed).
 */
export function createLazyRateLimiter(options: RateLimiterOptions): RateLimiter {
  let loading: Promise<RateLimiter> | undefined;
  let closed = false;
  return {
    async acquire(agentId: string, limits: AgentLimits | undefined): Promise<Acquisition> {
      loading ??= import('./rate-limiter.ts').then(({ createRateLimiter }) => {
        const limiter = createRateLimiter(options);
        if (closed) limiter.close();
        return limiter;
      });
      return (await loading).acquire(agentId, limits);
    },
    close() {
      closed = true;
      void loading?.then((limiter) => limiter.close());
    },
  };
}
