import { TwitcherError } from '../errors.js';

/**
 * Counts failures per key (a user name, a client address) in a sliding window; past `max` the key
 * is refused until its oldest failure leaves the window. Bounded: at most `maxKeys` keys are kept.
 */
export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds to wait before `key` may try again, or 0. */
  retryAfter(key: string, now = Date.now()): number {
    const list = this.#recent(key, now);
    if (list.length < this.max) return 0;
    return Math.ceil(((list[0] ?? now) + this.windowMs - now) / 1000);
  }

  fail(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    list.push(now);
    if (!this.#failures.has(key)) {
      if (this.#failures.size >= this.maxKeys) this.#failures.clear();
      this.#failures.set(key, list);
    }
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const list = this.#failures.get(key) ?? [];
    while (list.length > 0 && (list[0] ?? 0) <= now - this.windowMs) list.shift();
    return list;
  }
}

/** The window of the password throttles: failures older than this are forgotten. */
const CREDENTIAL_WINDOW_MS = 5 * 60_000;

/**
 * Failed password attempts (HTTP Basic on acl services, certificate logons), limited per user name
 * and per client address: past `max` failures of either within 5 minutes, the next attempt is a 429
 * with `Retry-After`, refused before any password is checked.
 */
export class CredentialThrottle {
  readonly #limiter: FailureLimiter;

  constructor(max: number) {
    this.#limiter = new FailureLimiter(max, CREDENTIAL_WINDOW_MS);
  }

  /** Throws the 429 (with `description`) when this user name or this address is over the limit. */
  check(username: string, address: string, description: string): void {
    const wait = Math.max(...keys(username, address).map((k) => this.#limiter.retryAfter(k)));
    if (wait > 0) {
      throw new TwitcherError('invalid_request', {
        status: 429,
        description,
        headers: { 'Retry-After': String(wait) },
      });
    }
  }

  failed(username: string, address: string): void {
    for (const k of keys(username, address)) this.#limiter.fail(k);
  }

  succeeded(username: string, address: string): void {
    for (const k of keys(username, address)) this.#limiter.succeed(k);
  }
}

function keys(username: string, address: string): string[] {
  return [`user:${username}`, `addr:${address}`];
}
