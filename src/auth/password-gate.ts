import type { UserRepository } from '../store/types.js';
import { createUserVerifier } from '../users/verify-user.js';
import { CredentialThrottle } from './failure-limiter.js';

/**
 * Twitcher users' passwords on a route that takes them with every request (HTTP Basic on `auth: acl`
 * services): checked against their scrypt hashes (good ones remembered for a while), failures
 * limited per user name and per client address (CredentialThrottle: 429 `too_many_failures`).
 */
export function createPasswordGate(users: UserRepository, maxFailures: number) {
  const verify = createUserVerifier(users);
  const throttle = new CredentialThrottle(maxFailures);
  return async function check(username: string, password: string, address: string): Promise<boolean> {
    return throttle.attempt(username, address, password, 'Too many failed attempts; try again later.', () =>
      verify(username, password),
    );
  };
}
