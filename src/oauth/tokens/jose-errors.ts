/**
 * Turns what `jose` throws while verifying a JWT into the one public error of a bad token,
 * `invalid_token` (RFC 6750 §3.1), with a description a client developer can act on; the library's
 * own message goes to `detail` (logged, never sent).
 */
import { errors } from 'jose';
import { TwitcherError } from '../../errors.js';

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The access token expired.';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return 'The access token is not yet valid.';
      case 'iat':
        return 'The access token was issued in the future.';
      case 'iss':
        return 'The access token was issued by another issuer.';
      case 'aud':
        return 'The access token is not meant for this service.';
      case 'typ':
        return 'The access token has the wrong type.';
      default:
        return `The access token has an invalid "${err.claim}" claim.`;
    }
  }
  // RFC 8725 §3.1: an algorithm outside the configured list (`none`, HMAC where a key pair is used).
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The access token is signed with a refused algorithm.';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The access token signature is invalid.';
  if (err instanceof errors.JWKSNoMatchingKey) return 'The access token is signed with an unknown key.';
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return 'The access token is signed with an ambiguous key.';
  return 'The access token is malformed.';
}

/** Rethrows a TwitcherError unchanged; anything else becomes invalid_token. */
export function toInvalidToken(err: unknown): TwitcherError {
  if (err instanceof TwitcherError) return err;
  return new TwitcherError('invalid_token', {
    description: describe(err),
    detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    cause: err,
  });
}
