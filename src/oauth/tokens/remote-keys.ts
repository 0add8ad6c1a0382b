/**
 * The signing keys of one external issuer: its JWK Set URL (configured, or from discovery, cached
 * once found), fetched through jose's `createRemoteJWKSet` (cached; refetched on an unknown `kid`
 * at most once per cooldown; every fetch bounded by a timeout).
 *
 * Fails closed: when the keys cannot be fetched the verification FAILS with `unavailable` (503) —
 * not `invalid_token` (401), because the token may be perfectly good and a client told its token
 * is invalid would throw it away; a 503 says "retry later". After a failure, requests that would
 * need a fetch fail at once for `retryAfterMs` instead of hammering a provider that is down.
 */
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { TwitcherError } from '../../errors.js';
import { discoverJwksUri } from './oidc-discovery.js';

export interface RemoteKeyOptions {
  /** Bound of each discovery or JWKS fetch (ms). */
  timeoutMs: number;
  /** Minimum time between two JWKS refetches triggered by unknown kids (ms). */
  cooldownMs: number;
  /** After a failed fetch, fail fast for this long (ms). */
  retryAfterMs: number;
}

type RemoteJWKSet = ReturnType<typeof createRemoteJWKSet>;

/** Fetch-side failures (network, timeout, non-200, not a JWK Set), as opposed to a bad token. */
function isFetchFailure(err: unknown): boolean {
  if (!(err instanceof errors.JOSEError)) return true; // fetch's TypeError, AbortError…
  return (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    err.constructor === errors.JOSEError
  );
}

function knowsKid(set: RemoteJWKSet, kid: string | undefined): boolean {
  const keys = set.jwks()?.keys ?? [];
  return kid === undefined ? keys.length > 0 : keys.some((k) => k.kid === kid);
}

export function createIssuerKeys(
  issuer: string,
  jwksUri: string | undefined,
  options: RemoteKeyOptions,
): JWTVerifyGetKey {
  let remote: RemoteJWKSet | undefined;
  let resolving: Promise<RemoteJWKSet> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;

  const unavailable = (detail: string, cause?: unknown) =>
    new TwitcherError('unavailable', {
      description: 'The access token cannot be verified now: its issuer is unreachable.',
      detail: `issuer ${issuer}: ${detail}`,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(options.retryAfterMs / 1000))) },
      cause,
    });
  const failed = (err: unknown) => {
    failedAt = Date.now();
    return unavailable(err instanceof Error ? `${err.name}: ${err.message}` : String(err), err);
  };
  const recentlyFailed = () => Date.now() - failedAt < options.retryAfterMs;

  async function keySet(): Promise<RemoteJWKSet> {
    if (remote) return remote;
    if (recentlyFailed()) throw unavailable('discovery failed recently');
    resolving ??= (async () => {
      const uri = jwksUri ?? (await discoverJwksUri(issuer, options.timeoutMs));
      return createRemoteJWKSet(new URL(uri), {
        timeoutDuration: options.timeoutMs,
        cooldownDuration: options.cooldownMs,
      });
    })().finally(() => {
      resolving = undefined;
    });
    try {
      remote = await resolving;
    } catch (err) {
      throw failed(err);
    }
    return remote;
  }

  return async (header, token) => {
    const set = await keySet();
    // a token whose key is cached verifies even while the provider is down; the others fail fast
    if (recentlyFailed() && !(set.fresh && knowsKid(set, header.kid)))
      throw unavailable('JWKS fetch failed recently');
    try {
      return await set(header, token);
    } catch (err) {
      if (isFetchFailure(err)) throw failed(err);
      throw err;
    }
  };
}
