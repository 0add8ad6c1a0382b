/**
 * Random (opaque) access tokens: `tw_` + 32 random bytes in base64url. The prefix lets a chain of
 * verifiers recognise them without a lookup and lets secret scanners find leaked ones. Only the
 * SHA-256 of a token is stored: a fast hash suffices for a 256-bit random secret (no dictionary to
 * attack), and the lookup is by hash, so no comparison of secrets can leak timing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TwitcherError } from '../../errors.js';
import { checkIssueRequest } from './own-claims.js';
import { assertNotRevoked } from './revocation.js';
import { assertTokenSize } from './token-shape.js';
import type { Clock, RandomTokenStore, RevocationList, TokenIssuer, TokenVerifier } from './types.js';

export const RANDOM_TOKEN_PREFIX = 'tw_';
const TOKEN_BYTES = 32;
/** base64url of 32 bytes, unpadded: 43 characters. */
const RANDOM_TOKEN = new RegExp(`^${RANDOM_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);

/** base64url SHA-256 of the whole token (prefix included): the stored lookup key. */
export function hashRandomToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function createRandomTokenIssuer(store: RandomTokenStore, clock: Clock = Date.now): TokenIssuer {
  return {
    kind: 'random',
    async issue(request) {
      checkIssueRequest(request);
      const accessToken = RANDOM_TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
      const jti = randomBytes(16).toString('base64url');
      const issuedAt = Math.floor(clock() / 1000);
      await store.insert({
        jti,
        tokenHash: hashRandomToken(accessToken),
        clientId: request.clientId,
        scopes: [...request.scopes],
        data: { ...request.data },
        issuedAt,
        expiresAt: issuedAt + request.lifetime,
      });
      return { accessToken, expiresIn: request.lifetime, jti };
    },
  };
}

function invalid(description: string, detail: string): TwitcherError {
  return new TwitcherError('invalid_token', { description, detail });
}

export function createRandomTokenVerifier(
  store: RandomTokenStore,
  revocations: RevocationList,
  clock: Clock = Date.now,
): TokenVerifier {
  return {
    kind: 'random',
    prefix: RANDOM_TOKEN_PREFIX,
    async verify(token) {
      assertTokenSize(token);
      if (!token.startsWith(RANDOM_TOKEN_PREFIX)) return undefined;
      if (!RANDOM_TOKEN.test(token))
        throw invalid('The access token is malformed.', 'bad random token shape');
      const record = await store.findByHash(hashRandomToken(token));
      if (!record) throw invalid('The access token is not valid.', 'unknown random token');
      // RFC 6749 §4.2.2 expires_in: the token is unusable from expiresAt on
      if (Math.floor(clock() / 1000) >= record.expiresAt) {
        throw invalid(
          'The access token expired.',
          `random token ${record.jti} expired at ${record.expiresAt}`,
        );
      }
      await assertNotRevoked(revocations, record.jti);
      return {
        kind: 'random',
        jti: record.jti,
        clientId: record.clientId,
        scopes: [...record.scopes],
        issuedAt: record.issuedAt,
        expiresAt: record.expiresAt,
        data: { ...record.data },
      };
    },
  };
}
