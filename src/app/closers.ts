/**
 * What was made, to be released in the reverse order of its making: by `close()` of the assembled
 * dependencies, and when a later step of the start fails.
 */
export class Closers {
  readonly #closers: (() => Promise<void> | void)[] = [];

  add(close: () => Promise<void> | void): void {
    this.#closers.push(close);
  }

  /** Releases everything once, last made first; every closer runs even when one fails. */
  async closeAll(): Promise<void> {
    let failure: unknown;
    for (let close = this.#closers.pop(); close; close = this.#closers.pop()) {
      try {
        await close();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}
