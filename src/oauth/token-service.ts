import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import { isTwitcherError, TwitcherError } from '../errors.js';
import { type Metrics, NO_METRICS } from '../metrics/metrics.js';
import { ChangeCache } from '../store/change-cache.js';
import type { Store } from '../store/types.js';
import { createLiveClients } from './live-clients.js';
import { mergeTokenData, tokenDataProblems } from './token-data.js';
import { createTokenKinds } from './token-kinds.js';
import type { TokenService } from './token-service-types.js';
import type { AccessTokenInfo } from './tokens/types.js';
import { createTokenVerifierChain } from './tokens/verifier-chain.js';

const CACHE_MAX = 10_000;
const CACHE_SECONDS = 60;

/**
 * Issuing and validation of access tokens, from the configuration: Twitcher issues one kind
 * (`token.type`) and accepts every kind whose key it has (token-kinds.ts). A token is valid while
 * its kind's key is there, it has not expired, its id is not revoked and its client exists and was
 * created before the token was issued (live-clients.ts); the data it carries can travel in headers.
 */
export async function createTokenService(
  config: Config,
  store: Store,
  metrics: Metrics = NO_METRICS,
): Promise<TokenService> {
  const t = config.token;
  const { issuer, verifiers, jwks } = await createTokenKinds(config, store);
  // Only refusals are counted: a failing store is no verdict on the token.
  const refused = (kind: string, err: unknown) => {
    if (err === undefined) metrics.tokenRefused(kind, '');
    else if (isTwitcherError(err) && err.code === 'invalid_token')
      metrics.tokenRefused(kind, err.description);
  };
  const verifyKind = createTokenVerifierChain(verifiers, refused);
  const liveClients = createLiveClients(store.clients, store.changes);

  const verifyUncached = async (token: string): Promise<AccessTokenInfo> => {
    const info = await verifyKind(token);
    try {
      await liveClients.assertClientLive(info);
    } catch (err) {
      refused(info.kind, err);
      throw err;
    }
    // Checked at registration and issue; a token issued before that check, or minted elsewhere with
    // the custom secret, is refused rather than failing at the proxy.
    if (tokenDataProblems(info.data, 'data').length > 0) {
      metrics.tokenRefused(info.kind, 'data');
      throw new TwitcherError('invalid_token', {
        description: 'The access token carries data that cannot be passed on in headers.',
        detail: `${info.kind} token ${info.jti}`,
      });
    }
    return info;
  };

  // Validated tokens are remembered (by their SHA-256) until they expire, for at most a minute, and
  // all are forgotten on any token or client change of any instance (revocation, client deletion):
  // a revoked token is refused on the next request. This spares a store lookup or a signature check
  // per request. A validation that a change overtook is not remembered.
  const cache = new ChangeCache<{ info: AccessTokenInfo; until: number }>({
    max: CACHE_MAX,
    changes: { feed: store.changes, drop: { tokens: 'all', clients: 'all' } },
    stale: (entry) => entry.until <= Date.now() / 1000,
  });
  const verify = async (token: string): Promise<AccessTokenInfo> => {
    const key = createHash('sha256').update(token).digest('base64url');
    const entry = await cache.get(key, async () => {
      const info = await verifyUncached(token);
      return { info, until: Math.min(info.expiresAt, Date.now() / 1000 + CACHE_SECONDS) };
    });
    return entry.info;
  };

  return {
    issuing: issuer?.kind,
    async issue(client, scopes, extraData = {}) {
      if (!issuer) throw new TypeError('this Twitcher issues no tokens');
      const data = mergeTokenData(client.data, extraData);
      // Registration and update check the client's data; this catches data stored before that check
      // and a merge too large as a whole.
      const problems = tokenDataProblems(data, 'data');
      if (problems.length > 0) {
        throw new TwitcherError('validation_failed', {
          description: `The token data of client ${client.clientId} cannot travel in headers: ${problems
            .map((p) => `${p.field} ${p.message}`)
            .join('; ')}.`,
          fields: problems,
        });
      }
      const issued = await issuer.issue({ clientId: client.clientId, scopes, lifetime: t.lifetime, data });
      metrics.tokenIssued(issuer.kind);
      return { accessToken: issued.accessToken, expiresIn: issued.expiresIn, scopes, jti: issued.jti };
    },
    verify,
    async revoke(token, clientId) {
      const info = await verify(token).catch(() => undefined);
      if (!info || (clientId !== undefined && info.clientId !== clientId)) return false;
      await store.tokens.revoke(info.jti, info.clientId, Math.max(info.expiresAt, info.revocableUntil ?? 0));
      return true;
    },
    jwks: () => jwks,
    cacheStats: { tokens: cache.stats, clients: liveClients.cacheStats },
    async close() {
      liveClients.close();
      cache.close();
    },
  };
}
