/** Every repository of the store, one file per aggregate; the same code serves both dialects. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ChangeEvent, Store, StoreRepositories, TransactionRepositories } from '../types.js';
import { createAuditRepository } from './audit.js';
import { createCertificateRepository } from './certificates.js';
import { createClientRepository } from './clients.js';
import type { DialectHooks } from './dialect-hooks.js';
import { createGroupRepository } from './groups.js';
import { createPermissionRepository } from './permissions.js';
import { createResourceRepository } from './resources.js';
import { createServiceRepository } from './services.js';
import { createTokenRepository } from './tokens.js';
import { createUserRepository } from './users.js';

/** The repositories of a store on `db`, with what differs between the dialects in `hooks`. */
export function createRepositories(db: Kysely<Database>, hooks: DialectHooks): StoreRepositories {
  return {
    services: createServiceRepository(db, hooks),
    users: createUserRepository(db, hooks),
    clients: createClientRepository(db, hooks),
    tokens: createTokenRepository(db, hooks),
    certificates: createCertificateRepository(db, hooks),
    groups: createGroupRepository(db, hooks),
    resources: createResourceRepository(db, hooks),
    permissions: createPermissionRepository(db, hooks),
    audit: createAuditRepository(db),
  };
}

/**
 * `Store.transaction` on `db`: the repositories bound to one transaction, their announcements held
 * until it commits (a rolled-back write announces nothing), then made once for all.
 */
export function createTransaction(db: Kysely<Database>, hooks: DialectHooks): Store['transaction'] {
  return async <T>(fn: (tx: TransactionRepositories) => Promise<T>): Promise<T> => {
    const events: ChangeEvent[] = [];
    const held: DialectHooks = { ...hooks, notify: (event) => void events.push(event) };
    const result = await db.transaction().execute(async (trx) =>
      fn({
        ...createRepositories(trx, held),
        async lockProvisioning() {
          await trx.updateTable('provisioning').set({ id: 1 }).where('id', '=', 1).execute();
          const row = await trx
            .selectFrom('provisioning')
            .select(['digest', 'applied_at'])
            .where('id', '=', 1)
            .executeTakeFirstOrThrow();
          return { digest: row.digest, appliedAt: Number(row.applied_at) };
        },
        async recordProvisioning(digest) {
          await trx
            .updateTable('provisioning')
            .set({ digest, applied_at: Date.now() })
            .where('id', '=', 1)
            .execute();
        },
      }),
    );
    if (events.length > 0)
      await hooks.notify(events.length === 1 ? (events[0] as ChangeEvent) : { aggregate: 'all' });
    return result;
  };
}
