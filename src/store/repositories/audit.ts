/**
 * The audit log of access decisions (both dialects): appended in batches, read newest first.
 * Aggregated records (a key, a count) are upserted: one row per key, the counts added.
 */
import type { Insertable, Kysely } from 'kysely';
import { TwitcherError } from '../../errors.js';
import type { AuditTable, Database } from '../schema.js';
import type { AuditRecord, AuditRepository } from '../types.js';

/** Rows per INSERT: well under SQLite's limit of bound parameters. */
const INSERT_CHUNK = 500;

function parseList(s: string): string[] {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

/** Cursors are opaque to clients: the id of the last record of the page. */
function decodeCursor(cursor: string): number {
  const n = /^[0-9]{1,15}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new TwitcherError('invalid_request', {
      description: 'cursor is not one this server gave.',
      fields: [{ field: 'cursor', message: 'is not a cursor this server gave' }],
    });
  }
  return n;
}

/** The row of a record. */
function toRow(r: AuditRecord): Insertable<AuditTable> {
  return {
    at: r.at,
    subject: r.subject.slice(0, 255),
    username: r.username ?? null,
    client_address: r.clientAddress.slice(0, 64),
    service: r.service,
    operation: r.operation.slice(0, 128),
    permission: r.permission.slice(0, 32),
    resources: JSON.stringify(r.resources),
    outcome: r.outcome,
    rule: r.rule,
    count: r.count ?? 1,
    aggregate_key: r.aggregateKey ?? null,
  };
}

/** Aggregated records of one batch, one per key (the first one's fields, the counts added). */
function mergeByKey(records: readonly AuditRecord[]): AuditRecord[] {
  const byKey = new Map<string, AuditRecord>();
  for (const r of records) {
    const key = r.aggregateKey as string;
    const seen = byKey.get(key);
    if (seen) seen.count = (seen.count ?? 1) + (r.count ?? 1);
    else byKey.set(key, { ...r });
  }
  return [...byKey.values()];
}

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async insert(records) {
      const single = records.filter((r) => r.aggregateKey === undefined);
      const aggregated = mergeByKey(records.filter((r) => r.aggregateKey !== undefined));
      for (let i = 0; i < single.length; i += INSERT_CHUNK) {
        await db
          .insertInto('audit')
          .values(single.slice(i, i + INSERT_CHUNK).map(toRow))
          .execute();
      }
      for (let i = 0; i < aggregated.length; i += INSERT_CHUNK) {
        // The row of a key already written (an earlier flush, another instance) gets the count added.
        await db
          .insertInto('audit')
          .values(aggregated.slice(i, i + INSERT_CHUNK).map(toRow))
          .onConflict((oc) =>
            oc
              .column('aggregate_key')
              .doUpdateSet((eb) => ({ count: eb('audit.count', '+', eb.ref('excluded.count')) })),
          )
          .execute();
      }
    },
    async query(q) {
      let query = db.selectFrom('audit').selectAll();
      if (q.user !== undefined) query = query.where('username', '=', q.user);
      if (q.service !== undefined) query = query.where('service', '=', q.service);
      if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
      if (q.from !== undefined) query = query.where('at', '>=', q.from);
      if (q.to !== undefined) query = query.where('at', '<', q.to);
      if (q.cursor !== undefined) query = query.where('id', '<', decodeCursor(q.cursor));
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit);
      const records: AuditRecord[] = page.map((r) => ({
        id: Number(r.id),
        at: Number(r.at),
        subject: r.subject,
        username: r.username ?? undefined,
        clientAddress: r.client_address,
        service: r.service,
        operation: r.operation,
        permission: r.permission,
        resources: parseList(r.resources),
        outcome: r.outcome === 'allow' ? 'allow' : 'deny',
        rule: r.rule,
        count: Number(r.count),
      }));
      const last = records[records.length - 1];
      return rows.length > q.limit && last ? { records, nextCursor: String(last.id) } : { records };
    },
    async prune(before) {
      const r = await db.deleteFrom('audit').where('at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
