import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets are 256-bit random values: a fast hash (SHA-256) stored in place of the secret is
 * as strong as a slow one would be, and keeps the token endpoint fast. The original stored them in
 * plain text.
 */
export function generateClientId(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * 256 random bits, base64url. A secret starting with `-` reads as an option on command lines
 * (`twitcherctl gentoken -s -x…` and most argument parsers): one in 64 would, so such draws are
 * drawn again (the secret keeps 256 bits of entropy less a fraction of one).
 */
export function generateClientSecret(): string {
  for (;;) {
    const secret = randomBytes(32).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A hash no secret matches, compared against when the client is unknown: an unknown client costs
 * the same as a wrong secret (no timing difference tells which client ids exist).
 */
export const DUMMY_SECRET_HASH = hashSecret(randomBytes(32).toString('base64url'));
