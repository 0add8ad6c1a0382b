/** Random access tokens and revoked token ids (both dialects). */
import type { Kysely } from 'kysely';
import type { RandomTokenRecord } from '../../oauth/tokens/types.js';
import type { Database } from '../schema.js';
import type { TokenRepository } from '../types.js';
import type { DialectHooks } from './dialect-hooks.js';
import { inTransaction } from './in-transaction.js';
import { parseData, splitScopes } from './stored-text.js';

/** Tokens; a revocation is announced as `{aggregate: 'tokens', key: jti}`. */
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
      await inTransaction(db, async (trx) => {
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
