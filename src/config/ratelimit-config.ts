/** The rate limits as configured (`ratelimit.*`), and the problems of a configuration that cannot hold. */
import type { RateLimitConfig } from './ratelimit-types.js';
import type { SettingReader } from './read-settings.js';

/** The `ratelimit.*` settings as one value. */
export function rateLimitConfig(_get: SettingReader['get']): RateLimitConfig {
  return {};
}

/** Every problem of the `ratelimit.*` settings taken together (each named). */
export function rateLimitProblems(_settings: SettingReader): string[] {
  return [];
}
