import type { Kysely } from 'kysely';
import { TwitcherError } from '../errors.js';
import type { AuthMode, Service, ServiceType } from '../registry/service.js';
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
  'name' | 'url' | 'type' | 'purl' | 'auth' | 'verify' | 'pass_token_data'
>;

function toService(row: ServiceRow): Service {
  return {
    name: row.name,
    url: row.url,
    type: row.type as ServiceType,
    purl: row.purl,
    auth: row.auth as AuthMode,
    verify: Boolean(row.verify),
    passTokenData: Boolean(row.pass_token_data),
  };
}

const SERVICE_COLUMNS = ['name', 'url', 'type', 'purl', 'auth', 'verify', 'pass_token_data'] as const;

function serviceRow(service: Service, hooks: DialectHooks) {
  return {
    name: service.name,
    url: service.url,
    type: service.type,
    purl: service.purl,
    auth: service.auth,
    verify: hooks.bool(service.verify),
    pass_token_data: hooks.bool(service.passTokenData),
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
  const toUser = (
    row: Pick<Database['users'], 'username' | 'password_hash' | 'is_admin' | 'created_at'>,
  ): UserRecord => ({
    username: row.username,
    passwordHash: row.password_hash,
    isAdmin: Boolean(row.is_admin),
    createdAt: Number(row.created_at),
  });
  return {
    async get(username) {
      const row = await db
        .selectFrom('users')
        .select(['username', 'password_hash', 'is_admin', 'created_at'])
        .where('username', '=', username)
        .executeTakeFirst();
      return row ? toUser(row) : undefined;
    },
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
          })
          .execute();
      } catch (err) {
        if (hooks.isUniqueViolation(err)) {
          throw new TwitcherError('duplicate_name', {
            description: `A user named "${user.username}" already exists.`,
          });
        }
        throw err;
      }
      return { ...user, createdAt };
    },
    async list() {
      const rows = await db
        .selectFrom('users')
        .select(['username', 'password_hash', 'is_admin', 'created_at'])
        .orderBy('username')
        .execute();
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
      const r = await db.deleteFrom('users').where('username', '=', username).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
