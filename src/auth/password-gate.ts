import { TwitcherError } from '../errors.js';
import type { UserRepository } from '../store/types.js';
import { createUserVerifier } from '../users/verify-user.js';
import { FailureLimiter } from './failure-limiter.js';

const WINDOW_MS = 5 * 60_000;

/**
 * Twitcher users' passwords on a route that takes them with every request (HTTP Basic on `auth: acl`
 * services): checked against their scrypt hashes (good ones remembered for a while), failures
 * limited per user name and per client address — past the limit, 429 with `Retry-After`, before
 * any hash is computed.
 */
export function createPasswordGate(users: UserRepository, maxFailures: number) {
  const verify = createUserVerifier(users);
  const limiter = new FailureLimiter(maxFailures, WINDOW_MS);
  return async function check(username: string, password: string, address: string): Promise<boolean> {
    const keys = [`user:${username}`, `addr:${address}`];
    const wait = Math.max(...keys.map((k) => limiter.retryAfter(k)));
    if (wait > 0) {
      throw new TwitcherError('invalid_request', {
        status: 429,
        description: 'Too many failed attempts; try again later.',
        headers: { 'Retry-After': String(wait) },
      });
    }
    const ok = await verify(username, password);
    for (const k of keys) ok ? limiter.succeed(k) : limiter.fail(k);
    return ok;
  };
}
