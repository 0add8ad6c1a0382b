import type { AuditRecord, AuditRepository } from '../store/types.js';

export interface AuditLogOptions {
  /** Milliseconds a record is kept. */
  retention: number;
  /** Called when writing or pruning fails (the proxy goes on). */
  onError?: (err: unknown, what: string) => void;
  /** Records written at most this long after the decision (ms). */
  flushInterval?: number;
  /** How often old records are deleted (ms). */
  pruneInterval?: number;
}

/** A batch is written as soon as it has this many records. */
const BATCH = 200;
/** Records held while the store does not answer; beyond, the oldest are dropped (and counted). */
const MAX_PENDING = 50_000;
const FIRST_PRUNE_DELAY = 60_000;

/**
 * The audit log's writer: decisions are queued and written in batches in the background, so that
 * recording costs the proxy no round trip to the store; old records are pruned periodically.
 */
export class AuditLog {
  readonly #repo: AuditRepository;
  readonly #options: Required<Omit<AuditLogOptions, 'onError'>> & Pick<AuditLogOptions, 'onError'>;
  #pending: AuditRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #prune: NodeJS.Timeout;
  readonly #firstPrune: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();
  /** Records dropped because the store did not keep up. */
  dropped = 0;

  constructor(repo: AuditRepository, options: AuditLogOptions) {
    this.#repo = repo;
    this.#options = { flushInterval: 1000, pruneInterval: 3_600_000, ...options };
    this.#prune = setInterval(() => void this.prune(), this.#options.pruneInterval);
    this.#prune.unref();
    // A first pass soon after start: an instance restarted more often than hourly still prunes.
    this.#firstPrune = setTimeout(() => void this.prune(), FIRST_PRUNE_DELAY);
    this.#firstPrune.unref();
  }

  record(record: AuditRecord): void {
    this.#pending.push(record);
    if (this.#pending.length > MAX_PENDING) {
      const excess = this.#pending.length - MAX_PENDING;
      this.#pending.splice(0, excess);
      this.dropped += excess;
    }
    if (this.#pending.length >= BATCH) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#options.flushInterval);
      this.#timer.unref();
    }
  }

  /** Writes what is queued; resolves when it is written (or failed and was reported). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    this.#pending = [];
    // Writes are chained: batches reach the store in order.
    this.#writing = this.#writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.#repo.insert(batch);
      } catch (err) {
        this.#options.onError?.(err, `writing ${batch.length} audit record(s)`);
      }
    });
    return this.#writing;
  }

  /** Deletes the records older than the retention; returns how many went. */
  async prune(now = Date.now()): Promise<number> {
    try {
      return await this.#repo.prune(now - this.#options.retention);
    } catch (err) {
      this.#options.onError?.(err, 'pruning the audit log');
      return 0;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#prune);
    clearTimeout(this.#firstPrune);
    await this.flush();
  }
}
