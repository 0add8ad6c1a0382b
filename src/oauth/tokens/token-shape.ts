/**
 * Cheap checks on a presented token before any cryptography: its size, whether it has the shape of
 * a compact JWS, and an unverified look at its header and claims (for routing only: nothing read
 * here is trusted until a signature has been verified).
 */
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { TwitcherError } from '../../errors.js';

/** Tokens longer than this are refused unparsed (a bearer token is a few hundred bytes). */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** Compact JWS: three base64url segments (RFC 7515 §7.1); the signature is empty only for `none`. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function assertTokenSize(token: string): void {
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TwitcherError('invalid_token', {
      description: 'The access token is too large.',
      detail: `token of ${token.length} characters (limit ${MAX_TOKEN_LENGTH})`,
    });
  }
}

export function looksLikeJwt(token: string): boolean {
  return COMPACT_JWS.test(token);
}

export interface UnverifiedJwt {
  header: ProtectedHeaderParameters;
  payload: JWTPayload;
}

/** Decodes header and payload WITHOUT verifying anything; throws invalid_token when undecodable. */
export function peekJwt(token: string): UnverifiedJwt {
  try {
    return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
  } catch (err) {
    throw new TwitcherError('invalid_token', {
      description: 'The access token is malformed.',
      detail: err instanceof Error ? err.message : String(err),
    });
  }
}
