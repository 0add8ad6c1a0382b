import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Audit rows that stand for several decisions: anonymous refusals are counted per client address,
 * service, operation and interval (authz/audit-log.ts). `count` is how many decisions a row stands
 * for (1 for every other row); rows written with the same `aggregate_key` are one row, their counts
 * added, also when several instances write them.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('audit')
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('audit').addColumn('aggregate_key', 'varchar(64)').execute();
  // NULLs are distinct in a unique index (both dialects): only aggregated rows are merged.
  await db.schema.createIndex('audit_aggregate_key').unique().on('audit').column('aggregate_key').execute();
}
