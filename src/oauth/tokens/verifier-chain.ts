/**
 * One entry point for every kind of access token. Cheap routing before any cryptography: the size;
 * an opaque token goes to the verifier of its prefix (`tw_` for random tokens) or to the one that
 * recognises it from its first bytes (macaroons: a v2 version byte and header field); a JWT goes to
 * Twitcher's own verifiers when its (unverified) `iss` is theirs — the `custom` one first for an
 * HMAC header, the `signed` one first otherwise — and to the external verifiers else. Routing only
 * chooses who verifies; each verifier fixes its algorithms and keys, so a lying header gains nothing.
 */
import { TwitcherError } from '../../errors.js';
import { assertTokenSize, looksLikeJwt, peekJwt } from './token-shape.js';
import type { AccessTokenInfo, TokenVerifier } from './types.js';

const isOwnJwtKind = (v: TokenVerifier) => v.kind === 'signed' || v.kind === 'custom';

function candidates(verifiers: readonly TokenVerifier[], token: string): TokenVerifier[] {
  if (!looksLikeJwt(token)) {
    return verifiers.filter((v) =>
      v.recognises !== undefined
        ? v.recognises(token)
        : v.prefix === undefined
          ? v.kind === 'random'
          : token.startsWith(v.prefix),
    );
  }
  const { header, payload } = peekJwt(token);
  const own = verifiers.filter((v) => isOwnJwtKind(v) && v.issuer !== undefined && v.issuer === payload.iss);
  if (own.length > 0) {
    const preferred = typeof header.alg === 'string' && header.alg.startsWith('HS') ? 'custom' : 'signed';
    return [...own.filter((v) => v.kind === preferred), ...own.filter((v) => v.kind !== preferred)];
  }
  // own verifiers without a routing hint, then the external providers
  return verifiers.filter((v) => (isOwnJwtKind(v) && v.issuer === undefined) || v.kind === 'external');
}

/**
 * `onRefused`: told the kind of the verifier that refused a token (`unknown` when none recognised it)
 * and the error, for the metrics.
 */
export function createTokenVerifierChain(
  verifiers: readonly TokenVerifier[],
  onRefused?: (kind: AccessTokenInfo['kind'] | 'unknown', err: unknown) => void,
): (token: string) => Promise<AccessTokenInfo> {
  const all = [...verifiers];
  return async (token) => {
    try {
      assertTokenSize(token);
    } catch (err) {
      onRefused?.('unknown', err);
      throw err;
    }
    for (const verifier of candidates(all, token)) {
      let info: AccessTokenInfo | undefined;
      try {
        info = await verifier.verify(token);
      } catch (err) {
        onRefused?.(verifier.kind, err);
        throw err;
      }
      if (info) return info;
    }
    onRefused?.('unknown', undefined);
    throw new TwitcherError('invalid_token', {
      description: 'The access token is not valid.',
      detail: looksLikeJwt(token) ? 'JWT of no configured issuer' : 'token of no configured kind',
    });
  };
}
