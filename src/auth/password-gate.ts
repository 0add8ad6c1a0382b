import type { UserRepository } from '../store/types.js';
import { createUserVerifier } from '../users/verify-user.js';
import { CredentialThrottle } from './failure-limiter.js';

/**
 * Twitcher users' passwords on a route that takes them with every request (HTTP Basic on `auth: acl`
 * services): checked against their scrypt hashes (good ones remembered for a while), failures
 * limited per user name and per client address (CredentialThrottle).
 */
export function createPasswordGate(users: UserRepository, maxFailures: number) {
  const verify = createUserVerifier(users);
  const throttle = new CredentialThrottle(maxFailures);
  return async function check(username: string, password: string, address: string): Promise<boolean> {
    throttle.check(username, address, 'Too many failed attempts; try again later.');
    const ok = await verify(username, password);
    if (ok) throttle.succeeded(username, address);
    else throttle.failed(username, address);
    return ok;
  };
}
