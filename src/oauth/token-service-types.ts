import type { CacheStats } from '../store/change-cache.js';
import type { ClientRecord } from '../store/types.js';
import type { AccessTokenInfo } from './tokens/types.js';

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  scopes: string[];
  jti: string;
}

/** Everything the HTTP layer needs of access tokens, whatever their kinds. */
export interface TokenService {
  /** The kind the token endpoint issues; undefined when Twitcher issues none (`keycloak`). */
  readonly issuing: 'random' | 'signed' | 'custom' | 'macaroon' | undefined;
  /** Issues a token for a client: scopes already checked, data = client data + `extraData`. */
  issue(
    client: ClientRecord,
    scopes: string[],
    extraData?: Record<string, string>,
  ): Promise<IssuedAccessToken>;
  /** Validates a presented token; throws `TwitcherError('invalid_token')`. */
  verify(token: string): Promise<AccessTokenInfo>;
  /** Revokes a token (its jti until it expires); false when it is not a valid token of `clientId`. */
  revoke(token: string, clientId?: string): Promise<boolean>;
  /** The JWKS published at `/.well-known/jwks.json` (signed tokens), or undefined. */
  jwks(): { keys: object[] } | undefined;
  /** Hits and misses of the validated-token cache and of the live-client cache (read by the metrics). */
  readonly cacheStats: { tokens: CacheStats; clients: CacheStats };
  close(): Promise<void>;
}
