import { createHash } from 'node:crypto';
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
  /** Anonymous refusals are counted per client address, service and operation in intervals this long (ms). */
  refusalInterval?: number;
  /**
   * Distinct (address, service, operation) keys of anonymous refusals per interval; refusals of
   * further keys are counted in one overflow record per service.
   */
  maxRefusalKeys?: number;
}

/** A batch is written as soon as it has this many records. */
const BATCH = 200;
/** Records held while the store does not answer; beyond, the oldest are dropped (and counted). */
const MAX_PENDING = 50_000;
const FIRST_PRUNE_DELAY = 60_000;
/** The label of a principal without any credential (principals.ts). */
const ANONYMOUS = 'anonymous';
/** Default interval of the counts of anonymous refusals (ms). */
export const REFUSAL_INTERVAL = 60_000;
/** Default number of (address, service, operation) keys of anonymous refusals per interval. */
export const MAX_REFUSAL_KEYS = 100;
/** `clientAddress` and `operation` of an overflow record: refusals of many keys. */
const ANY = '*';
/** `rule` of an overflow record. */
export const OVERFLOW_RULE = 'overflow';

/** Refusals of anonymous requests cost nothing to send: counted, not written one by one. */
function isAnonymousRefusal(r: AuditRecord): boolean {
  return r.outcome === 'deny' && r.subject === ANONYMOUS && r.username === undefined;
}

/** The same for every instance sharing the store, so that their counts of a key meet in one row. */
function aggregateKey(interval: number, bucket: number, ...parts: string[]): string {
  return createHash('sha256')
    .update([interval, bucket, ...parts].join('\0'))
    .digest('base64url');
}

/**
 * The audit log's writer: decisions are queued and written in batches in the background, so that
 * recording costs the proxy no round trip to the store; old records are pruned periodically.
 *
 * Every allow, and every decision on a request with a credential, is a record of its own. Refusals of
 * anonymous requests (anyone can send them by the thousand) are counted instead: one record per
 * (client address, service, operation) and interval, carrying `count`; past `maxRefusalKeys` keys
 * in an interval, the rest of the interval's refusals are counted in one overflow record per
 * service (address and operation `*`, rule `overflow`). So anonymous refusals add at most
 * `maxRefusalKeys` + (services refused) rows per interval, however many addresses send them.
 */
export class AuditLog {
  readonly #repo: AuditRepository;
  readonly #options: Required<Omit<AuditLogOptions, 'onError'>> & Pick<AuditLogOptions, 'onError'>;
  #pending: AuditRecord[] = [];
  /** Anonymous refusals counted since the last flush, by aggregate key. */
  #counted = new Map<string, AuditRecord>();
  /** The current interval, and the keys (overflow ones apart) it has used. */
  #bucket = Number.NEGATIVE_INFINITY;
  #keys = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  readonly #prune: NodeJS.Timeout;
  readonly #firstPrune: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();
  /** Records dropped because the store did not keep up. */
  dropped = 0;

  constructor(repo: AuditRepository, options: AuditLogOptions) {
    this.#repo = repo;
    this.#options = {
      flushInterval: 1000,
      pruneInterval: 3_600_000,
      refusalInterval: REFUSAL_INTERVAL,
      maxRefusalKeys: MAX_REFUSAL_KEYS,
      ...options,
    };
    this.#prune = setInterval(() => void this.prune(), this.#options.pruneInterval);
    this.#prune.unref();
    // A first pass soon after start: an instance restarted more often than hourly still prunes.
    this.#firstPrune = setTimeout(() => void this.prune(), FIRST_PRUNE_DELAY);
    this.#firstPrune.unref();
  }

  /** Records waiting to be written (counted anonymous refusals are one record per key). */
  get queued(): number {
    return this.#pending.length + this.#counted.size;
  }

  record(record: AuditRecord): void {
    if (isAnonymousRefusal(record)) {
      this.#count(record);
      this.#schedule();
      return;
    }
    this.#pending.push(record);
    if (this.#pending.length > MAX_PENDING) {
      const excess = this.#pending.length - MAX_PENDING;
      this.#pending.splice(0, excess);
      this.dropped += excess;
    }
    if (this.#pending.length >= BATCH) void this.flush();
    else this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.flush(), this.#options.flushInterval);
    this.#timer.unref();
  }

  #count(record: AuditRecord): void {
    const { refusalInterval: interval, maxRefusalKeys } = this.#options;
    // Never back to an earlier interval (a clock set back): the bound holds per interval.
    const bucket = Math.max(this.#bucket, Math.floor(record.at / interval));
    if (bucket !== this.#bucket) {
      this.#bucket = bucket;
      this.#keys = new Set();
    }
    let key = aggregateKey(interval, bucket, record.clientAddress, record.service, record.operation);
    let template = record;
    if (!this.#keys.has(key) && this.#keys.size >= maxRefusalKeys) {
      key = aggregateKey(interval, bucket, ANY, record.service, ANY);
      template = {
        ...record,
        clientAddress: ANY,
        operation: ANY,
        permission: ANY,
        resources: [],
        rule: OVERFLOW_RULE,
      };
    } else {
      this.#keys.add(key);
    }
    const counted = this.#counted.get(key);
    if (counted) counted.count = (counted.count ?? 1) + 1;
    else this.#counted.set(key, { ...template, count: 1, aggregateKey: key });
  }

  /** Writes what is queued; resolves when it is written (or failed and was reported). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = [...this.#pending, ...this.#counted.values()];
    this.#pending = [];
    this.#counted = new Map();
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
