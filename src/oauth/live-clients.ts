/**
 * Tokens die with their client. Signed tokens, custom tokens and macaroons are checked without the
 * store, so deleting a client would leave them valid until they expire; this module knows which
 * clients exist, and since when, so that every token of Twitcher's own is refused once its client is
 * gone — or was deleted and created again under the same id after the token was issued (its `iat` is
 * before the client's creation).
 *
 * The answer is remembered per client id (present with its creation time, or absent), in a bounded
 * cache (store/change-cache.ts), least recently used first out: a request costs a store lookup only on the first token of a
 * client. Any change of a client — in this instance or another, told by the store's change feed
 * (PostgreSQL NOTIFY, SQLite data_version) — forgets what was remembered about it.
 */
import { TwitcherError } from '../errors.js';
import { type CacheStats, ChangeCache } from '../store/change-cache.js';
import type { ChangeFeed, ClientRepository } from '../store/types.js';
import type { AccessTokenInfo } from './tokens/types.js';

/** Client ids remembered at most (as many present, as many absent); a hit costs a Map lookup. */
export const LIVE_CLIENTS_MAX = 10_000;

export interface LiveClients {
  /**
   * Throws `TwitcherError('invalid_token')` when `info` is a token Twitcher issued (not an external
   * provider's) and its client is gone, or was created after the token was issued.
   */
  assertClientLive(info: AccessTokenInfo): Promise<void>;
  /** Hits and misses of the client cache (read by the metrics). */
  readonly cacheStats: CacheStats;
  /** Stops listening to the change feed. */
  close(): void;
}

export interface LiveClientsOptions {
  /** Default LIVE_CLIENTS_MAX. */
  max?: number;
}

export function createLiveClients(
  clients: Pick<ClientRepository, 'get'>,
  changes: ChangeFeed,
  options: LiveClientsOptions = {},
): LiveClients {
  const max = options.max ?? LIVE_CLIENTS_MAX;
  // A lookup that a change overtook is used once but not remembered (it may have read the client
  // just before it was deleted).
  const known = new ChangeCache<number>({
    max,
    maxAbsent: max,
    changes: { feed: changes, drop: { clients: 'key' } },
  });

  /** The client's creation time in epoch seconds (rounded down, as a token's `iat`); undefined: none. */
  const createdAt = (clientId: string): Promise<number | undefined> =>
    known.lookup(clientId, async () => {
      const client = await clients.get(clientId);
      return client ? Math.floor(client.createdAt / 1000) : undefined;
    });

  return {
    cacheStats: known.stats,
    async assertClientLive(info) {
      // An external provider's clients are not Twitcher's: their tokens live and die there.
      if (info.kind === 'external') return;
      const since = await createdAt(info.clientId);
      if (since === undefined) {
        throw new TwitcherError('invalid_token', {
          description: 'The access token was issued to a client that no longer exists.',
          detail: `${info.kind} token ${info.jti}: no client ${info.clientId}`,
        });
      }
      if (info.issuedAt < since) {
        throw new TwitcherError('invalid_token', {
          description: 'The access token was issued to a client that no longer exists.',
          detail: `${info.kind} token ${info.jti} issued at ${info.issuedAt}, client ${info.clientId} created at ${since}`,
        });
      }
    },
    close() {
      known.close();
    },
  };
}
