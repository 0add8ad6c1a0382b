/** Settings of the rate limits (filled in by the rate-limit work: see src/config/ratelimit-config.ts). */

export const RATELIMIT_SETTINGS = {};
