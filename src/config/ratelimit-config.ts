/** The rate limits as configured (`ratelimit.*`), and the problems of a configuration that cannot hold. */
import type { RateLimitConfig } from './ratelimit-types.js';
import type { SettingReader } from './read-settings.js';

const REDIS_SCHEMES = ['redis:', 'rediss:'];

/** The `ratelimit.*` settings as one value. */
export function rateLimitConfig(get: SettingReader['get']): RateLimitConfig {
  const global: RateLimitConfig['global'] = {};
  const client = get('ratelimit.client');
  const user = get('ratelimit.user');
  const address = get('ratelimit.address');
  const service = get('ratelimit.service');
  if (client) global.client = client;
  if (user) global.user = user;
  if (address) global.address = address;
  if (service) global.service = service;
  const url = get('ratelimit.redisUrl');
  return {
    global,
    services: get('ratelimit.services'),
    clients: get('ratelimit.clients'),
    redis:
      url === undefined
        ? undefined
        : { url, prefix: get('ratelimit.redisPrefix'), timeout: get('ratelimit.redisTimeout') },
    redisFailure: get('ratelimit.redisFailure'),
  };
}

/** Every problem of the `ratelimit.*` settings taken together (each named). */
export function rateLimitProblems(settings: SettingReader): string[] {
  const problems: string[] = [];
  for (const path of [
    'ratelimit.client',
    'ratelimit.user',
    'ratelimit.address',
    'ratelimit.service',
    'ratelimit.services',
    'ratelimit.clients',
  ] as const) {
    const problem = settings.jsonProblem(path);
    if (problem !== undefined) problems.push(problem);
  }
  const url = settings.peek('ratelimit.redisUrl');
  if (url !== undefined) {
    const problem = redisURLProblem(url);
    if (problem !== undefined) problems.push(`ratelimit.redisUrl ${problem}`);
  }
  if (settings.peek('ratelimit.redisTimeout') === 0) {
    problems.push('ratelimit.redisTimeout must be at least 1 ms');
  }
  return problems;
}

/** Why `url` is no Redis URL (never echoing it: it may hold a password), or undefined. */
function redisURLProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL such as redis://127.0.0.1:6379/0';
  }
  if (!REDIS_SCHEMES.includes(parsed.protocol)) {
    return `must be a redis:// or rediss:// URL, not ${parsed.protocol}//`;
  }
  if (parsed.hostname === '') return 'must name a host';
  return undefined;
}
