/**
 * Groups, memberships, resource trees and permissions (both dialects). Every change runs in one
 * transaction and is announced on the change feed as `{aggregate: 'authz'}` once committed; bad
 * input is a `TwitcherError` with a stable code and nothing is half-written.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  ACCESSES,
  type Access,
  type GroupRecord,
  KINDS_BY_SERVICE_TYPE,
  NESTING_KINDS,
  nameKey,
  type PermissionRecord,
  permissionsFor,
  type ResourceKind,
  type ResourceRecord,
  SCOPES,
  type Scope,
  SPECIAL_GROUPS,
} from '../authz/model.js';
import { TwitcherError } from '../errors.js';
import type { ServiceType } from '../registry/service.js';
import type { DialectHooks } from './repositories.js';
import type { Database } from './schema.js';
import type { GroupRepository, PermissionRepository, ResourceRepository } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

const MAX_NAME = 255;

function unknownReference(field: string, description: string): TwitcherError {
  return new TwitcherError('unknown_reference', { description, fields: [{ field, message: description }] });
}

function notFound(description: string): TwitcherError {
  return new TwitcherError('not_found', { description });
}

async function userIdOf(db: Db, username: string): Promise<number | undefined> {
  const row = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  return row?.id;
}

async function groupIdOf(db: Db, name: string): Promise<number | undefined> {
  const row = await db.selectFrom('groups').select('id').where('name', '=', name).executeTakeFirst();
  return row?.id;
}

async function serviceTypeOf(db: Db, service: string): Promise<ServiceType | undefined> {
  const row = await db.selectFrom('services').select('type').where('name', '=', service).executeTakeFirst();
  return row?.type as ServiceType | undefined;
}

const toGroup = (
  row: Pick<Database['groups'], 'name' | 'priority' | 'description' | 'created_at'>,
): GroupRecord => ({
  name: row.name,
  priority: Number(row.priority),
  description: row.description,
  createdAt: Number(row.created_at),
});

const GROUP_COLUMNS = ['name', 'priority', 'description', 'created_at'] as const;

export function createGroupRepository(db: Kysely<Database>, hooks: DialectHooks): GroupRepository {
  const changed = () => hooks.notify({ aggregate: 'authz' });
  const ids = async (trx: Db, group: string, username: string) => {
    const groupId = await groupIdOf(trx, group);
    if (groupId === undefined) throw notFound(`No group "${group}".`);
    const userId = await userIdOf(trx, username);
    if (userId === undefined) throw notFound(`No user "${username}".`);
    return { groupId, userId };
  };
  return {
    async list() {
      const rows = await db.selectFrom('groups').select(GROUP_COLUMNS).orderBy('name').execute();
      return rows.map(toGroup);
    },
    async get(name) {
      const row = await db
        .selectFrom('groups')
        .select(GROUP_COLUMNS)
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? toGroup(row) : undefined;
    },
    async create(group) {
      const createdAt = Date.now();
      try {
        await db
          .insertInto('groups')
          .values({
            name: group.name,
            priority: group.priority,
            description: group.description,
            created_at: createdAt,
          })
          .execute();
      } catch (err) {
        if (hooks.isUniqueViolation(err)) {
          throw new TwitcherError('duplicate_name', {
            description: `A group named "${group.name}" already exists.`,
          });
        }
        throw err;
      }
      await changed();
      return { ...group, createdAt };
    },
    async update(name, changes) {
      const set: { priority?: number; description?: string } = {};
      if (changes.priority !== undefined) set.priority = changes.priority;
      if (changes.description !== undefined) set.description = changes.description;
      if (Object.keys(set).length > 0)
        await db.updateTable('groups').set(set).where('name', '=', name).execute();
      const row = await db
        .selectFrom('groups')
        .select(GROUP_COLUMNS)
        .where('name', '=', name)
        .executeTakeFirst();
      if (row) await changed();
      return row ? toGroup(row) : undefined;
    },
    async delete(name) {
      if (SPECIAL_GROUPS.includes(name)) {
        throw new TwitcherError('conflict', {
          description: `The group "${name}" is built in and cannot be deleted.`,
        });
      }
      const deleted = await db.transaction().execute(async (trx) => {
        const id = await groupIdOf(trx, name);
        if (id === undefined) return false;
        const members = await trx
          .selectFrom('user_groups')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('group_id', '=', id)
          .executeTakeFirstOrThrow();
        const grants = await trx
          .selectFrom('permissions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('group_id', '=', id)
          .executeTakeFirstOrThrow();
        if (Number(members.n) > 0 || Number(grants.n) > 0) {
          throw new TwitcherError('group_in_use', {
            description:
              `The group "${name}" still has ${Number(members.n)} member(s) and ${Number(grants.n)} permission(s): ` +
              'remove them first.',
          });
        }
        await trx.deleteFrom('groups').where('id', '=', id).execute();
        return true;
      });
      if (deleted) await changed();
      return deleted;
    },
    async addMember(group, username) {
      const added = await db.transaction().execute(async (trx) => {
        const { groupId, userId } = await ids(trx, group, username);
        const exists = await trx
          .selectFrom('user_groups')
          .select('user_id')
          .where('user_id', '=', userId)
          .where('group_id', '=', groupId)
          .executeTakeFirst();
        if (exists) return false;
        await trx
          .insertInto('user_groups')
          .values({ user_id: userId, group_id: groupId, created_at: Date.now() })
          .onConflict((oc) => oc.columns(['user_id', 'group_id']).doNothing())
          .execute();
        return true;
      });
      if (added) await changed();
      return added;
    },
    async removeMember(group, username) {
      const removed = await db.transaction().execute(async (trx) => {
        const { groupId, userId } = await ids(trx, group, username);
        const r = await trx
          .deleteFrom('user_groups')
          .where('user_id', '=', userId)
          .where('group_id', '=', groupId)
          .executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
      if (removed) await changed();
      return removed;
    },
    async members(group) {
      const id = await groupIdOf(db, group);
      if (id === undefined) throw notFound(`No group "${group}".`);
      const rows = await db
        .selectFrom('user_groups')
        .innerJoin('users', 'users.id', 'user_groups.user_id')
        .select('users.username')
        .where('user_groups.group_id', '=', id)
        .orderBy('users.username')
        .execute();
      return rows.map((r) => r.username);
    },
    async groupsOf(username) {
      const rows = await db
        .selectFrom('user_groups')
        .innerJoin('users', 'users.id', 'user_groups.user_id')
        .innerJoin('groups', 'groups.id', 'user_groups.group_id')
        .select(['groups.name', 'groups.priority', 'groups.description', 'groups.created_at'])
        .where('users.username', '=', username)
        .orderBy('groups.name')
        .execute();
      return rows.map(toGroup);
    },
  };
}

type ResourceRow = Pick<Database['resources'], 'service' | 'parent_id' | 'kind' | 'name' | 'created_at'> & {
  id: number;
};

const toResource = (row: ResourceRow): ResourceRecord => ({
  id: Number(row.id),
  service: row.service,
  parentId: row.parent_id === null ? undefined : Number(row.parent_id),
  kind: row.kind as ResourceKind,
  name: row.name,
  createdAt: Number(row.created_at),
});

const RESOURCE_COLUMNS = ['id', 'service', 'parent_id', 'kind', 'name', 'created_at'] as const;

function resourceNameProblem(kind: ResourceKind, name: unknown): string | undefined {
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

async function getResource(db: Db, id: number): Promise<ResourceRecord | undefined> {
  const row = await db
    .selectFrom('resources')
    .select(RESOURCE_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toResource(row) : undefined;
}

/** A parent for a resource of `kind` in `service`: same service, same kind, a kind that nests. */
async function checkParent(
  db: Db,
  service: string,
  kind: ResourceKind,
  parentId: number,
): Promise<ResourceRecord> {
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
  return parent;
}

function duplicateResource(name: string): TwitcherError {
  return new TwitcherError('duplicate_name', {
    description: `A resource named "${name}" already exists there (names compare case-insensitively).`,
  });
}

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
      const problem = resourceNameProblem(input.kind, input.name);
      if (problem) {
        throw new TwitcherError('validation_failed', {
          description: `name ${problem}`,
          fields: [{ field: 'name', message: problem }],
        });
      }
      let record: ResourceRecord;
      try {
        record = await db.transaction().execute(async (trx) => {
          const type = await serviceTypeOf(trx, input.service);
          if (type === undefined) {
            throw new TwitcherError('service_not_found', {
              description: `No service named "${input.service}" is registered.`,
            });
          }
          if (!KINDS_BY_SERVICE_TYPE[type].includes(input.kind)) {
            throw new TwitcherError('invalid_resource', {
              description: `A ${type} service holds ${KINDS_BY_SERVICE_TYPE[type].join(' and ')} resources, not ${input.kind}.`,
              fields: [
                { field: 'kind', message: `must be one of ${KINDS_BY_SERVICE_TYPE[type].join(', ')}` },
              ],
            });
          }
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
          return {
            id: Number(row.id),
            service: input.service,
            parentId: input.parentId,
            kind: input.kind,
            name: input.name,
            createdAt,
          };
        });
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
        updated = await db.transaction().execute(async (trx) => {
          const current = await getResource(trx, id);
          if (!current) return undefined;
          const set: { name?: string; name_key?: string; parent_id?: number | null } = {};
          if (changes.name !== undefined) {
            const problem = resourceNameProblem(current.kind, changes.name);
            if (problem) {
              throw new TwitcherError('validation_failed', {
                description: `name ${problem}`,
                fields: [{ field: 'name', message: problem }],
              });
            }
            set.name = changes.name;
            set.name_key = nameKey(changes.name);
          }
          if (changes.parentId !== undefined) {
            if (changes.parentId !== null) {
              await checkParent(trx, current.service, current.kind, changes.parentId);
              // Walk up from the new parent: meeting the resource itself means a cycle.
              for (let at: number | undefined = changes.parentId; at !== undefined; ) {
                if (at === id) {
                  throw new TwitcherError('resource_cycle', {
                    description: `Resource ${id} cannot be moved under itself or one of its descendants.`,
                  });
                }
                at = (await getResource(trx, at))?.parentId;
              }
            }
            set.parent_id = changes.parentId;
          }
          if (Object.keys(set).length > 0)
            await trx.updateTable('resources').set(set).where('id', '=', id).execute();
          return getResource(trx, id);
        });
      } catch (err) {
        if (hooks.isUniqueViolation(err)) throw duplicateResource(changes.name ?? String(id));
        throw err;
      }
      if (updated) await changed();
      return updated;
    },
    async delete(id) {
      const deleted = await db.transaction().execute(async (trx) => {
        if (!(await getResource(trx, id))) return false;
        // Descendants first (explicit, so both dialects behave alike whatever their cascade), then
        // every permission on the subtree.
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
      if (deleted) await changed();
      return deleted;
    },
  };
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

type PermissionRow = Pick<
  Database['permissions'],
  'service' | 'resource_id' | 'permission' | 'access' | 'scope' | 'created_at'
> & { id: number; username: string | null; group_name: string | null };

const toPermission = (row: PermissionRow): PermissionRecord => ({
  id: Number(row.id),
  grantee: row.username !== null ? { user: row.username } : { group: row.group_name ?? '' },
  service: row.service,
  resourceId: row.resource_id === null ? undefined : Number(row.resource_id),
  permission: row.permission,
  access: row.access as Access,
  scope: row.scope as Scope,
  createdAt: Number(row.created_at),
});

export function createPermissionRepository(db: Kysely<Database>, hooks: DialectHooks): PermissionRepository {
  const changed = () => hooks.notify({ aggregate: 'authz' });
  const select = (d: Db) =>
    d
      .selectFrom('permissions')
      .leftJoin('users', 'users.id', 'permissions.user_id')
      .leftJoin('groups', 'groups.id', 'permissions.group_id')
      .select([
        'permissions.id',
        'permissions.service',
        'permissions.resource_id',
        'permissions.permission',
        'permissions.access',
        'permissions.scope',
        'permissions.created_at',
        'users.username',
        'groups.name as group_name',
      ]);
  const get = async (id: number) => {
    const row = await select(db).where('permissions.id', '=', id).executeTakeFirst();
    return row ? toPermission(row) : undefined;
  };
  return {
    async list(filter = {}) {
      let q = select(db);
      if (filter.user !== undefined) q = q.where('users.username', '=', filter.user);
      if (filter.group !== undefined) q = q.where('groups.name', '=', filter.group);
      if (filter.service !== undefined) q = q.where('permissions.service', '=', filter.service);
      if (filter.resourceId !== undefined) q = q.where('permissions.resource_id', '=', filter.resourceId);
      const rows = await q.orderBy('permissions.id').execute();
      return rows.map(toPermission);
    },
    get,
    async grant(input) {
      if (!ACCESSES.includes(input.access) || !SCOPES.includes(input.scope)) {
        throw new TwitcherError('validation_failed', {
          description: 'access must be allow or deny, scope match or recursive.',
          fields: [
            ...(ACCESSES.includes(input.access)
              ? []
              : [{ field: 'access', message: 'must be allow or deny' }]),
            ...(SCOPES.includes(input.scope)
              ? []
              : [{ field: 'scope', message: 'must be match or recursive' }]),
          ],
        });
      }
      let id: number;
      try {
        id = await db.transaction().execute(async (trx) => {
          let userId: number | null = null;
          let groupId: number | null = null;
          if (input.grantee.user !== undefined) {
            userId = (await userIdOf(trx, input.grantee.user)) ?? null;
            if (userId === null) throw unknownReference('user', `No user "${input.grantee.user}".`);
          } else {
            groupId = (await groupIdOf(trx, input.grantee.group)) ?? null;
            if (groupId === null) throw unknownReference('group', `No group "${input.grantee.group}".`);
          }
          const type = await serviceTypeOf(trx, input.service);
          if (type === undefined)
            throw unknownReference('service', `No service named "${input.service}" is registered.`);
          if (!permissionsFor(type).includes(input.permission)) {
            throw new TwitcherError('validation_failed', {
              description: `"${input.permission}" is not a permission of a ${type} service; it has ${permissionsFor(type).join(', ')}.`,
              fields: [{ field: 'permission', message: `is not a permission of a ${type} service` }],
            });
          }
          if (input.resourceId !== undefined) {
            const resource = await getResource(trx, input.resourceId);
            if (!resource) throw unknownReference('resource', `No resource ${input.resourceId}.`);
            if (resource.service !== input.service) {
              throw new TwitcherError('invalid_resource', {
                description: `Resource ${input.resourceId} belongs to the service "${resource.service}", not "${input.service}".`,
                fields: [{ field: 'resource', message: `belongs to the service "${resource.service}"` }],
              });
            }
          }
          const row = await trx
            .insertInto('permissions')
            .values({
              user_id: userId,
              group_id: groupId,
              service: input.service,
              resource_id: input.resourceId ?? null,
              permission: input.permission,
              access: input.access,
              scope: input.scope,
              created_at: Date.now(),
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          return Number(row.id);
        });
      } catch (err) {
        if (hooks.isUniqueViolation(err)) {
          throw new TwitcherError('duplicate_grant', {
            description:
              `"${input.permission}" is already granted to ${input.grantee.user !== undefined ? `user "${input.grantee.user}"` : `group "${input.grantee.group}"`} ` +
              `on ${input.resourceId === undefined ? `the service "${input.service}"` : `resource ${input.resourceId}`}: revoke it first to change it.`,
          });
        }
        throw err;
      }
      await changed();
      const record = await get(id);
      if (!record) throw new TypeError('a granted permission vanished');
      return record;
    },
    async revoke(id) {
      const r = await db.deleteFrom('permissions').where('id', '=', id).executeTakeFirst();
      const revoked = Number(r.numDeletedRows) > 0;
      if (revoked) await changed();
      return revoked;
    },
    async forService(service) {
      // A change racing this read is announced after it commits: the caller's cache (generation
      // check) then drops what was read here.
      const [resources, permissions] = await Promise.all([
        db.selectFrom('resources').select(RESOURCE_COLUMNS).where('service', '=', service).execute(),
        select(db).where('permissions.service', '=', service).execute(),
      ]);
      return { service, resources: resources.map(toResource), permissions: permissions.map(toPermission) };
    },
  };
}
