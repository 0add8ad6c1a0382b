/** OAuth2 clients (both dialects). */
import type { Kysely } from 'kysely';
import { TwitcherError } from '../../errors.js';
import type { Database } from '../schema.js';
import type { ClientRecord, ClientRepository } from '../types.js';
import type { DialectHooks } from './dialect-hooks.js';
import { inTransaction } from './in-transaction.js';
import { parseData, splitScopes } from './stored-text.js';

type ClientRow = Database['clients'];

function toClient(row: ClientRow): ClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    redirectURI: row.redirect_uri,
    scopes: splitScopes(row.scopes),
    data: parseData(row.data),
    createdAt: Number(row.created_at),
    ...(row.owner !== null && { owner: row.owner }),
  };
}

/** An owner must be a user: checked here so that the answer is a clear error, not a foreign-key one. */
async function checkOwner(db: Kysely<Database>, owner: string): Promise<void> {
  const row = await db.selectFrom('users').select('id').where('username', '=', owner).executeTakeFirst();
  if (!row) {
    throw new TwitcherError('unknown_reference', {
      description: `No user "${owner}".`,
      fields: [{ field: 'user', message: `no user "${owner}"` }],
    });
  }
}

async function getClient(db: Kysely<Database>, clientId: string): Promise<ClientRecord | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return row ? toClient(row) : undefined;
}

async function insertClient(db: Kysely<Database>, hooks: DialectHooks, client: ClientRecord): Promise<void> {
  if (client.owner !== undefined) await checkOwner(db, client.owner);
  try {
    await db
      .insertInto('clients')
      .values({
        client_id: client.clientId,
        name: client.name,
        secret_hash: client.secretHash,
        redirect_uri: client.redirectURI,
        scopes: client.scopes.join(' '),
        data: JSON.stringify(client.data),
        created_at: client.createdAt,
        owner: client.owner ?? null,
      })
      .execute();
  } catch (err) {
    if (hooks.isUniqueViolation(err)) {
      throw new TwitcherError('duplicate_name', {
        description: `A client "${client.clientId}" already exists.`,
      });
    }
    throw err;
  }
}

async function updateClient(
  db: Kysely<Database>,
  clientId: string,
  changes: Parameters<ClientRepository['update']>[1],
): Promise<ClientRecord | undefined> {
  const set: Partial<ClientRow> = {};
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.redirectURI !== undefined) set.redirect_uri = changes.redirectURI;
  if (changes.scopes !== undefined) set.scopes = changes.scopes.join(' ');
  if (changes.data !== undefined) set.data = JSON.stringify(changes.data);
  if (changes.secretHash !== undefined) set.secret_hash = changes.secretHash;
  if (changes.owner !== undefined) {
    if (changes.owner !== null) await checkOwner(db, changes.owner);
    set.owner = changes.owner;
  }
  if (Object.keys(set).length > 0)
    await db.updateTable('clients').set(set).where('client_id', '=', clientId).execute();
  return getClient(db, clientId);
}

/** Clients; every write is announced as `{aggregate: 'clients', key}`. */
export function createClientRepository(db: Kysely<Database>, hooks: DialectHooks): ClientRepository {
  return {
    async create(client) {
      await insertClient(db, hooks, client);
      // Caches remember absent clients too (oauth/live-clients.ts): a client created again under the
      // same id must be seen.
      await hooks.notify({ aggregate: 'clients', key: client.clientId });
      return client;
    },
    get: (clientId) => getClient(db, clientId),
    async list() {
      const rows = await db
        .selectFrom('clients')
        .selectAll()
        .orderBy('created_at')
        .orderBy('client_id')
        .execute();
      return rows.map(toClient);
    },
    async update(clientId, changes) {
      const client = await updateClient(db, clientId, changes);
      if (client) await hooks.notify({ aggregate: 'clients', key: clientId });
      return client;
    },
    async delete(clientId) {
      // One transaction: the client and its tokens go together (SQLite enforces the cascade only
      // with foreign_keys on; delete explicitly so both dialects behave alike).
      const deleted = await inTransaction(db, async (trx) => {
        await trx.deleteFrom('access_tokens').where('client_id', '=', clientId).execute();
        const r = await trx.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
      if (deleted) await hooks.notify({ aggregate: 'clients', key: clientId });
      return deleted;
    },
  };
}
