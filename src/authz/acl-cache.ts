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
  readonly #cache = new Map<string, ACLIndex>();
  #generation = 0;
  readonly #unsubscribe: () => void;

  constructor(store: Store) {
    this.#store = store;
    this.#unsubscribe = store.changes.subscribe((event) => {
      if (event.aggregate !== 'authz' && event.aggregate !== 'services' && event.aggregate !== 'all') return;
      this.#generation++;
      this.#cache.clear();
    });
  }

  async get(service: string): Promise<ACLIndex> {
    const hit = this.#cache.get(service);
    if (hit) return hit;
    const generation = this.#generation;
    const index = new ACLIndex(await this.#store.permissions.forService(service));
    if (generation === this.#generation) {
      if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
      this.#cache.set(service, index);
    }
    return index;
  }

  close(): void {
    this.#unsubscribe();
    this.#cache.clear();
  }
}
