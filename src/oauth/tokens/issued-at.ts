/**
 * `iat` in the future (beyond the leeway) means a wrong clock at the issuer or a forged token:
 * refused. jose checks `iat` only against a maximum age, so the check lives here.
 */
import type { JWTPayload } from 'jose';
import { TwitcherError } from '../../errors.js';

export function assertIssuedInThePast(payload: JWTPayload, nowSeconds: number, clockTolerance: number): void {
  if (typeof payload.iat === 'number' && payload.iat > nowSeconds + clockTolerance) {
    throw new TwitcherError('invalid_token', {
      description: 'The access token was issued in the future.',
      detail: `iat ${payload.iat} > now ${nowSeconds} + ${clockTolerance} s`,
    });
  }
}
