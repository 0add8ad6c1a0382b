/** Twitcher's own users (both dialects). */
import type { Kysely } from 'kysely';
import { TwitcherError } from '../../errors.js';
import { tryDNKey } from '../../pki/x509/dn/index.js';
import type { Database } from '../schema.js';
import type { UserRecord, UserRepository } from '../types.js';
import type { DialectHooks } from './dialect-hooks.js';
import { inTransaction } from './in-transaction.js';

const USER_COLUMNS = ['username', 'password_hash', 'is_admin', 'created_at', 'certificate_dn'] as const;

function toUser(row: Pick<Database['users'], (typeof USER_COLUMNS)[number]>): UserRecord {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    isAdmin: Boolean(row.is_admin),
    createdAt: Number(row.created_at),
    ...(row.certificate_dn !== null && { certificateDN: row.certificate_dn }),
  };
}

/** The certificate DN as given and its canonical key (what lookups compare); a bad DN is refused. */
function dnColumns(dn: string | undefined) {
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
}

function dnTaken(dn: string): TwitcherError {
  return new TwitcherError('duplicate_name', { description: `Another user has the certificate DN "${dn}".` });
}

async function getUser(db: Kysely<Database>, username: string): Promise<UserRecord | undefined> {
  const row = await db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where('username', '=', username)
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

async function createUser(
  db: Kysely<Database>,
  hooks: DialectHooks,
  user: Omit<UserRecord, 'createdAt'>,
): Promise<UserRecord> {
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
      if (user.certificateDN !== undefined && !(await getUser(db, user.username)))
        throw dnTaken(user.certificateDN);
      throw new TwitcherError('duplicate_name', {
        description: `A user named "${user.username}" already exists.`,
      });
    }
    throw err;
  }
  if (user.certificateDN !== undefined) await hooks.notify({ aggregate: 'authz' });
  return { ...user, createdAt };
}

/** One transaction: the user, its memberships and permissions go; its clients stay, ownerless. */
async function deleteUser(db: Kysely<Database>, username: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
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
}

async function setCertificateDN(
  db: Kysely<Database>,
  hooks: DialectHooks,
  username: string,
  dn: string | undefined,
): Promise<boolean> {
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
  if (updated) await hooks.notify({ aggregate: 'authz' });
  return updated;
}

/**
 * Users; a change that authorization sees (a certificate DN, a deletion) is announced as
 * `{aggregate: 'authz'}`.
 */
export function createUserRepository(db: Kysely<Database>, hooks: DialectHooks): UserRepository {
  return {
    get: (username) => getUser(db, username),
    create: (user) => createUser(db, hooks, user),
    async list() {
      const rows = await db.selectFrom('users').select(USER_COLUMNS).orderBy('username').execute();
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
    async setAdmin(username, isAdmin) {
      const r = await db
        .updateTable('users')
        .set({ is_admin: hooks.bool(isAdmin) })
        .where('username', '=', username)
        .executeTakeFirst();
      const updated = Number(r.numUpdatedRows) > 0;
      if (updated) await hooks.notify({ aggregate: 'authz' });
      return updated;
    },
    async delete(username) {
      const deleted = await deleteUser(db, username);
      if (deleted) await hooks.notify({ aggregate: 'authz' });
      return deleted;
    },
    setCertificateDN: (username, dn) => setCertificateDN(db, hooks, username, dn),
    async findByCertificateDN(key) {
      const row = await db
        .selectFrom('users')
        .select(USER_COLUMNS)
        .where('certificate_dn_key', '=', key)
        .executeTakeFirst();
      return row ? toUser(row) : undefined;
    },
  };
}
