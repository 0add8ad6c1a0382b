import { type CacheStats, ChangeCache } from '../store/change-cache.js';
import type { Store } from '../store/types.js';
import { ACLIndex } from './acl-index.js';

const CACHE_MAX = 10_000;

/**
 * The indexed ACL of each service, loaded on first use and dropped on every change of resources,
 * permissions, groups or services (of this instance or, through the change feed, another one):
 * a change holds from the next request on. A load that raced with a change is used once, not kept.
 */
export class ACLCache {
  readonly #store: Store;
  readonly #cache: ChangeCache<ACLIndex>;

  constructor(store: Store) {
    this.#store = store;
    this.#cache = new ChangeCache({
      max: CACHE_MAX,
      changes: { feed: store.changes, drop: { authz: 'all', services: 'all' } },
    });
  }

  /** Hits and misses (read by the metrics). */
  get stats(): CacheStats {
    return this.#cache.stats;
  }

  get(service: string): Promise<ACLIndex> {
    return this.#cache.get(
      service,
      async () => new ACLIndex(await this.#store.permissions.forService(service)),
    );
  }

  close(): void {
    this.#cache.close();
  }
}
