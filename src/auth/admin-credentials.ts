import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';
import { VerifiedPasswords } from './verified-passwords.js';

/** Checks the administrator's HTTP Basic credentials. */
export interface AdminVerifier {
  readonly username: string;
  verify(username: string, password: string): Promise<boolean>;
}

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
export async function ensureAdmin(config: Config, store: Store): Promise<EnsureAdminResult> {
  const username = config.admin.username;
  // A per-process key: digests in memory say nothing about the password outside this process.
  const key = randomBytes(32);
  const digest = (s: string) => createHmac('sha256', key).update(s).digest();

  if (config.admin.password !== undefined) {
    const expected = digest(config.admin.password);
    return {
      verifier: {
        username,
        verify: async (u, p) => timingSafeEqual(digest(p), expected) && u === username,
      },
    };
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
    verifier: cachedScryptVerifier(username, hash),
    ...(generatedPassword !== undefined && { generatedPassword }),
  };
}

function cachedScryptVerifier(username: string, hash: string): AdminVerifier {
  const verified = new VerifiedPasswords();
  return {
    username,
    async verify(u, p) {
      if (u !== username) {
        // Same work for an unknown user as for a wrong password: no timing oracle on the name.
        await verifyPassword(p, hash);
        return false;
      }
      return verified.check(u, p, hash);
    },
  };
}
