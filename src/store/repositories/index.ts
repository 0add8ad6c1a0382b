/** Every repository of the store, one file per aggregate; the same code serves both dialects. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Store } from '../types.js';
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
export function createRepositories(
  db: Kysely<Database>,
  hooks: DialectHooks,
): Pick<
  Store,
  | 'services'
  | 'users'
  | 'clients'
  | 'tokens'
  | 'certificates'
  | 'groups'
  | 'resources'
  | 'permissions'
  | 'audit'
> {
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
