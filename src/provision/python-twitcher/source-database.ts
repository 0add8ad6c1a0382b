/**
 * The Python Twitcher's database, opened read-only for an import: a SQLite file (better-sqlite3,
 * `readonly`, `fileMustExist`) or PostgreSQL (one plain client in a read-only, repeatable-read
 * transaction, so that every table is read from the same snapshot). Nothing is ever written.
 */
import { resolve } from 'node:path';

export type SourceRow = Record<string, unknown>;

export interface SourceDatabase {
  /** The database for messages: the file, or the PostgreSQL URL without its password. */
  readonly description: string;
  /** The table's columns (lower case), or undefined when there is no such table. */
  columns(table: string): Promise<string[] | undefined>;
  /** Every row of `table`, with `columns` only (names the caller checked with columns()). */
  rows(table: string, columns: readonly string[], orderBy: string): Promise<SourceRow[]>;
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

/** Where a `--database` value points: a SQLite file or a PostgreSQL URL. */
export type SourceLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * A SQLite path as given, `sqlite:PATH`, `sqlite:///PATH` (SQLAlchemy's `sqlalchemy.url` form, read
 * as the absolute path `/PATH` as `database.url` reads it; `sqlite:////PATH` too), or
 * `postgres://…` / `postgresql://…`.
 */
export function parseSourceLocation(url: string): SourceLocation {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  let path = url;
  if (url.startsWith('sqlite:')) {
    path = url.slice('sqlite:'.length);
    // sqlite:///abs → /abs; sqlite:////abs → /abs
    if (path.startsWith('//')) path = `/${path.replace(/^\/+/, '')}`;
  }
  return { kind: 'sqlite', path: resolve(path) };
}

/** The location for messages: never a password. */
export function describeLocation(location: SourceLocation): string {
  if (location.kind === 'sqlite') return location.path;
  try {
    const u = new URL(location.url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

export async function openSourceDatabase(location: SourceLocation): Promise<SourceDatabase> {
  return location.kind === 'sqlite' ? openSQLite(location.path) : openPostgres(location.url);
}

async function openSQLite(path: string): Promise<SourceDatabase> {
  // loaded when used, as the store does
  const { default: SQLite } = await import('better-sqlite3');
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // one snapshot for every table (a deferred transaction takes its read lock at the first read)
    db.exec('BEGIN');
  } catch (err) {
    db.close();
    throw err;
  }
  return {
    description: path,
    async columns(table) {
      const rows = db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[];
      return rows.length > 0 ? rows.map((r) => r.name.toLowerCase()) : undefined;
    },
    async rows(table, columns, orderBy) {
      return db
        .prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY ${quote(orderBy)}`)
        .all() as SourceRow[];
    },
    async count(table) {
      const row = db.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number };
      return Number(row.n);
    },
    async close() {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}

async function openPostgres(url: string): Promise<SourceDatabase> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // an error after connecting (the server going away) must not crash the process
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (err) {
    await client.end();
    throw err;
  }
  return {
    description: describeLocation({ kind: 'postgres', url }),
    async columns(table) {
      // the schema the URL's search_path names first, where Python's SQLAlchemy created the tables
      const result = await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1`,
        [table],
      );
      return result.rows.length > 0 ? result.rows.map((r) => r.column_name.toLowerCase()) : undefined;
    },
    async rows(table, columns, orderBy) {
      const result = await client.query<SourceRow>(
        `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY ${quote(orderBy)}`,
      );
      return result.rows;
    },
    async count(table) {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(table)}`);
      return Number(result.rows[0]?.n ?? 0);
    },
    async close() {
      try {
        await client.query('ROLLBACK');
      } finally {
        await client.end();
      }
    },
  };
}
