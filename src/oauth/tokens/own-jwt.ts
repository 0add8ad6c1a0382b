/**
 * Signing and verifying Twitcher's own JWT access tokens; `signed.ts` and `custom.ts` only choose
 * the key and the algorithm. The accepted algorithms always come from configuration, never from
 * the token (RFC 8725 §3.1), and the token's `typ` must be `at+jwt` (RFC 9068 §4, RFC 8725 §3.11).
 */
import type { KeyObject } from 'node:crypto';
import { type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { assertIssuedInThePast } from './issued-at.js';
import { toInvalidToken } from './jose-errors.js';
import { ACCESS_TOKEN_TYP, buildOwnClaims, ownTokenInfo, REQUIRED_OWN_CLAIMS } from './own-claims.js';
import { assertNotRevoked } from './revocation.js';
import { assertTokenSize, looksLikeJwt, peekJwt } from './token-shape.js';
import type { AccessTokenInfo, Clock, IssuedToken, IssueRequest, RevocationList } from './types.js';

/** Default leeway on exp/nbf/iat for clock skew between Twitcher instances (seconds). */
export const DEFAULT_CLOCK_TOLERANCE = 30;

export interface OwnSigner {
  alg: string;
  kid?: string | undefined;
  key: KeyObject;
}

export async function signOwnJwt(
  signer: OwnSigner,
  request: IssueRequest,
  issuer: string,
  audience: string,
  clock: Clock,
): Promise<IssuedToken> {
  const claims = buildOwnClaims(request, issuer, audience, Math.floor(clock() / 1000));
  const header = { alg: signer.alg, typ: ACCESS_TOKEN_TYP, ...(signer.kid ? { kid: signer.kid } : {}) };
  const accessToken = await new SignJWT(claims).setProtectedHeader(header).sign(signer.key);
  return { accessToken, expiresIn: request.lifetime, jti: claims.jti };
}

export interface OwnVerification {
  kind: 'signed' | 'custom';
  issuer: string;
  audience: string;
  /** Fixed by configuration (RFC 8725 §3.1). */
  algorithms: string[];
  key: KeyObject | JWTVerifyGetKey;
  revocations?: RevocationList | undefined;
  clockTolerance: number;
  clock: Clock;
}

/** undefined when the token is not a JWT of this issuer; throws invalid_token when it is and is bad. */
export async function verifyOwnJwt(token: string, v: OwnVerification): Promise<AccessTokenInfo | undefined> {
  assertTokenSize(token);
  if (!looksLikeJwt(token)) return undefined;
  // routing only: the unverified iss says whose token it claims to be; jose checks it again below
  if (peekJwt(token).payload.iss !== v.issuer) return undefined;
  let info: AccessTokenInfo;
  try {
    const now = v.clock();
    const options = {
      algorithms: v.algorithms,
      issuer: v.issuer,
      audience: v.audience,
      typ: ACCESS_TOKEN_TYP,
      clockTolerance: v.clockTolerance,
      currentDate: new Date(now),
      requiredClaims: REQUIRED_OWN_CLAIMS,
    };
    // two calls rather than a union argument: jose overloads jwtVerify on the key's type
    const { payload } =
      typeof v.key === 'function'
        ? await jwtVerify(token, v.key, options)
        : await jwtVerify(token, v.key, options);
    assertIssuedInThePast(payload, Math.floor(now / 1000), v.clockTolerance);
    info = ownTokenInfo(v.kind, payload);
  } catch (err) {
    throw toInvalidToken(err);
  }
  await assertNotRevoked(v.revocations, info.jti);
  return info;
}
