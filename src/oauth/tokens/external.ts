/**
 * Access tokens of external OpenID providers (Keycloak and any other). The issuer is picked by the
 * token's unverified `iss`, but nothing is trusted until the signature verifies with THAT issuer's
 * keys and `iss`, `aud`, `exp`, `nbf` check out (RFC 9068 §4). Unlike the original Keycloak support
 * (`aud='account'`, `iss` unchecked, one realm), every issuer is explicit and several may be trusted.
 */
import { type JWTVerifyGetKey, jwtVerify } from 'jose';
import { TwitcherError } from '../../errors.js';
import { type ClaimMapping, externalTokenInfo } from './external-claims.js';
import { assertIssuedInThePast } from './issued-at.js';
import { toInvalidToken } from './jose-errors.js';
import { TokenConfigError } from './key-config-error.js';
import { DEFAULT_CLOCK_TOLERANCE } from './own-jwt.js';
import { createIssuerKeys } from './remote-keys.js';
import { assertNotRevoked } from './revocation.js';
import { assertTokenSize, looksLikeJwt, peekJwt } from './token-shape.js';
import type { AccessTokenInfo, Clock, RevocationList, TokenVerifier } from './types.js';

export interface ExternalIssuer {
  /** Exactly as in the tokens' `iss` and the discovery document's `issuer`. */
  issuer: string;
  /** The token's `aud` must contain this (or one of these). */
  audience: string | string[];
  /** Else taken from `{issuer}/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** Claim (or dotted path) of the scopes: a space-separated string or an array. Default `scope`. */
  scopeClaim?: string;
  /** Claim (or dotted path) of the client id. Default: `azp`, then `client_id`, then `sub`. */
  clientIdClaim?: string;
  /** Accepted signature algorithms (asymmetric only). Default RS256, ES256, PS256. */
  algorithms?: string[];
  /** Required `typ` header (e.g. `at+jwt`, RFC 9068 §4); default: not checked (Keycloak sends `JWT`). */
  typ?: string;
}

export interface ExternalTokenVerifierOptions {
  issuers: readonly ExternalIssuer[];
  revocations?: RevocationList | undefined;
  /** Seconds of leeway on exp/nbf; default 30. */
  clockTolerance?: number;
  /** Bound of each discovery/JWKS fetch (ms); default 5000. */
  fetchTimeoutMs?: number;
  /** Minimum interval between JWKS refetches caused by unknown kids (ms); default 30000. */
  jwksCooldownMs?: number;
  /** After a failed fetch, fail fast (503) for this long (ms); default 5000. */
  retryAfterMs?: number;
  clock?: Clock;
}

export const DEFAULT_EXTERNAL_ALGORITHMS = ['RS256', 'ES256', 'PS256'];
/** RFC 8725 §3.1/§3.2: only public-key algorithms; never `none`, never HMAC with published keys. */
const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

interface TrustedIssuer extends ClaimMapping {
  issuer: string;
  audience: string | string[];
  algorithms: string[];
  typ: string | undefined;
  keys: JWTVerifyGetKey;
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['https:', 'http:'].includes(new URL(value).protocol);
}

function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0)
    throw new TokenConfigError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}

function trusted(cfg: ExternalIssuer, options: ExternalTokenVerifierOptions): TrustedIssuer {
  const where = `external issuer ${cfg.issuer}`;
  if (!isHttpUrl(cfg.issuer)) throw new TokenConfigError(`${where}: the issuer must be an http(s) URL`);
  if (cfg.jwksUri !== undefined && !isHttpUrl(cfg.jwksUri)) {
    throw new TokenConfigError(`${where}: jwksUri must be an http(s) URL`);
  }
  const audiences = Array.isArray(cfg.audience) ? cfg.audience : [cfg.audience];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
    throw new TokenConfigError(`${where}: an audience is required`);
  }
  const algorithms = cfg.algorithms ?? DEFAULT_EXTERNAL_ALGORITHMS;
  const refused = algorithms.filter((a) => !ASYMMETRIC_ALGORITHMS.has(a));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new TokenConfigError(
      `${where}: algorithms must be asymmetric (${[...ASYMMETRIC_ALGORITHMS].join(', ')}); refused: ${refused.join(', ') || 'empty list'}`,
    );
  }
  return {
    issuer: cfg.issuer,
    audience: cfg.audience,
    algorithms: [...algorithms],
    typ: cfg.typ,
    scopeClaim: cfg.scopeClaim ?? 'scope',
    clientIdClaim: cfg.clientIdClaim,
    keys: createIssuerKeys(cfg.issuer, cfg.jwksUri, {
      timeoutMs: nonNegativeInteger(options.fetchTimeoutMs, 5000, 'fetchTimeoutMs'),
      cooldownMs: nonNegativeInteger(options.jwksCooldownMs, 30_000, 'jwksCooldownMs'),
      retryAfterMs: nonNegativeInteger(options.retryAfterMs, 5000, 'retryAfterMs'),
    }),
  };
}

export function createExternalTokenVerifier(options: ExternalTokenVerifierOptions): TokenVerifier {
  if (options.issuers.length === 0) throw new TokenConfigError('no external issuer configured');
  const byIssuer = new Map<string, TrustedIssuer>();
  for (const cfg of options.issuers) {
    if (byIssuer.has(cfg.issuer))
      throw new TokenConfigError(`external issuer ${cfg.issuer} configured twice`);
    byIssuer.set(cfg.issuer, trusted(cfg, options));
  }
  const clockTolerance = options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE;
  const clock = options.clock ?? Date.now;

  return {
    kind: 'external',
    async verify(token): Promise<AccessTokenInfo | undefined> {
      assertTokenSize(token);
      if (!looksLikeJwt(token)) return undefined;
      const claimed = peekJwt(token).payload.iss;
      const trust = typeof claimed === 'string' ? byIssuer.get(claimed) : undefined;
      if (!trust) {
        throw new TwitcherError('invalid_token', {
          description: 'The access token was issued by an untrusted issuer.',
          detail: `iss ${JSON.stringify(claimed)?.slice(0, 200)}`,
        });
      }
      const now = clock();
      let info: AccessTokenInfo;
      try {
        const { payload } = await jwtVerify(token, trust.keys, {
          algorithms: trust.algorithms,
          issuer: trust.issuer,
          audience: trust.audience,
          clockTolerance,
          currentDate: new Date(now),
          requiredClaims: ['exp'],
          ...(trust.typ === undefined ? {} : { typ: trust.typ }),
        });
        assertIssuedInThePast(payload, Math.floor(now / 1000), clockTolerance);
        info = externalTokenInfo(token, payload, trust, Math.floor(now / 1000));
      } catch (err) {
        throw toInvalidToken(err);
      }
      await assertNotRevoked(options.revocations, info.jti);
      return info;
    },
  };
}
