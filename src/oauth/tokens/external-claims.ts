/**
 * Maps the verified claims of an external provider's access token to an AccessTokenInfo. Providers
 * differ: scopes in `scope` (RFC 9068 §2.2.3, space separated), `scp` (an array), or roles such as
 * Keycloak's `realm_access.roles`; the client in `azp` (OIDC Core §2), `client_id` (RFC 9068
 * §2.2) or `sub` (client-credentials tokens).
 */
import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { TwitcherError } from '../../errors.js';
import type { AccessTokenInfo } from './types.js';

function malformed(detail: string): TwitcherError {
  return new TwitcherError('invalid_token', { description: 'The access token is malformed.', detail });
}

/**
 * The claim at `path`: a claim of that exact name first (names such as `https://x.org/roles` hold
 * dots), else the dotted path through nested objects (`realm_access.roles`).
 */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function scopesOf(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return [...value];
  throw malformed(`${claim} is neither a string nor an array of strings`);
}

function clientIdOf(payload: JWTPayload, claim: string | undefined): string {
  const candidates = claim === undefined ? ['azp', 'client_id', 'sub'] : [claim];
  for (const name of candidates) {
    const value = claimAt(payload, name);
    if (typeof value === 'string' && value !== '') return value;
  }
  throw malformed(`no client id in ${candidates.join(', ')}`);
}

export interface ClaimMapping {
  scopeClaim: string;
  clientIdClaim?: string | undefined;
}

/** The claims were verified (signature, iss, aud, exp, nbf) before this is called. */
export function externalTokenInfo(
  token: string,
  payload: JWTPayload,
  mapping: ClaimMapping,
  nowSeconds: number,
): AccessTokenInfo {
  const { iss, sub, jti, iat, nbf, exp } = payload;
  if (typeof exp !== 'number') throw malformed('exp missing');
  return {
    kind: 'external',
    // without a jti the token itself identifies it (hashed: the token is a secret)
    jti:
      typeof jti === 'string' && jti !== ''
        ? jti
        : `sha256:${createHash('sha256').update(token).digest('base64url')}`,
    clientId: clientIdOf(payload, mapping.clientIdClaim),
    scopes: scopesOf(claimAt(payload, mapping.scopeClaim), mapping.scopeClaim),
    issuedAt: typeof iat === 'number' ? iat : typeof nbf === 'number' ? nbf : nowSeconds,
    expiresAt: exp,
    issuer: iss,
    subject: typeof sub === 'string' ? sub : undefined,
    data: {},
    claims: { ...payload },
  };
}
