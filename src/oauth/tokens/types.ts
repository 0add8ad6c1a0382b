/**
 * Access tokens: the kinds Twitcher issues (random, signed, custom) and those it trusts from
 * external OpenID providers (Keycloak and any other). Pure interfaces; implementations beside.
 */

/** What a valid access token grants, whatever its kind. */
export interface AccessTokenInfo {
  /** How it was validated. */
  kind: 'random' | 'signed' | 'custom' | 'external';
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
  /** `iss` (the configured issuer for Twitcher's own JWTs, the provider for external ones). */
  issuer?: string | undefined;
  /** `sub` of an external token (the user at the provider). */
  subject?: string | undefined;
  /** Key/value data carried with the token (client data plus data added at issue). */
  data: Record<string, string>;
  /** For external tokens: every claim, for later mapping to users and groups. */
  claims?: Record<string, unknown> | undefined;
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
  readonly kind: 'random' | 'signed' | 'custom';
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
