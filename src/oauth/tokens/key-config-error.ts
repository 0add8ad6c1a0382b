/**
 * A token configuration Twitcher refuses to start with (a weak secret, an unsupported key type, a
 * certificate that does not match its key, an external issuer allowing `none` or HMAC…). Thrown at
 * creation time, never while verifying a token.
 */
export class TokenConfigError extends TypeError {
  override readonly name = 'TokenConfigError';
}
