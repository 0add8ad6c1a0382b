import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import { CredentialThrottle, type CredentialThrottleOptions } from './failure-limiter.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';
import { VerifiedPasswords } from './verified-passwords.js';

/** Checks the administrator's HTTP Basic credentials. */
export interface AdminVerifier {
  readonly username: string;
  /**
   * True for the administrator's user name and password. Failures are limited per user name and per
   * client `address` like logons (`certs.maxFailures` in 5 minutes): past the limit, throws
   * `TwitcherError('too_many_failures')` (429, `Retry-After`) before looking at the password.
   */
  verify(username: string, password: string, address: string): Promise<boolean>;
}

type PasswordCheck = (username: string, password: string) => Promise<boolean>;

export interface EnsureAdminResult {
  verifier: AdminVerifier;
  /** Set only on the first start without a configured password: show it once, never log it. */
  generatedPassword?: string;
}

/**
 * Where the administrator's password comes from, in order: `admin.password` (kept only as a keyed
 * digest in memory), `admin.passwordHash`, or the store. With none, the first start generates a
 * strong password, stores only its scrypt hash and returns the password to be printed once.
 */
export async function ensureAdmin(
  config: Config,
  store: Store,
  options: CredentialThrottleOptions = {},
): Promise<EnsureAdminResult> {
  const username = config.admin.username;
  // A per-process key: digests in memory say nothing about the password outside this process.
  const key = randomBytes(32);
  const digest = (s: string) => createHmac('sha256', key).update(s).digest();

  if (config.admin.password !== undefined) {
    const expected = digest(config.admin.password);
    const check: PasswordCheck = async (u, p) => timingSafeEqual(digest(p), expected) && u === username;
    return { verifier: throttled(username, check, config, options) };
  }

  let hash = config.admin.passwordHash;
  let generatedPassword: string | undefined;
  if (hash === undefined) {
    const existing = await store.users.get(username);
    if (existing?.isAdmin) hash = existing.passwordHash;
    else if (existing) {
      throw new TwitcherError('duplicate_name', {
        description: `user "${username}" exists but is not an administrator; choose another admin.username`,
      });
    } else {
      const password = generatePassword();
      const passwordHash = await hashPassword(password);
      try {
        await store.users.create({ username, passwordHash, isAdmin: true });
        generatedPassword = password;
        hash = passwordHash;
      } catch (err) {
        // Another instance created it at the same moment: use theirs.
        const other = await store.users.get(username);
        if (!other) throw err;
        hash = other.passwordHash;
      }
    }
  }
  return {
    verifier: throttled(username, cachedScryptCheck(username, hash), config, options),
    ...(generatedPassword !== undefined && { generatedPassword }),
  };
}

function cachedScryptCheck(username: string, hash: string): PasswordCheck {
  const verified = new VerifiedPasswords();
  return async (u, p) => {
    if (u !== username) {
      // Same work for an unknown user as for a wrong password: no timing oracle on the name.
      await verifyPassword(p, hash);
      return false;
    }
    return verified.check(u, p, hash);
  };
}

/** The password check behind the throttle of failed attempts (CredentialThrottle). */
function throttled(
  username: string,
  check: PasswordCheck,
  config: Config,
  options: CredentialThrottleOptions,
): AdminVerifier {
  const throttle = new CredentialThrottle(config.certs.maxFailures, options);
  return {
    username,
    verify: (u, p, address) =>
      throttle.attempt(u, address, p, 'Too many failed attempts; try again later.', () => check(u, p)),
  };
}
