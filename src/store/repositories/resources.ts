/**
 * The resource tree of each service: processes, layers, paths… (both dialects). Every change runs
 * in one transaction and is announced as `{aggregate: 'authz'}` once committed; bad input is a
 * `TwitcherError` with a stable code and nothing is half-written.
 */
import type { Kysely } from 'kysely';
import {
  KINDS_BY_SERVICE_TYPE,
  NESTING_KINDS,
  nameKey,
  type ResourceKind,
  type ResourceRecord,
} from '../../authz/model.js';
import { TwitcherError } from '../../errors.js';
import type { Database } from '../schema.js';
import type { ResourceRepository } from '../types.js';
import { type Db, serviceTypeOf, unknownReference } from './authz-lookups.js';
import type { DialectHooks } from './dialect-hooks.js';
import { inTransaction } from './in-transaction.js';

const MAX_NAME = 255;

/** The columns of a resource record (permissions.ts reads them too, for a service's ACL). */
export const RESOURCE_COLUMNS = ['id', 'service', 'parent_id', 'kind', 'name', 'created_at'] as const;

type ResourceRow = Pick<Database['resources'], 'service' | 'parent_id' | 'kind' | 'name' | 'created_at'> & {
  id: number;
};

export const toResource = (row: ResourceRow): ResourceRecord => ({
  id: Number(row.id),
  service: row.service,
  parentId: row.parent_id === null ? undefined : Number(row.parent_id),
  kind: row.kind as ResourceKind,
  name: row.name,
  createdAt: Number(row.created_at),
});

/** One resource, undefined when unknown. */
export async function getResource(db: Db, id: number): Promise<ResourceRecord | undefined> {
  const row = await db
    .selectFrom('resources')
    .select(RESOURCE_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toResource(row) : undefined;
}

/** A name that can be stored for a resource of `kind`, or `validation_failed`. */
function checkName(kind: ResourceKind, name: unknown): void {
  const problem = nameProblem(kind, name);
  if (problem) {
    throw new TwitcherError('validation_failed', {
      description: `name ${problem}`,
      fields: [{ field: 'name', message: problem }],
    });
  }
}

function nameProblem(kind: ResourceKind, name: unknown): string | undefined {
  if (typeof name !== 'string' || name.trim() === '' || name !== name.trim()) {
    return 'must be a non-empty string without leading or trailing spaces';
  }
  if (name.length > MAX_NAME) return `must have at most ${MAX_NAME} characters`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  if (kind === 'path' && (name.includes('/') || name === '.' || name === '..')) {
    return 'must be one path segment (no "/", not "." or "..")';
  }
  return undefined;
}

/** A parent for a resource of `kind` in `service`: same service, same kind, a kind that nests. */
async function checkParent(db: Db, service: string, kind: ResourceKind, parentId: number): Promise<void> {
  const parent = await getResource(db, parentId);
  if (!parent) throw unknownReference('parent', `No resource ${parentId}.`);
  if (parent.service !== service) {
    throw new TwitcherError('invalid_resource', {
      description: `Resource ${parentId} belongs to the service "${parent.service}", not "${service}".`,
      fields: [{ field: 'parent', message: `belongs to the service "${parent.service}"` }],
    });
  }
  if (parent.kind !== kind || !NESTING_KINDS.has(kind)) {
    throw new TwitcherError('invalid_resource', {
      description: `A ${kind} cannot be placed under a ${parent.kind} (only layers nest in layers, paths in paths).`,
      fields: [{ field: 'parent', message: `is a ${parent.kind}` }],
    });
  }
}

/** Walks up from the new parent: meeting the resource itself means a cycle. */
async function checkNoCycle(db: Db, id: number, parentId: number): Promise<void> {
  for (let at: number | undefined = parentId; at !== undefined; ) {
    if (at === id) {
      throw new TwitcherError('resource_cycle', {
        description: `Resource ${id} cannot be moved under itself or one of its descendants.`,
      });
    }
    at = (await getResource(db, at))?.parentId;
  }
}

function duplicateResource(name: string): TwitcherError {
  return new TwitcherError('duplicate_name', {
    description: `A resource named "${name}" already exists there (names compare case-insensitively).`,
  });
}

/** The kind must be one the service's type holds (an unknown service: `service_not_found`). */
async function checkKind(db: Db, service: string, kind: ResourceKind): Promise<void> {
  const type = await serviceTypeOf(db, service);
  if (type === undefined) {
    throw new TwitcherError('service_not_found', {
      description: `No service named "${service}" is registered.`,
    });
  }
  const kinds = KINDS_BY_SERVICE_TYPE[type];
  if (!kinds.includes(kind)) {
    throw new TwitcherError('invalid_resource', {
      description: `A ${type} service holds ${kinds.join(' and ')} resources, not ${kind}.`,
      fields: [{ field: 'kind', message: `must be one of ${kinds.join(', ')}` }],
    });
  }
}

async function insertResource(
  db: Kysely<Database>,
  input: Parameters<ResourceRepository['create']>[0],
): Promise<ResourceRecord> {
  checkName(input.kind, input.name);
  return inTransaction(db, async (trx) => {
    await checkKind(trx, input.service, input.kind);
    if (input.parentId !== undefined) await checkParent(trx, input.service, input.kind, input.parentId);
    const createdAt = Date.now();
    const row = await trx
      .insertInto('resources')
      .values({
        service: input.service,
        parent_id: input.parentId ?? null,
        kind: input.kind,
        name: input.name,
        name_key: nameKey(input.name),
        created_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { service, parentId, kind, name } = input;
    return { id: Number(row.id), service, parentId, kind, name, createdAt };
  });
}

async function updateResource(
  db: Kysely<Database>,
  id: number,
  changes: Parameters<ResourceRepository['update']>[1],
): Promise<ResourceRecord | undefined> {
  return inTransaction(db, async (trx) => {
    const current = await getResource(trx, id);
    if (!current) return undefined;
    const set: { name?: string; name_key?: string; parent_id?: number | null } = {};
    if (changes.name !== undefined) {
      checkName(current.kind, changes.name);
      set.name = changes.name;
      set.name_key = nameKey(changes.name);
    }
    if (changes.parentId !== undefined) {
      if (changes.parentId !== null) {
        await checkParent(trx, current.service, current.kind, changes.parentId);
        await checkNoCycle(trx, id, changes.parentId);
      }
      set.parent_id = changes.parentId;
    }
    if (Object.keys(set).length > 0)
      await trx.updateTable('resources').set(set).where('id', '=', id).execute();
    return getResource(trx, id);
  });
}

/** Descendants first (explicit, so both dialects behave alike whatever their cascade), then every
 * permission on the subtree. */
async function deleteResource(db: Kysely<Database>, id: number): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    if (!(await getResource(trx, id))) return false;
    const subtree = [id];
    for (let i = 0; i < subtree.length; i++) {
      const children = await trx
        .selectFrom('resources')
        .select('id')
        .where('parent_id', '=', subtree[i] as number)
        .execute();
      for (const c of children) subtree.push(Number(c.id));
    }
    await trx.deleteFrom('permissions').where('resource_id', 'in', subtree).execute();
    for (const r of subtree.reverse()) await trx.deleteFrom('resources').where('id', '=', r).execute();
    return true;
  });
}

/** Orders resources so that every parent comes before its children (stable otherwise). */
function parentsFirst(resources: ResourceRecord[]): ResourceRecord[] {
  const byParent = new Map<number | undefined, ResourceRecord[]>();
  for (const r of resources) {
    const list = byParent.get(r.parentId);
    if (list) list.push(r);
    else byParent.set(r.parentId, [r]);
  }
  const out: ResourceRecord[] = [];
  const visit = (parent: number | undefined) => {
    for (const r of byParent.get(parent) ?? []) {
      out.push(r);
      visit(r.id);
    }
  };
  visit(undefined);
  return out;
}

/** Resource trees; a name taken where it would go is `duplicate_name`. */
export function createResourceRepository(db: Kysely<Database>, hooks: DialectHooks): ResourceRepository {
  const changed = () => hooks.notify({ aggregate: 'authz' });
  return {
    async list(service) {
      const rows = await db
        .selectFrom('resources')
        .select(RESOURCE_COLUMNS)
        .where('service', '=', service)
        .orderBy('id')
        .execute();
      return parentsFirst(rows.map(toResource));
    },
    get: (id) => getResource(db, id),
    async create(input) {
      let record: ResourceRecord;
      try {
        record = await insertResource(db, input);
      } catch (err) {
        if (hooks.isUniqueViolation(err)) throw duplicateResource(input.name);
        throw err;
      }
      await changed();
      return record;
    },
    async update(id, changes) {
      let updated: ResourceRecord | undefined;
      try {
        updated = await updateResource(db, id, changes);
      } catch (err) {
        if (hooks.isUniqueViolation(err)) throw duplicateResource(changes.name ?? String(id));
        throw err;
      }
      if (updated) await changed();
      return updated;
    },
    async delete(id) {
      const deleted = await deleteResource(db, id);
      if (deleted) await changed();
      return deleted;
    },
  };
}
