import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';

/** `auth: cert` services: the subject DN patterns a client certificate must match (JSON list). */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('services')
    .addColumn('cert_subjects', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
