/** The shape of the rate limits once loaded (`Config['ratelimit']`); built by ratelimit-config.ts. */

/** What the rate limits of the proxy are made from. */
export type RateLimitConfig = Record<string, never>;
