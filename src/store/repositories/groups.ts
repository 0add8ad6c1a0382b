/**
 * Groups and their members (both dialects). Every change runs in one transaction and is announced
 * on the change feed as `{aggregate: 'authz'}` once committed.
 */
import type { Kysely } from 'kysely';
import { type GroupRecord, SPECIAL_GROUPS } from '../../authz/model.js';
import { TwitcherError } from '../../errors.js';
import type { Database } from '../schema.js';
import type { GroupRepository } from '../types.js';
import { type Db, groupIdOf, notFound, userIdOf } from './authz-lookups.js';
import type { DialectHooks } from './dialect-hooks.js';
import { inTransaction } from './in-transaction.js';

const GROUP_COLUMNS = ['name', 'priority', 'description', 'created_at'] as const;

const toGroup = (row: Pick<Database['groups'], (typeof GROUP_COLUMNS)[number]>): GroupRecord => ({
  name: row.name,
  priority: Number(row.priority),
  description: row.description,
  createdAt: Number(row.created_at),
});

async function getGroup(db: Db, name: string): Promise<GroupRecord | undefined> {
  const row = await db.selectFrom('groups').select(GROUP_COLUMNS).where('name', '=', name).executeTakeFirst();
  return row ? toGroup(row) : undefined;
}

/** The ids of a group and a user, both known (else `not_found`). */
async function memberIds(trx: Db, group: string, username: string) {
  const groupId = await groupIdOf(trx, group);
  if (groupId === undefined) throw notFound(`No group "${group}".`);
  const userId = await userIdOf(trx, username);
  if (userId === undefined) throw notFound(`No user "${username}".`);
  return { groupId, userId };
}

async function insertGroup(
  db: Kysely<Database>,
  hooks: DialectHooks,
  group: Parameters<GroupRepository['create']>[0],
): Promise<GroupRecord> {
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
  return { ...group, createdAt };
}

/** False when unknown; refused while the group has members or permissions, and for the built-in ones. */
async function deleteGroup(db: Kysely<Database>, name: string): Promise<boolean> {
  if (SPECIAL_GROUPS.includes(name)) {
    throw new TwitcherError('conflict', {
      description: `The group "${name}" is built in and cannot be deleted.`,
    });
  }
  return inTransaction(db, async (trx) => {
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
}

async function addMember(db: Kysely<Database>, group: string, username: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const { groupId, userId } = await memberIds(trx, group, username);
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
}

async function removeMember(db: Kysely<Database>, group: string, username: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const { groupId, userId } = await memberIds(trx, group, username);
    const r = await trx
      .deleteFrom('user_groups')
      .where('user_id', '=', userId)
      .where('group_id', '=', groupId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

async function membersOf(db: Kysely<Database>, group: string): Promise<string[]> {
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
}

/** Groups and memberships; a change is announced once committed, a no-op is not. */
export function createGroupRepository(db: Kysely<Database>, hooks: DialectHooks): GroupRepository {
  const announced = async <T>(result: T, changed: boolean): Promise<T> => {
    if (changed) await hooks.notify({ aggregate: 'authz' });
    return result;
  };
  return {
    async list() {
      const rows = await db.selectFrom('groups').select(GROUP_COLUMNS).orderBy('name').execute();
      return rows.map(toGroup);
    },
    get: (name) => getGroup(db, name),
    create: async (group) => announced(await insertGroup(db, hooks, group), true),
    async update(name, changes) {
      const set: { priority?: number; description?: string } = {};
      if (changes.priority !== undefined) set.priority = changes.priority;
      if (changes.description !== undefined) set.description = changes.description;
      if (Object.keys(set).length > 0)
        await db.updateTable('groups').set(set).where('name', '=', name).execute();
      const group = await getGroup(db, name);
      return announced(group, group !== undefined);
    },
    delete: async (name) => {
      const deleted = await deleteGroup(db, name);
      return announced(deleted, deleted);
    },
    addMember: async (group, username) => {
      const added = await addMember(db, group, username);
      return announced(added, added);
    },
    removeMember: async (group, username) => {
      const removed = await removeMember(db, group, username);
      return announced(removed, removed);
    },
    members: (group) => membersOf(db, group),
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
