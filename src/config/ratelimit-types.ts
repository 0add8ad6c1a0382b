/** The shape of the rate limits once loaded (`Config['ratelimit']`); built by ratelimit-config.ts. */

/** Who a limit counts: a token's client, a user, a client address, or a service as a whole. */
export type RateLimitScope = 'client' | 'user' | 'address' | 'service';

export const RATE_LIMIT_SCOPES: readonly RateLimitScope[] = ['client', 'user', 'address', 'service'];

/**
 * `requests` per window of `per` seconds (a fixed window, counted by rate-limiter-flexible), and a
 * reserve of `burst` more requests for when a window's are spent, refilled every `burstPer` seconds.
 */
export interface RateLimitRule {
  requests: number;
  /** Seconds. */
  per: number;
  /** 0: no reserve. */
  burst: number;
  /** Seconds. */
  burstPer: number;
}

/** The limit of each scope: a rule, or null where an override lifts it; an absent scope has none (or inherits). */
export type ScopeLimits = Partial<Record<RateLimitScope, RateLimitRule | null>>;

/** What Redis failing does to a request: let it through, refuse it (503), or count it on this instance alone. */
export type RedisFailureMode = 'open' | 'closed' | 'local';

/** What the rate limits of the proxy are made from. */
export interface RateLimitConfig {
  /** `ratelimit.client`, `.user`, `.address`, `.service`: every request's limits. */
  global: ScopeLimits;
  /** `ratelimit.services`: per service name, the limits of requests to it (replacing the global ones). */
  services: Record<string, ScopeLimits>;
  /** `ratelimit.clients`: per OAuth2 client id, its own `client` limit (replacing the others). */
  clients: Record<string, Pick<ScopeLimits, 'client'>>;
  /** Shared through Redis (several instances, one budget); undefined: in memory. */
  redis: { url: string; prefix: string; timeout: number } | undefined;
  redisFailure: RedisFailureMode;
}
