import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';

/** Certificates issued by the built-in CA: unique serials, with who, when and what. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('issued_certificates')
    .addColumn('serial', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(128)', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('not_before', 'bigint', (c) => c.notNull())
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('client_address', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createIndex('issued_certificates_username')
    .on('issued_certificates')
    .column('username')
    .execute();
}
