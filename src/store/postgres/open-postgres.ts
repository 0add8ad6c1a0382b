import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { LocalChangeFeed } from '../change-feed.js';
import { migrateToLatest } from '../migrations/index.js';
import type { DialectHooks } from '../repositories/dialect-hooks.js';
import { createRepositories, createTransaction } from '../repositories/index.js';
import type { Database } from '../schema.js';
import type { ChangeEvent, Store } from '../types.js';

export interface PostgresOptions {
  connectionString: string;
  poolSize?: number;
  /** Called when the LISTEN connection fails (the feed then reconnects). */
  onError?: (err: Error) => void;
}

const CHANNEL = 'twitcher_changes';
const INT8_OID = 20;

/**
 * The shared store for several instances. Writes are announced with NOTIFY on `twitcher_changes`, so
 * every instance invalidates its caches within a moment (ARCHITECTURE: no home-made clustering).
 */
export async function openPostgresStore(options: PostgresOptions): Promise<Store> {
  // Times are epoch milliseconds in bigint columns: read them as numbers (exact below 2^53), for this
  // pool only (no global type-parser mutation).
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    types,
  });
  pool.on('error', (err) => options.onError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    // Kysely's migrator takes a PostgreSQL advisory lock: instances starting at once are serialized.
    await migrateToLatest(db as Kysely<unknown>, 'postgres', rows[0]?.schema ?? 'public');
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }

  const instance = randomUUID();
  const feed = new LocalChangeFeed();
  const listener = await startListener(options, instance, feed);

  const hooks: DialectHooks = {
    isUniqueViolation: (err) =>
      typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505',
    bool: (v) => v,
    async notify(event) {
      feed.emit(event);
      await sql`select pg_notify(${CHANNEL}, ${JSON.stringify({ ...event, origin: instance })})`.execute(db);
    },
  };

  return {
    dialect: 'postgres',
    ...createRepositories(db, hooks),
    changes: feed,
    transaction: createTransaction(db, hooks),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async describe() {
      const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
      return { name: 'postgresql', version: rows[0]?.v ?? 'unknown' };
    },
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}

/** A dedicated connection that LISTENs; on loss it reconnects and tells the caches to forget all. */
async function startListener(options: PostgresOptions, instance: string, feed: LocalChangeFeed) {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.connectionString, connectionTimeoutMillis: 5000 });
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        const { origin, ...event } = JSON.parse(msg.payload) as ChangeEvent & { origin?: string };
        if (origin !== instance) feed.emit(event);
      } catch {
        feed.emit({ aggregate: 'all' });
      }
    });
    c.on('error', (err) => {
      options.onError?.(err);
      void c.end().catch(() => undefined);
      if (!closed) schedule();
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    client = c;
    // Anything may have changed while we were not listening.
    feed.emit({ aggregate: 'all' });
  };
  const schedule = () => {
    client = undefined;
    retry = setTimeout(() => {
      connect().catch((err: Error) => {
        options.onError?.(err);
        if (!closed) schedule();
      });
    }, 1000);
    retry.unref();
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
