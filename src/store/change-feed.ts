import type { ChangeEvent, ChangeFeed } from './types.js';

/** In-process fan-out of change events; the dialects feed it (local writes, NOTIFY, data_version). */
export class LocalChangeFeed implements ChangeFeed {
  readonly #listeners = new Set<(event: ChangeEvent) => void>();

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: ChangeEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
