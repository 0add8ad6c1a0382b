import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { LocalChangeFeed } from '../change-feed.js';
import { migrateToLatest } from '../migrations/index.js';
import type { DialectHooks } from '../repositories/dialect-hooks.js';
import { createRepositories, createTransaction } from '../repositories/index.js';
import type { Database } from '../schema.js';
import type { Store } from '../types.js';

export interface SQLiteOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** How often other processes' writes are looked for (PRAGMA data_version), in ms. */
  pollInterval?: number;
}

/** The embedded store: one better-sqlite3 connection in WAL mode, created on first use. */
export async function openSQLiteStore(options: SQLiteOptions): Promise<Store> {
  const file = options.path === ':memory:' ? ':memory:' : resolve(options.path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // Another process writing (a second `twitcher`, `twitcher migrate`): wait instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>, 'sqlite');

  const feed = new LocalChangeFeed();
  // data_version changes when another connection (another process) commits: poll it cheaply so
  // caches of this process are invalidated within `pollInterval`.
  let dataVersion = sqlite.pragma('data_version', { simple: true }) as number;
  const timer = setInterval(() => {
    const v = sqlite.pragma('data_version', { simple: true }) as number;
    if (v !== dataVersion) {
      dataVersion = v;
      feed.emit({ aggregate: 'all' });
    }
  }, options.pollInterval ?? 500);
  timer.unref();

  const hooks: DialectHooks = {
    isUniqueViolation: (err) =>
      typeof err === 'object' &&
      err !== null &&
      String((err as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT'),
    bool: (v) => (v ? 1 : 0),
    notify: (event) => feed.emit(event),
  };

  return {
    dialect: 'sqlite',
    ...createRepositories(db, hooks),
    changes: feed,
    transaction: createTransaction(db, hooks),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async describe() {
      const row = sqlite.prepare('select sqlite_version() as v').get() as { v: string };
      return { name: 'sqlite', version: row.v };
    },
    async close() {
      clearInterval(timer);
      await db.destroy();
    },
  };
}
