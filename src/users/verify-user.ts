import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { VerifiedPasswords } from '../auth/verified-passwords.js';
import type { UserRepository } from '../store/types.js';

/**
 * Checks a user's password against its scrypt hash (good ones remembered for a few minutes, see
 * VerifiedPasswords). An unknown user costs the same time as a wrong password.
 */
export function createUserVerifier(users: UserRepository) {
  const verified = new VerifiedPasswords();
  let dummy: Promise<string> | undefined;
  return async function verifyUser(username: string, password: string): Promise<boolean> {
    const user = await users.get(username);
    if (!user) {
      dummy ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await dummy);
      return false;
    }
    return verified.check(username, password, user.passwordHash);
  };
}
