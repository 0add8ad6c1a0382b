import { createHmac, randomBytes } from 'node:crypto';
import { lru } from '../util/lru.js';
import { verifyPassword } from './password.js';

const TTL = 5 * 60_000;
const MAX = 10_000;

/**
 * scrypt costs ~0.1 s by design: matches of a password with a stored hash are remembered for a few
 * minutes (at most MAX, least recently used first out), as keyed digests only (the key lives in this
 * process). The hash is part of the digest, so a password change invalidates what was remembered.
 */
export class VerifiedPasswords {
  readonly #key = randomBytes(32);
  readonly #good = lru<string, number>(MAX);

  async check(username: string, password: string, hash: string): Promise<boolean> {
    const k = createHmac('sha256', this.#key).update(`${username}\0${password}\0${hash}`).digest('base64');
    const until = this.#good.get(k);
    if (until !== undefined && until > Date.now()) return true;
    const ok = await verifyPassword(password, hash);
    if (ok) this.#good.set(k, Date.now() + TTL);
    return ok;
  }
}
