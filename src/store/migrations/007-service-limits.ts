import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Per-service overrides of the proxy's limits (concurrency, timeouts): a JSON object of
 * registry/service.ts `ServiceLimits`, null when the service has none. One column rather than four:
 * the proxy reads them together, and a new limit needs no migration.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('services').addColumn('limits', 'text').execute();
}
