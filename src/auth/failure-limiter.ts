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
