import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessControl } from '../authz/access-control.js';
import { MAX_REFUSAL_KEYS, REFUSAL_INTERVAL } from '../authz/audit-log.js';
import type { FieldError } from '../errors.js';
import type { Store } from '../store/types.js';
import { failFields } from './authz-json.js';
import { problemSchema } from './service-schemas.js';

interface Options {
  store: Store;
  accessControl: AccessControl;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const QUERY_FIELDS = ['user', 'service', 'outcome', 'from', 'to', 'limit', 'cursor'];

const recordSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    time: { type: 'string', format: 'date-time' },
    subject: { type: 'string', description: 'user:alice, client:<id>, external:<name>, dn:<DN>, anonymous' },
    user: { type: 'string', nullable: true },
    client_address: { type: 'string' },
    service: { type: 'string' },
    operation: { type: 'string' },
    permission: { type: 'string' },
    resources: { type: 'array', items: { type: 'string' } },
    outcome: { type: 'string', enum: ['allow', 'deny'] },
    rule: {
      type: 'string',
      description: 'What decided: a permission, administrator, no-permission…; `overflow` (see count)',
    },
    count: {
      type: 'integer',
      minimum: 1,
      description:
        'How many decisions the record stands for: 1, or for anonymous refusals, those of the same client ' +
        `address, service and operation in ${REFUSAL_INTERVAL / 1000} seconds (time: the first). Past ` +
        `${MAX_REFUSAL_KEYS} such keys in that time, the rest are counted in one record per service with ` +
        'client_address, operation and permission `*` and rule `overflow`.',
    },
  },
} as const;

/** A time in the query: an ISO 8601 date or date-time, or epoch milliseconds. */
function parseTime(value: string): number | undefined {
  if (/^[0-9]{1,15}$/.test(value)) return Number(value);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** The audit log of access decisions on `auth: acl` services, newest first, paged. */
export async function auditRoutes(
  app: FastifyInstance,
  { store, accessControl, requireAdmin }: Options,
): Promise<void> {
  app.addHook('preHandler', requireAdmin);

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        security: [{ basicAuth: [] }],
        summary: 'Access decisions of acl services, newest first',
        description:
          'Records are written within a second of the decision and kept for `authz.auditRetention`. ' +
          'Anonymous refusals are counted (`count`), not recorded one by one. ' +
          'Follow `next_cursor` (as `cursor`) for the next page.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            user: { type: 'string' },
            service: { type: 'string' },
            outcome: { type: 'string', enum: ['allow', 'deny'] },
            from: { type: 'string', description: 'ISO 8601 time or epoch milliseconds, inclusive' },
            to: { type: 'string', description: 'ISO 8601 time or epoch milliseconds, exclusive' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
            cursor: { type: 'string' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              records: { type: 'array', items: recordSchema },
              next_cursor: { type: 'string', nullable: true },
            },
          },
          401: problemSchema,
          422: problemSchema,
        },
      },
      validatorCompiler: () => () => true,
    },
    async (request) => {
      const q = request.query;
      const fields: FieldError[] = Object.keys(q)
        .filter((k) => !QUERY_FIELDS.includes(k))
        .map((field) => ({ field, message: 'is not a known parameter' }));
      const from = q['from'] === undefined ? undefined : parseTime(q['from']);
      const to = q['to'] === undefined ? undefined : parseTime(q['to']);
      if (q['from'] !== undefined && from === undefined)
        fields.push({ field: 'from', message: 'must be a time' });
      if (q['to'] !== undefined && to === undefined) fields.push({ field: 'to', message: 'must be a time' });
      if (q['outcome'] !== undefined && q['outcome'] !== 'allow' && q['outcome'] !== 'deny') {
        fields.push({ field: 'outcome', message: 'must be allow or deny' });
      }
      const limit = q['limit'] === undefined ? DEFAULT_LIMIT : Number(q['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        fields.push({ field: 'limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
      }
      if (fields.length > 0) failFields(fields);
      // What was decided a moment ago is asked for too: write it out first.
      await accessControl.audit.flush();
      const page = await store.audit.query({
        user: q['user'],
        service: q['service'],
        outcome: q['outcome'] as 'allow' | 'deny' | undefined,
        from,
        to,
        limit,
        cursor: q['cursor'],
      });
      return {
        records: page.records.map((r) => ({
          id: r.id,
          time: new Date(r.at).toISOString(),
          subject: r.subject,
          user: r.username ?? null,
          client_address: r.clientAddress,
          service: r.service,
          operation: r.operation,
          permission: r.permission,
          resources: r.resources,
          outcome: r.outcome,
          rule: r.rule,
          count: r.count ?? 1,
        })),
        next_cursor: page.nextCursor ?? null,
      };
    },
  );
}
