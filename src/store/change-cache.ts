/**
 * The one cache type for what is read from the store: bounded (least recently used first out) and
 * dropped on the change events that concern it, of this instance or another one (the change feed:
 * PostgreSQL NOTIFY, SQLite data_version). A load that a change overtook is returned once but not
 * kept: it may have read the row just before the change. Caches derived from another one (rewrite
 * rules from the registry) follow its `generation` instead of the feed.
 */

import type { LRUCache } from 'lru-cache';
import { lru } from '../util/lru.js';
import type { ChangeEvent, ChangeFeed } from './types.js';

/** The aggregates a cache may listen to (`all`, a whole reload, drops every cache). */
export type ChangeAggregate = Exclude<ChangeEvent['aggregate'], 'all'>;

/** Something whose `generation` changes whenever what was derived from it may be stale. */
export interface Generational {
  readonly generation: number;
}

export interface ChangeCacheOptions<V> {
  /** Entries kept at most. */
  max: number;
  /**
   * The feed and, per aggregate, what one of its events drops: `key` the event's key (everything
   * when it has none), `all` everything. Events of other aggregates are ignored; `all` drops all.
   */
  changes?: { feed: ChangeFeed; drop: Partial<Record<ChangeAggregate, 'key' | 'all'>> };
  /** A cache this one derives from: its entries are dropped whenever that generation changes. */
  follows?: Generational;
  /** Unknown keys (a load that found nothing) kept at most; 0 (default): none is remembered. */
  maxAbsent?: number;
  /** Whether a value is too old to use (e.g. past its expiry): it is loaded again, and never kept. */
  stale?: (value: V) => boolean;
  /** Called on every change that concerns the cache (to drop state kept beside it). */
  onChange?: () => void;
}

/** Lookups answered from memory and lookups that loaded: plain numbers, read by the metrics at scrape time. */
export interface CacheStats {
  hits: number;
  misses: number;
}

/** A bounded, change-invalidated cache with a get-or-load that is safe against racing changes. */
export class ChangeCache<V extends {}> {
  readonly #values: LRUCache<string, V>;
  readonly #absent: LRUCache<string, true> | undefined;
  readonly #options: ChangeCacheOptions<V>;
  readonly #unsubscribe: () => void;
  #generation = 0;
  #followed: number | undefined;
  /** Hits and misses of `get` and `lookup` (a remembered unknown key is a hit). */
  readonly stats: CacheStats = { hits: 0, misses: 0 };

  constructor(options: ChangeCacheOptions<V>) {
    this.#options = options;
    this.#values = lru(options.max);
    const maxAbsent = options.maxAbsent ?? 0;
    this.#absent = maxAbsent > 0 ? lru(maxAbsent) : undefined;
    this.#followed = options.follows?.generation;
    const changes = options.changes;
    this.#unsubscribe = changes
      ? changes.feed.subscribe((event) => this.#onEvent(event, changes.drop))
      : () => {};
  }

  /** Changes with every change that concerns this cache: caches derived from it compare it. */
  get generation(): number {
    this.#follow();
    return this.#generation;
  }

  /** The value cached for `key` (not stale), without loading it. */
  peek(key: string): V | undefined {
    this.#follow();
    const hit = this.#values.get(key);
    return hit !== undefined && !this.#options.stale?.(hit) ? hit : undefined;
  }

  /** The cached value of `key`, or what `load` gives (kept unless a change overtook it, or stale). */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(key);
    if (hit !== undefined) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && !this.#options.stale?.(value)) this.#values.set(key, value);
    return value;
  }

  /** As `get`, for a load that may find nothing: with `maxAbsent`, that is remembered too. */
  async lookup(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.peek(key);
    if (hit !== undefined || this.#absent?.get(key)) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const generation = this.generation;
    const value = await load();
    if (generation !== this.generation) return value;
    if (value === undefined) this.#absent?.set(key, true);
    else if (!this.#options.stale?.(value)) this.#values.set(key, value);
    return value;
  }

  /** Stops listening to the change feed and forgets everything. */
  close(): void {
    this.#unsubscribe();
    this.#values.clear();
    this.#absent?.clear();
  }

  /** Drops everything when the cache followed has changed since last seen. */
  #follow(): void {
    const followed = this.#options.follows?.generation;
    if (followed === this.#followed) return;
    this.#followed = followed;
    this.#changed(undefined);
  }

  #onEvent(event: ChangeEvent, drop: Partial<Record<ChangeAggregate, 'key' | 'all'>>): void {
    const how = event.aggregate === 'all' ? 'all' : drop[event.aggregate];
    if (how === undefined) return;
    this.#changed(how === 'key' && 'key' in event ? event.key : undefined);
  }

  /** Drops `key`, or everything when undefined, and tells loads in flight not to keep what they read. */
  #changed(key: string | undefined): void {
    this.#generation++;
    if (key === undefined) {
      this.#values.clear();
      this.#absent?.clear();
    } else {
      this.#values.delete(key);
      this.#absent?.delete(key);
    }
    this.#options.onChange?.();
  }
}
