/**
 * Whether any rate limit is configured: the one question asked before the rate limits' modules (and
 * rate-limiter-flexible, ioredis) are loaded, so that a deployment without limits loads none of them.
 */
import type { RateLimitConfig, ScopeLimits } from '../config/ratelimit-types.js';

/** True when some scope, service override or client override sets a limit. */
export function anyRateLimit(config: RateLimitConfig): boolean {
  const has = (limits: ScopeLimits) => Object.values(limits).some((rule) => rule);
  return (
    has(config.global) || Object.values(config.services).some(has) || Object.values(config.clients).some(has)
  );
}
