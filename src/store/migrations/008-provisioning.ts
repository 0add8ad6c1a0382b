import { type Kysely, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * One row that provisioning (`twitcher apply`, `provision.files` at the start) writes first in its
 * transaction: the write takes the database's write lock (SQLite) or the row's lock (PostgreSQL),
 * so instances starting at once apply the files one after the other, and the later ones find
 * nothing left to do. It also keeps the digest of the files last applied and when.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('provisioning')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('digest', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('applied_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into provisioning (id, digest, applied_at) values (1, '', 0)`.execute(db);
}
