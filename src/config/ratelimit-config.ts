/** The rate limits as configured (`ratelimit.*`), and the problems of a configuration that cannot hold. */
import type { SettingReader } from './read-settings.js';

/** What the rate limits of the proxy are made from. */
export type RateLimitConfig = Record<string, never>;

/** The `ratelimit.*` settings as one value. */
export function rateLimitConfig(_get: SettingReader['get']): RateLimitConfig {
  return {};
}

/** Every problem of the `ratelimit.*` settings taken together (each named). */
export function rateLimitProblems(_settings: SettingReader): string[] {
  return [];
}
