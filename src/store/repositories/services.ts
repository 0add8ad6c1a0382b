import type { Kysely } from 'kysely';
import { tryDNKey } from '../authz/dn-key.js';
import { TwitcherError } from '../errors.js';
import {
  type AuthMode,
  LIMIT_NAMES,
  type Service,
  type ServiceLimits,
  type ServiceType,
} from '../registry/service.js';
import type { Database } from './schema.js';
import type { ChangeEvent, ServiceRepository, UserRecord, UserRepository } from './types.js';

/** What differs between the dialects for the repositories. */
export interface DialectHooks {
  isUniqueViolation(err: unknown): boolean;
  /** How a boolean is bound: SQLite takes 0/1. */
  bool(value: boolean): number | boolean;
  /** Called after every committed write. */
  notify(event: ChangeEvent): Promise<void> | void;
}

type ServiceRow = Pick<
  Database['services'],
  'name' | 'url' | 'type' | 'purl' | 'auth' | 'verify' | 'pass_token_data' | 'cert_subjects' | 'limits'
>;

/** The stored limits: only the known members with a number (a hand-edited row cannot inject others). */
function limitsOf(json: string | null): ServiceLimits {
  if (json === null || json === '') return {};
  const stored = JSON.parse(json) as Record<string, unknown>;
  const limits: ServiceLimits = {};
  for (const name of LIMIT_NAMES) {
    const value = stored[name];
    if (typeof value === 'number') limits[name] = value;
  }
  return limits;
}

function toService(row: ServiceRow): Service {
  return {
    name: row.name,
    url: row.url,
    type: row.type as ServiceType,
    purl: row.purl,
    auth: row.auth as AuthMode,
    verify: Boolean(row.verify),
    passTokenData: Boolean(row.pass_token_data),
    certSubjects: JSON.parse(row.cert_subjects) as string[],
    limits: limitsOf(row.limits),
  };
}

const SERVICE_COLUMNS = [
  'name',
  'url',
  'type',
  'purl',
  'auth',
  'verify',
  'pass_token_data',
  'cert_subjects',
  'limits',
] as const;

function serviceRow(service: Service, hooks: DialectHooks) {
  return {
    name: service.name,
    url: service.url,
    type: service.type,
    purl: service.purl,
    auth: service.auth,
    verify: hooks.bool(service.verify),
    pass_token_data: hooks.bool(service.passTokenData),
    cert_subjects: JSON.stringify(service.certSubjects),
    limits: Object.keys(service.limits).length > 0 ? JSON.stringify(service.limits) : null,
  };
}

export function createServiceRepository(db: Kysely<Database>, hooks: DialectHooks): ServiceRepository {
  const duplicate = (name: string) =>
    new TwitcherError('duplicate_name', { description: `A service named "${name}" already exists.` });

  return {
    async list() {
      const rows = await db.selectFrom('services').select(SERVICE_COLUMNS).orderBy('name').execute();
      return rows.map(toService);
    },

    async get(name) {
      const row = await db
        .selectFrom('services')
        .select(SERVICE_COLUMNS)
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? toService(row) : undefined;
    },

    async create(service) {
      const now = Date.now();
      try {
        await db
          .insertInto('services')
          .values({ ...serviceRow(service, hooks), created_at: now, updated_at: now })
          .execute();
      } catch (err) {
        if (hooks.isUniqueViolation(err)) throw duplicate(service.name);
        throw err;
      }
      await hooks.notify({ aggregate: 'services', key: service.name });
      return service;
    },

    async put(service) {
      const now = Date.now();
      const { name: _name, ...values } = serviceRow(service, hooks);
      // Insert first; a unique violation means it exists (maybe written a moment ago by another
      // writer), so replace it. Two writers at once: one creates, the other replaces; nothing is lost.
      let created = true;
      try {
        await db
          .insertInto('services')
          .values({ ...serviceRow(service, hooks), created_at: now, updated_at: now })
          .execute();
      } catch (err) {
        if (!hooks.isUniqueViolation(err)) throw err;
        created = false;
        await db
          .updateTable('services')
          .set({ ...values, updated_at: now })
          .where('name', '=', service.name)
          .execute();
      }
      await hooks.notify({ aggregate: 'services', key: service.name });
      return { service, created };
    },

    async delete(name) {
      const result = await db.deleteFrom('services').where('name', '=', name).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted) await hooks.notify({ aggregate: 'services', key: name });
      return deleted;
    },

    async clear() {
      const result = await db.deleteFrom('services').executeTakeFirst();
      const n = Number(result.numDeletedRows);
      if (n > 0) await hooks.notify({ aggregate: 'services' });
      return n;
    },
  };
}

export function createUserRepository(db: Kysely<Database>, hooks: DialectHooks): UserRepository {
  const columns = ['username', 'password_hash', 'is_admin', 'created_at', 'certificate_dn'] as const;
  const toUser = (row: Pick<Database['users'], (typeof columns)[number]>): UserRecord => ({
    username: row.username,
    passwordHash: row.password_hash,
    isAdmin: Boolean(row.is_admin),
    createdAt: Number(row.created_at),
    ...(row.certificate_dn !== null && { certificateDN: row.certificate_dn }),
  });
  const dnColumns = (dn: string | undefined) => {
    if (dn === undefined) return { certificate_dn: null, certificate_dn_key: null };
    const key = tryDNKey(dn);
    if (key === undefined) {
      throw new TwitcherError('validation_failed', {
        description: 'certificate_dn is not a distinguished name.',
        fields: [
          {
            field: 'certificate_dn',
            message: 'must be a DN such as CN=alice,O=Example or /O=Example/CN=alice',
          },
        ],
      });
    }
    return { certificate_dn: dn, certificate_dn_key: key };
  };
  const dnTaken = (dn: string) =>
    new TwitcherError('duplicate_name', { description: `Another user has the certificate DN "${dn}".` });
  const authzChanged = () => hooks.notify({ aggregate: 'authz' });
  const get = async (username: string) => {
    const row = await db
      .selectFrom('users')
      .select(columns)
      .where('username', '=', username)
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  };
  return {
    get,
    async create(user) {
      const createdAt = Date.now();
      try {
        await db
          .insertInto('users')
          .values({
            username: user.username,
            password_hash: user.passwordHash,
            is_admin: hooks.bool(user.isAdmin),
            created_at: createdAt,
            ...dnColumns(user.certificateDN),
          })
          .execute();
      } catch (err) {
        if (hooks.isUniqueViolation(err)) {
          if (user.certificateDN !== undefined && !(await get(user.username)))
            throw dnTaken(user.certificateDN);
          throw new TwitcherError('duplicate_name', {
            description: `A user named "${user.username}" already exists.`,
          });
        }
        throw err;
      }
      if (user.certificateDN !== undefined) await authzChanged();
      return { ...user, createdAt };
    },
    async list() {
      const rows = await db.selectFrom('users').select(columns).orderBy('username').execute();
      return rows.map(toUser);
    },
    async setPasswordHash(username, passwordHash) {
      const r = await db
        .updateTable('users')
        .set({ password_hash: passwordHash })
        .where('username', '=', username)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async delete(username) {
      // One transaction: the user, its memberships and permissions go; its clients stay, ownerless.
      const deleted = await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('users')
          .select('id')
          .where('username', '=', username)
          .executeTakeFirst();
        if (!row) return false;
        await trx.deleteFrom('user_groups').where('user_id', '=', row.id).execute();
        await trx.deleteFrom('permissions').where('user_id', '=', row.id).execute();
        await trx.updateTable('clients').set({ owner: null }).where('owner', '=', username).execute();
        await trx.deleteFrom('users').where('id', '=', row.id).execute();
        return true;
      });
      if (deleted) await authzChanged();
      return deleted;
    },
    async setCertificateDN(username, dn) {
      let updated: boolean;
      try {
        const r = await db
          .updateTable('users')
          .set(dnColumns(dn))
          .where('username', '=', username)
          .executeTakeFirst();
        updated = Number(r.numUpdatedRows) > 0;
      } catch (err) {
        if (hooks.isUniqueViolation(err) && dn !== undefined) throw dnTaken(dn);
        throw err;
      }
      if (updated) await authzChanged();
      return updated;
    },
    async findByCertificateDN(key) {
      const row = await db
        .selectFrom('users')
        .select(columns)
        .where('certificate_dn_key', '=', key)
        .executeTakeFirst();
      return row ? toUser(row) : undefined;
    },
  };
}
