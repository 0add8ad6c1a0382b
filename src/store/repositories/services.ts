/** The registry of upstream services (both dialects). */
import type { Kysely } from 'kysely';
import { TwitcherError } from '../../errors.js';
import {
  type AuthMode,
  LIMIT_NAMES,
  type Service,
  type ServiceLimits,
  type ServiceType,
} from '../../registry/service.js';
import type { Database } from '../schema.js';
import type { ServiceRepository } from '../types.js';
import type { DialectHooks } from './dialect-hooks.js';

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

/** The registry's services; every write is announced as `{aggregate: 'services', key}`. */
export function createServiceRepository(db: Kysely<Database>, hooks: DialectHooks): ServiceRepository {
  const duplicate = (name: string) =>
    new TwitcherError('duplicate_name', { description: `A service named "${name}" already exists.` });

  const insert = (service: Service, now: number) =>
    db
      .insertInto('services')
      .values({ ...serviceRow(service, hooks), created_at: now, updated_at: now })
      .execute();

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
        await insert(service, now);
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
      // Inside Store.transaction a failed insert would abort the whole transaction on PostgreSQL:
      // look first there (the provisioning lock keeps other writers of the same names out).
      let created = !(
        db.isTransaction &&
        (await db.selectFrom('services').select('id').where('name', '=', service.name).executeTakeFirst())
      );
      try {
        if (!created) throw Object.assign(new Error('exists'), { exists: true });
        await insert(service, now);
      } catch (err) {
        if (!(err as { exists?: boolean }).exists && !hooks.isUniqueViolation(err)) throw err;
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
