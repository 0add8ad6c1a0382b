/**
 * The claims of Twitcher's own JWT access tokens (the `signed` and `custom` kinds), following the
 * JWT profile for access tokens (RFC 9068 §2.2): `iss, sub, aud, exp, iat, jti, client_id, scope`,
 * plus `data` (string key/values) when there is any. Unlike the original's custom token
 * (`ref, iss, exp`), the scope travels with the token so scopes can be checked.
 */
import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { TwitcherError } from '../../errors.js';
import type { AccessTokenInfo, IssueRequest } from './types.js';

/** RFC 9068 §2.1: the `typ` header of a JWT access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Claims every verified own token must carry (RFC 9068 §2.2; client_id is checked below). */
export const REQUIRED_OWN_CLAIMS = ['iss', 'aud', 'sub', 'exp', 'iat', 'jti'];

export interface OwnClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  client_id: string;
  scope?: string;
  data?: Record<string, string>;
}

/** Validates an issue request (programming errors, not token errors). */
export function checkIssueRequest(request: IssueRequest): void {
  if (!Number.isInteger(request.lifetime) || request.lifetime <= 0) {
    throw new TypeError(`token lifetime must be a positive integer of seconds, got ${request.lifetime}`);
  }
  if (request.clientId === '') throw new TypeError('token clientId must not be empty');
  for (const scope of request.scopes) {
    // RFC 6749 §3.3: scope tokens are non-empty and contain no space
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) throw new TypeError(`invalid scope token: "${scope}"`);
  }
}

export function buildOwnClaims(
  request: IssueRequest,
  issuer: string,
  audience: string,
  nowSeconds: number,
): OwnClaims {
  checkIssueRequest(request);
  const claims: OwnClaims = {
    iss: issuer,
    sub: request.clientId,
    aud: audience,
    iat: nowSeconds,
    exp: nowSeconds + request.lifetime,
    jti: randomUUID(),
    client_id: request.clientId,
  };
  if (request.scopes.length > 0) claims.scope = request.scopes.join(' ');
  if (Object.keys(request.data).length > 0) claims.data = { ...request.data };
  return claims;
}

function malformed(detail: string): TwitcherError {
  return new TwitcherError('invalid_token', { description: 'The access token is malformed.', detail });
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed('data is not an object');
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw malformed(`data.${key} is not a string`);
    out[key] = v;
  }
  return out;
}

/** Maps the claims of a VERIFIED own token (signature, iss, aud, exp already checked by jose). */
export function ownTokenInfo(kind: 'signed' | 'custom', payload: JWTPayload): AccessTokenInfo {
  const { sub, jti, iat, exp, scope, iss } = payload;
  const clientId = payload['client_id'];
  if (typeof sub !== 'string' || sub === '') throw malformed('sub missing');
  if (typeof clientId !== 'string' || clientId !== sub) throw malformed('client_id missing or not sub');
  if (typeof jti !== 'string' || jti === '') throw malformed('jti missing');
  if (typeof iat !== 'number' || typeof exp !== 'number') throw malformed('iat or exp missing');
  if (scope !== undefined && typeof scope !== 'string') throw malformed('scope is not a string');
  return {
    kind,
    jti,
    clientId,
    scopes: typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [],
    issuedAt: iat,
    expiresAt: exp,
    issuer: iss,
    data: stringRecord(payload['data']),
  };
}
