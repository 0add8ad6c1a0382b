import type { Kysely } from 'kysely';
import { TwitcherError } from '../errors.js';
import type { RandomTokenRecord } from '../oauth/tokens/types.js';
import type { DialectHooks } from './repositories.js';
import type { Database } from './schema.js';
import type { CertificateRepository, ClientRecord, ClientRepository, TokenRepository } from './types.js';

const splitScopes = (s: string) => s.split(' ').filter(Boolean);
const parseData = (s: string): Record<string, string> => {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
};

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

export function createClientRepository(db: Kysely<Database>, hooks: DialectHooks): ClientRepository {
  return {
    async create(client) {
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
      // Caches remember absent clients too (oauth/live-clients.ts): a client created again under the
      // same id must be seen.
      await hooks.notify({ aggregate: 'clients', key: client.clientId });
      return client;
    },
    async get(clientId) {
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? toClient(row) : undefined;
    },
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
      const set: Partial<ClientRow> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.redirectURI !== undefined) set.redirect_uri = changes.redirectURI;
      if (changes.scopes !== undefined) set.scopes = changes.scopes.join(' ');
      if (changes.data !== undefined) set.data = JSON.stringify(changes.data);
      if (changes.owner !== undefined) {
        if (changes.owner !== null) await checkOwner(db, changes.owner);
        set.owner = changes.owner;
      }
      if (Object.keys(set).length > 0)
        await db.updateTable('clients').set(set).where('client_id', '=', clientId).execute();
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      if (row) await hooks.notify({ aggregate: 'clients', key: clientId });
      return row ? toClient(row) : undefined;
    },
    async delete(clientId) {
      // One transaction: the client and its tokens go together (SQLite enforces the cascade only
      // with foreign_keys on; delete explicitly so both dialects behave alike).
      const deleted = await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('access_tokens').where('client_id', '=', clientId).execute();
        const r = await trx.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
      if (deleted) await hooks.notify({ aggregate: 'clients', key: clientId });
      return deleted;
    },
  };
}

export function createTokenRepository(db: Kysely<Database>, hooks: DialectHooks): TokenRepository {
  const toRecord = (row: Database['access_tokens']): RandomTokenRecord => ({
    jti: row.jti,
    tokenHash: row.token_hash,
    clientId: row.client_id,
    scopes: splitScopes(row.scopes),
    data: parseData(row.data),
    issuedAt: Number(row.issued_at),
    expiresAt: Number(row.expires_at),
  });
  return {
    async insert(record) {
      await db
        .insertInto('access_tokens')
        .values({
          jti: record.jti,
          token_hash: record.tokenHash,
          client_id: record.clientId,
          scopes: record.scopes.join(' '),
          data: JSON.stringify(record.data),
          issued_at: record.issuedAt,
          expires_at: record.expiresAt,
        })
        .execute();
    },
    async findByHash(tokenHash) {
      const row = await db
        .selectFrom('access_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async revoke(jti, clientId, expiresAt) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('revoked_tokens')
          .values({ jti, client_id: clientId, expires_at: expiresAt, revoked_at: Date.now() })
          .onConflict((oc) => oc.column('jti').doNothing())
          .execute();
        await trx.deleteFrom('access_tokens').where('jti', '=', jti).execute();
      });
      await hooks.notify({ aggregate: 'tokens', key: jti });
    },
    async isRevoked(jti) {
      const row = await db
        .selectFrom('revoked_tokens')
        .select('jti')
        .where('jti', '=', jti)
        .executeTakeFirst();
      return row !== undefined;
    },
    async purgeExpired(nowSeconds) {
      const a = await db.deleteFrom('access_tokens').where('expires_at', '<', nowSeconds).executeTakeFirst();
      const b = await db.deleteFrom('revoked_tokens').where('expires_at', '<', nowSeconds).executeTakeFirst();
      return Number(a.numDeletedRows) + Number(b.numDeletedRows);
    },
  };
}

export function createCertificateRepository(
  db: Kysely<Database>,
  hooks: DialectHooks,
): CertificateRepository {
  return {
    async record(cert) {
      try {
        await db
          .insertInto('issued_certificates')
          .values({
            serial: cert.serial,
            username: cert.username,
            subject: cert.subject,
            not_before: cert.notBefore,
            not_after: cert.notAfter,
            issued_at: cert.issuedAt,
            client_address: cert.clientAddress,
          })
          .execute();
      } catch (err) {
        if (hooks.isUniqueViolation(err)) {
          throw new TwitcherError('duplicate_name', {
            description: `Serial ${cert.serial} was already issued.`,
          });
        }
        throw err;
      }
    },
    async listByUser(username) {
      const rows = await db
        .selectFrom('issued_certificates')
        .selectAll()
        .where('username', '=', username)
        .orderBy('issued_at')
        .execute();
      return rows.map((r) => ({
        serial: r.serial,
        username: r.username,
        subject: r.subject,
        notBefore: Number(r.not_before),
        notAfter: Number(r.not_after),
        issuedAt: Number(r.issued_at),
        clientAddress: r.client_address,
      }));
    },
  };
}
