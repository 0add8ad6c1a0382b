/**
 * Permissions of users and groups on services and their resources (both dialects). Every change
 * runs in one transaction and is announced as `{aggregate: 'authz'}` once committed; bad input is a
 * `TwitcherError` with a stable code and nothing is half-written.
 */
import type { Kysely } from 'kysely';
import {
  ACCESSES,
  type Access,
  type PermissionRecord,
  permissionsFor,
  SCOPES,
  type Scope,
} from '../../authz/model.js';
import { TwitcherError } from '../../errors.js';
import type { Database } from '../schema.js';
import type { GrantInput, PermissionRepository } from '../types.js';
import { type Db, groupIdOf, serviceTypeOf, unknownReference, userIdOf } from './authz-lookups.js';
import type { DialectHooks } from './dialect-hooks.js';
import { inTransaction } from './in-transaction.js';
import { getResource, RESOURCE_COLUMNS, toResource } from './resources.js';

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

/** Permissions with their grantee's name. */
const selectPermissions = (d: Db) =>
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

async function getPermission(db: Db, id: number): Promise<PermissionRecord | undefined> {
  const row = await selectPermissions(db).where('permissions.id', '=', id).executeTakeFirst();
  return row ? toPermission(row) : undefined;
}

function checkAccessAndScope(input: GrantInput): void {
  if (ACCESSES.includes(input.access) && SCOPES.includes(input.scope)) return;
  throw new TwitcherError('validation_failed', {
    description: 'access must be allow or deny, scope match or recursive.',
    fields: [
      ...(ACCESSES.includes(input.access) ? [] : [{ field: 'access', message: 'must be allow or deny' }]),
      ...(SCOPES.includes(input.scope) ? [] : [{ field: 'scope', message: 'must be match or recursive' }]),
    ],
  });
}

/** The grantee's row ids: a known user or a known group (else `unknown_reference`). */
async function granteeIds(trx: Db, grantee: GrantInput['grantee']) {
  if (grantee.user !== undefined) {
    const userId = await userIdOf(trx, grantee.user);
    if (userId === undefined) throw unknownReference('user', `No user "${grantee.user}".`);
    return { user_id: userId, group_id: null };
  }
  const groupId = await groupIdOf(trx, grantee.group);
  if (groupId === undefined) throw unknownReference('group', `No group "${grantee.group}".`);
  return { user_id: null, group_id: groupId };
}

/** A known service with that permission, and a resource of that service when one is named. */
async function checkTarget(trx: Db, input: GrantInput): Promise<void> {
  const type = await serviceTypeOf(trx, input.service);
  if (type === undefined)
    throw unknownReference('service', `No service named "${input.service}" is registered.`);
  if (!permissionsFor(type).includes(input.permission)) {
    throw new TwitcherError('validation_failed', {
      description: `"${input.permission}" is not a permission of a ${type} service; it has ${permissionsFor(type).join(', ')}.`,
      fields: [{ field: 'permission', message: `is not a permission of a ${type} service` }],
    });
  }
  if (input.resourceId === undefined) return;
  const resource = await getResource(trx, input.resourceId);
  if (!resource) throw unknownReference('resource', `No resource ${input.resourceId}.`);
  if (resource.service !== input.service) {
    throw new TwitcherError('invalid_resource', {
      description: `Resource ${input.resourceId} belongs to the service "${resource.service}", not "${input.service}".`,
      fields: [{ field: 'resource', message: `belongs to the service "${resource.service}"` }],
    });
  }
}

/** The id of the new grant, checked and inserted in one transaction. */
async function insertGrant(db: Kysely<Database>, input: GrantInput): Promise<number> {
  return inTransaction(db, async (trx) => {
    const grantee = await granteeIds(trx, input.grantee);
    await checkTarget(trx, input);
    const row = await trx
      .insertInto('permissions')
      .values({
        ...grantee,
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
}

function duplicateGrant(input: GrantInput): TwitcherError {
  const grantee =
    input.grantee.user !== undefined ? `user "${input.grantee.user}"` : `group "${input.grantee.group}"`;
  const target =
    input.resourceId === undefined ? `the service "${input.service}"` : `resource ${input.resourceId}`;
  return new TwitcherError('duplicate_grant', {
    description: `"${input.permission}" is already granted to ${grantee} on ${target}: revoke it first to change it.`,
  });
}

/** Grants and revocations, and a service's whole ACL for the resolver. */
export function createPermissionRepository(db: Kysely<Database>, hooks: DialectHooks): PermissionRepository {
  const changed = () => hooks.notify({ aggregate: 'authz' });
  return {
    async list(filter = {}) {
      let q = selectPermissions(db);
      if (filter.user !== undefined) q = q.where('users.username', '=', filter.user);
      if (filter.group !== undefined) q = q.where('groups.name', '=', filter.group);
      if (filter.service !== undefined) q = q.where('permissions.service', '=', filter.service);
      if (filter.resourceId !== undefined) q = q.where('permissions.resource_id', '=', filter.resourceId);
      const rows = await q.orderBy('permissions.id').execute();
      return rows.map(toPermission);
    },
    get: (id) => getPermission(db, id),
    async grant(input) {
      checkAccessAndScope(input);
      let id: number;
      try {
        id = await insertGrant(db, input);
      } catch (err) {
        if (hooks.isUniqueViolation(err)) throw duplicateGrant(input);
        throw err;
      }
      await changed();
      const record = await getPermission(db, id);
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
        selectPermissions(db).where('permissions.service', '=', service).execute(),
      ]);
      return { service, resources: resources.map(toResource), permissions: permissions.map(toPermission) };
    },
  };
}
