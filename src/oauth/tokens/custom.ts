/**
 * `custom` tokens: HS256 JWTs with a secret shared by the Twitcher instances (and nobody else: any
 * holder of the secret can mint tokens). Same claims as `signed` tokens, scope included.
 */
import { createSecretKey } from 'node:crypto';
import { TokenConfigError } from './key-config-error.js';
import { DEFAULT_CLOCK_TOLERANCE, signOwnJwt, verifyOwnJwt } from './own-jwt.js';
import type { Clock, RevocationList, TokenIssuer, TokenVerifier } from './types.js';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output, 256 bits. */
export const MIN_SECRET_BYTES = 32;

function secretKey(secret: string | Uint8Array) {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new TokenConfigError(
      `the custom token secret has ${bytes.length} bytes, at least ${MIN_SECRET_BYTES} are required (RFC 7518 §3.2)`,
    );
  }
  return createSecretKey(bytes);
}

export interface CustomTokenIssuerOptions {
  secret: string | Uint8Array;
  issuer: string;
  audience: string;
  clock?: Clock;
}

export function createCustomTokenIssuer(options: CustomTokenIssuerOptions): TokenIssuer {
  const signer = { alg: 'HS256', key: secretKey(options.secret) };
  const clock = options.clock ?? Date.now;
  return {
    kind: 'custom',
    issue: (request) => signOwnJwt(signer, request, options.issuer, options.audience, clock),
  };
}

export interface CustomTokenVerifierOptions extends CustomTokenIssuerOptions {
  revocations: RevocationList;
  /** Seconds of leeway on exp/nbf; default 30. */
  clockTolerance?: number;
}

export function createCustomTokenVerifier(options: CustomTokenVerifierOptions): TokenVerifier {
  const verification = {
    kind: 'custom' as const,
    issuer: options.issuer,
    audience: options.audience,
    // RFC 8725 §3.1: HS256 only; an RS256 or `none` token is refused, whatever its header says
    algorithms: ['HS256'],
    key: secretKey(options.secret),
    revocations: options.revocations,
    clockTolerance: options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE,
    clock: options.clock ?? Date.now,
  };
  return {
    kind: 'custom',
    issuer: options.issuer,
    verify: (token) => verifyOwnJwt(token, verification),
  };
}
