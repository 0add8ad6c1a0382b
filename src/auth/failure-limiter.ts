import { createHmac, randomBytes } from 'node:crypto';
import type { LRUCache } from 'lru-cache';
import { TwitcherError } from '../errors.js';
import { lru } from '../util/lru.js';

/**
 * Counts failures per key (a user name, a client address) in a sliding window; past `max` the key
 * is refused until its oldest failure leaves the window. Bounded without letting a flood of new keys
 * (an attacker with many addresses) lift a block: keys under the limit are kept in an LRU of
 * `maxKeys` (forgetting one forgives at most `max - 1` failures), keys at the limit apart, never
 * evicted while their block lasts. Should `maxKeys` keys be blocked at once, a key reaching the
 * limit stays among the counters (blocked while it is there) until a block ends and frees a place.
 */
export class FailureLimiter {
  readonly #counting: LRUCache<string, number[]>;
  readonly #blocked = new Map<string, number[]>();
  /** When `#blocked` is full, no sweep of it before this (epoch ms): one a second at most. */
  #nextSweep = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {
    this.#counting = lru(maxKeys);
  }

  /** Seconds to wait before `key` may try again, or 0. */
  retryAfter(key: string, now = Date.now()): number {
    const list = this.#recent(key, now);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil(((list[0] ?? now) + this.windowMs - now) / 1000));
  }

  fail(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    list.push(now);
    if (this.#blocked.has(key)) return;
    if (list.length >= this.max && this.#hasBlockRoom(now)) {
      this.#counting.delete(key);
      this.#blocked.set(key, list);
    } else {
      this.#counting.set(key, list);
    }
  }

  /** Takes back one failure counted at `at` (an attempt counted in advance that succeeded). */
  forgive(key: string, at: number): void {
    const list = this.#blocked.get(key) ?? this.#counting.peek(key);
    const i = list?.indexOf(at) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
    if (list?.length === 0) this.succeed(key);
  }

  succeed(key: string): void {
    this.#blocked.delete(key);
    this.#counting.delete(key);
  }

  /** The failures of `key` still in the window (the stored list, trimmed); a block that ended moves back. */
  #recent(key: string, now: number): number[] {
    const blocked = this.#blocked.get(key);
    const list = blocked ?? this.#counting.get(key) ?? [];
    this.#trim(list, now);
    if (blocked && list.length < this.max) {
      this.#blocked.delete(key);
      if (list.length > 0) this.#counting.set(key, list);
    }
    return list;
  }

  #trim(list: number[], now: number): void {
    while (list.length > 0 && (list[0] ?? 0) <= now - this.windowMs) list.shift();
  }

  /** Whether one more key may be kept apart as blocked; when full, drops the blocks that ended. */
  #hasBlockRoom(now: number): boolean {
    if (this.#blocked.size < this.maxKeys) return true;
    if (now < this.#nextSweep) return false;
    this.#nextSweep = now + 1000;
    for (const [key, list] of this.#blocked) {
      this.#trim(list, now);
      if (list.length >= this.max) continue;
      this.#blocked.delete(key);
      if (list.length > 0) this.#counting.set(key, list);
    }
    return this.#blocked.size < this.maxKeys;
  }
}

/** The window of the password throttles: failures older than this are forgotten. */
export const CREDENTIAL_WINDOW_MS = 5 * 60_000;

export interface CredentialThrottleOptions {
  /** The clock (epoch ms); tests pass their own. */
  now?: () => number;
  /** User names and address blocks counted at most (FailureLimiter); tests pass a small one. */
  maxKeys?: number;
}

/**
 * Failed password attempts (the admin API, HTTP Basic on acl services, certificate logons), limited
 * per user name and per client address: past `max` failures of either within 5 minutes, the next
 * attempt is a 429 `too_many_failures` with `Retry-After`, refused before any password is checked.
 *
 * A success forgets the failures of its user name only: one's own good password never buys an
 * address more guesses at other accounts.
 */
export class CredentialThrottle {
  readonly #limiter: FailureLimiter;
  readonly #now: () => number;
  /** Attempts being verified, by a keyed digest of user name, address and password (never kept). */
  readonly #inFlight = new Map<string, Promise<boolean>>();
  readonly #key = randomBytes(32);

  constructor(max: number, options: CredentialThrottleOptions = {}) {
    this.#limiter = new FailureLimiter(max, CREDENTIAL_WINDOW_MS, options.maxKeys);
    this.#now = options.now ?? Date.now;
  }

  /** Throws the 429 (with `description`) when this user name or this address is over the limit. */
  check(username: string, address: string, description: string): void {
    const now = this.#now();
    const wait = Math.max(...keys(username, address).map((k) => this.#limiter.retryAfter(k, now)));
    if (wait > 0) {
      throw new TwitcherError('too_many_failures', {
        description,
        headers: { 'Retry-After': String(wait) },
      });
    }
  }

  /**
   * `check`, then `verify` the password. The attempt counts as a failure while it is being verified,
   * so a burst of concurrent guesses is refused past `max` instead of all reaching the (costly)
   * password check; the same credentials sent again from the same address while they are being
   * verified share that one check (a client's parallel requests are one attempt, not a burst). A
   * success forgets the user name's failures; a `verify` that throws (the store is down) takes the
   * attempt back.
   */
  async attempt(
    username: string,
    address: string,
    password: string,
    description: string,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    const id = createHmac('sha256', this.#key)
      .update(`${username}\0${address}\0${password}`)
      .digest('base64');
    const same = this.#inFlight.get(id);
    if (same) return same;
    this.check(username, address, description);
    const outcome = this.#verify(username, address, verify);
    this.#inFlight.set(id, outcome);
    const forget = () => this.#inFlight.delete(id);
    outcome.then(forget, forget);
    return outcome;
  }

  async #verify(username: string, address: string, verify: () => Promise<boolean>): Promise<boolean> {
    const at = this.#now();
    const [user, addr] = [userKey(username), addressKey(address)];
    this.#limiter.fail(user, at);
    this.#limiter.fail(addr, at);
    let ok: boolean;
    try {
      ok = await verify();
    } catch (err) {
      this.#limiter.forgive(user, at);
      this.#limiter.forgive(addr, at);
      throw err;
    }
    if (ok) {
      this.#limiter.succeed(user);
      this.#limiter.forgive(addr, at);
    }
    return ok;
  }

  failed(username: string, address: string): void {
    const now = this.#now();
    for (const k of keys(username, address)) this.#limiter.fail(k, now);
  }

  succeeded(username: string, _address: string): void {
    this.#limiter.succeed(userKey(username));
  }
}

const userKey = (username: string) => `user:${username}`;
const addressKey = (address: string) => `addr:${addressBlock(address)}`;

/**
 * The block an address counts for: an IPv4 address itself (also IPv4-mapped), an IPv6 address its
 * /64, which one host commonly has whole (RFC 7421): else each of its 2^64 addresses would get its
 * own allowance of failures.
 */
export function addressBlock(address: string): string {
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const [head = '', tail] = address.split('%')[0]?.toLowerCase().split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function keys(username: string, address: string): string[] {
  return [userKey(username), addressKey(address)];
}
