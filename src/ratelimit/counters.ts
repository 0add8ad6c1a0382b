/**
 * The counter of one limit, made by rate-limiter-flexible (the algorithm is not ours): in this
 * process's memory, in the cluster primary's (the workers of one instance share a budget), or in
 * Redis (several instances share one). A rule with a reserve is rate-limiter-flexible's
 * BurstyRateLimiter over two counters.
 */
import type { Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterCluster,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import type { RateLimitRule } from '../config/ratelimit-types.js';

/** Where counts are kept. */
export type CounterStore =
  | { kind: 'memory' }
  | { kind: 'cluster'; timeoutMs: number }
  | { kind: 'redis'; client: Redis; prefix: string };

/**
 * Counts one request of `key`: resolves with the count, rejects with a `RateLimiterRes` when the
 * limit is reached, or with an `Error` when the store failed.
 */
export interface Counter {
  consume(key: string): Promise<RateLimiterRes>;
}

/**
 * The counter of `rule` under `name`. The rule is part of the keys, so that a changed rule (a
 * reload) starts new counts instead of being read with the old one's (the cluster primary keeps
 * the options of the first worker that named a counter).
 */
export function createCounter(rule: RateLimitRule, name: string, store: CounterStore): Counter {
  const base = `${name}:${rule.requests}/${rule.per}`;
  const main = counterOf(store, rule.requests, rule.per, base);
  if (rule.burst === 0) return main;
  const reserve = counterOf(store, rule.burst, rule.burstPer, `${base}+${rule.burst}/${rule.burstPer}`);
  return new BurstyRateLimiter(main, reserve);
}

function counterOf(
  store: CounterStore,
  points: number,
  duration: number,
  keyPrefix: string,
): RateLimiterAbstract {
  switch (store.kind) {
    case 'memory':
      return new RateLimiterMemory({ points, duration, keyPrefix });
    case 'cluster':
      return new RateLimiterCluster({ points, duration, keyPrefix, timeoutMs: store.timeoutMs });
    case 'redis':
      return new RateLimiterRedis({
        storeClient: store.client,
        points,
        duration,
        keyPrefix: `${store.prefix}${keyPrefix}`,
        // not connected: fail at once (then ratelimit.redisFailure), rather than wait in a queue
        rejectIfRedisNotReady: true,
      });
  }
}
