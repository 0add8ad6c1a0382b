import { TwitcherError } from '../errors.js';
import { type CacheStats, ChangeCache } from '../store/change-cache.js';
import type { Store } from '../store/types.js';
import { generateName, sanitizeName } from './names.js';
import { type ParseServiceOptions, parseServiceInput } from './parse-service.js';
import type { Service } from './service.js';

/** Most services (and as many unknown names) held by the lookup cache; the bound only guards memory. */
const CACHE_MAX = 10_000;
const GENERATED_NAME_TRIES = 8;

/**
 * The service registry: admin operations and the proxy's lookup. Lookups are cached in memory, the
 * names found unknown too (a flood of requests to made-up services costs no database query), and
 * both are dropped on every change, of this instance or (through the store's change feed) of
 * another one: never stale by design.
 */
export class ServiceRegistry {
  readonly #store: Store;
  readonly #cache: ChangeCache<Service>;

  constructor(store: Store) {
    this.#store = store;
    this.#cache = new ChangeCache({
      max: CACHE_MAX,
      maxAbsent: CACHE_MAX,
      changes: { feed: store.changes, drop: { services: 'key' } },
    });
  }

  /** Changes with every registry change (of any instance): caches derived from the registry compare it. */
  get generation(): number {
    return this.#cache.generation;
  }

  /** Hits and misses of the lookup cache (read by the metrics). */
  get cacheStats(): CacheStats {
    return this.#cache.stats;
  }

  /** The service of that name, from the cache when possible; undefined when unknown. */
  lookup(name: string): Promise<Service | undefined> {
    return this.#cache.lookup(name, () => this.#store.services.get(name));
  }

  list(): Promise<Service[]> {
    return this.#store.services.list();
  }

  /** The service named `name` (sanitised first, as names are stored sanitised), or a 404 error. */
  async get(name: string): Promise<Service> {
    const service = await this.#store.services.get(sanitizeName(name));
    if (!service) throw notFound(name);
    return service;
  }

  /**
   * Registers a new service; a missing name is generated (and retried on a clash). `check.urlProblem`
   * refuses more URLs (the services API: Twitcher's own proxy).
   */
  async register(input: unknown, check: Pick<ParseServiceOptions, 'urlProblem'> = {}): Promise<Service> {
    const parsed = parseServiceInput(input, check);
    if (parsed.name !== undefined) return this.#store.services.create({ ...parsed, name: parsed.name });
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#store.services.create({ ...parsed, name: generateName(attempt) });
      } catch (err) {
        if (
          !(err instanceof TwitcherError && err.code === 'duplicate_name') ||
          attempt + 1 >= GENERATED_NAME_TRIES
        ) {
          throw err;
        }
      }
    }
  }

  /** Replaces the service named in the path, or creates it. */
  async put(
    pathName: string,
    input: unknown,
    check: Pick<ParseServiceOptions, 'urlProblem'> = {},
  ): Promise<{ service: Service; created: boolean }> {
    const parsed = parseServiceInput(input, { ...check, pathName });
    return this.#store.services.put({ ...parsed, name: parsed.name ?? sanitizeName(pathName) });
  }

  async unregister(name: string): Promise<void> {
    if (!(await this.#store.services.delete(sanitizeName(name)))) throw notFound(name);
  }

  clear(): Promise<number> {
    return this.#store.services.clear();
  }

  close(): void {
    this.#cache.close();
  }
}

export function notFound(name: string): TwitcherError {
  return new TwitcherError('service_not_found', { description: `No service named "${name}" is registered.` });
}
