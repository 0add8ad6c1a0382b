/**
 * `signed` tokens: JWTs signed with Twitcher's key pair (RS256 or ES256), verifiable by anyone with
 * the JWK Set. Only the current key signs; previous keys (after a rotation) still verify.
 */
import { TwitcherError } from '../../errors.js';
import { TokenConfigError } from './key-config-error.js';
import { DEFAULT_CLOCK_TOLERANCE, signOwnJwt, verifyOwnJwt } from './own-jwt.js';
import type { SigningKey, VerificationKey } from './signing-key.js';
import type { Clock, RevocationList, TokenIssuer, TokenVerifier } from './types.js';

export interface SignedTokenIssuerOptions {
  key: SigningKey;
  issuer: string;
  audience: string;
  clock?: Clock;
}

export function createSignedTokenIssuer(options: SignedTokenIssuerOptions): TokenIssuer {
  const { key, issuer, audience, clock = Date.now } = options;
  const signer = { alg: key.alg, kid: key.kid, key: key.privateKey };
  return {
    kind: 'signed',
    issue: (request) => signOwnJwt(signer, request, issuer, audience, clock),
  };
}

export interface SignedTokenVerifierOptions {
  /** The current key and any previous ones still accepted. */
  keys: readonly VerificationKey[];
  issuer: string;
  audience: string;
  revocations: RevocationList;
  /** Seconds of leeway on exp/nbf; default 30. */
  clockTolerance?: number;
  clock?: Clock;
}

function unknownKey(kid: string | undefined): TwitcherError {
  return new TwitcherError('invalid_token', {
    description: 'The access token is signed with an unknown key.',
    detail: kid === undefined ? 'no kid in the token header' : `unknown kid ${kid}`,
  });
}

export function createSignedTokenVerifier(options: SignedTokenVerifierOptions): TokenVerifier {
  if (options.keys.length === 0)
    throw new TokenConfigError('signed tokens need at least one verification key');
  const byKid = new Map(options.keys.map((k) => [k.kid, k]));
  // RFC 8725 §3.1: the accepted algorithms are those of the configured keys, nothing else
  const algorithms = [...new Set(options.keys.map((k) => k.alg))];
  const verification = {
    kind: 'signed' as const,
    issuer: options.issuer,
    audience: options.audience,
    algorithms,
    // RFC 8725 §3.2: each kid resolves to one asymmetric public key, used only with its own algorithm
    key: (header: { alg?: string | undefined; kid?: string | undefined }) => {
      const key = header.kid === undefined ? undefined : byKid.get(header.kid);
      if (!key) throw unknownKey(header.kid);
      if (key.alg !== header.alg) {
        throw new TwitcherError('invalid_token', {
          description: 'The access token is signed with a refused algorithm.',
          detail: `kid ${key.kid} is ${key.alg}, token says ${header.alg}`,
        });
      }
      return key.publicKey;
    },
    revocations: options.revocations,
    clockTolerance: options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE,
    clock: options.clock ?? Date.now,
  };
  return {
    kind: 'signed',
    issuer: options.issuer,
    verify: (token) => verifyOwnJwt(token, verification),
  };
}
