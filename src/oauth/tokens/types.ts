/**
 * Access tokens: the kinds Twitcher issues (random, signed, custom, macaroon) and those it trusts
 * from external OpenID providers (Keycloak and any other). Pure interfaces; implementations beside.
 */
import type { TokenRestriction } from './macaroon-caveats.js';

/** What a valid access token grants, whatever its kind. */
export interface AccessTokenInfo {
  /** How it was validated. */
  kind: 'random' | 'signed' | 'custom' | 'macaroon' | 'external';
  /** Unique id of this token (jti, or the random token's record id): revocation key. */
  jti: string;
  /** The OAuth2 client it was issued to (`sub`/`client_id`/`azp` for external tokens). */
  clientId: string;
  /** Granted scopes. */
  scopes: string[];
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
  /**
   * Epoch seconds until which a revocation of `jti` must be kept, when later than `expiresAt`: a
   * narrowed macaroon expires early, the one it was narrowed from (same jti) does not.
   */
  revocableUntil?: number | undefined;
  /** `iss` (the configured issuer for Twitcher's own JWTs, the provider for external ones). */
  issuer?: string | undefined;
  /** `sub` of an external token (the user at the provider). */
  subject?: string | undefined;
  /** Key/value data carried with the token (client data plus data added at issue). */
  data: Record<string, string>;
  /** For external tokens: every claim, for later mapping to users and groups. */
  claims?: Record<string, unknown> | undefined;
  /**
   * For macaroons: the caveats that depend on the request (service, operation, process, layer,
   * method, path, client address) and on the clock, all of which must hold for each request
   * (`checkRestrictions`). Undefined: the token is not narrowed beyond its scopes and expiry.
   */
  restrictions?: readonly TokenRestriction[] | undefined;
}

/** What the token endpoint asks an issuer for. */
export interface IssueRequest {
  clientId: string;
  scopes: string[];
  /** Seconds. */
  lifetime: number;
  data: Record<string, string>;
}

export interface IssuedToken {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  jti: string;
}

/** Issues Twitcher's own tokens of one kind. */
export interface TokenIssuer {
  readonly kind: 'random' | 'signed' | 'custom' | 'macaroon';
  issue(request: IssueRequest): Promise<IssuedToken>;
}

/**
 * Validates one kind of token. `verify` returns undefined when the token is not of its kind (so the
 * next verifier may try) and throws `TwitcherError('invalid_token')` when it is of its kind but bad
 * (expired, wrong signature, wrong issuer or audience, revoked, …).
 */
export interface TokenVerifier {
  readonly kind: AccessTokenInfo['kind'];
  /** Routing hint for a chain (JWT kinds of Twitcher's own): the `iss` this verifier accepts. */
  readonly issuer?: string | undefined;
  /** Routing hint for a chain (opaque kinds): the prefix every token of this kind starts with. */
  readonly prefix?: string | undefined;
  /** Routing hint for a chain (opaque kinds without a fixed prefix): a cheap look at the token. */
  recognises?(token: string): boolean;
  verify(token: string): Promise<AccessTokenInfo | undefined>;
}

/** The current time in epoch milliseconds (`Date.now` unless a test injects another). */
export type Clock = () => number;

/** Storage of random tokens, by the SHA-256 of the token (the token itself is never stored). */
export interface RandomTokenStore {
  insert(record: RandomTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<RandomTokenRecord | undefined>;
}

export interface RandomTokenRecord {
  jti: string;
  /** base64url SHA-256 of the token. */
  tokenHash: string;
  clientId: string;
  scopes: string[];
  data: Record<string, string>;
  /** Epoch seconds. */
  issuedAt: number;
  expiresAt: number;
}

/** Revoked token ids (jti), kept until the token would have expired. */
export interface RevocationList {
  isRevoked(jti: string): Promise<boolean>;
}
