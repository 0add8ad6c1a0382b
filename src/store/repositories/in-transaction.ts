import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Runs `fn` in a transaction, or in the one `db` already is: a repository method called inside
 * `Store.transaction` joins it (Kysely refuses nested transactions), so a provisioning run of many
 * writes commits or rolls back as one.
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
