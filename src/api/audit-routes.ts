import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AccessControl } from '../authz/access-control.js';
import { MAX_REFUSAL_KEYS, REFUSAL_INTERVAL } from '../authz/audit-log.js';
import type { FieldError } from '../errors.js';
import { fieldsError } from '../errors.js';
import type { Store } from '../store/types.js';
import { Nullable, Problem, security } from './common-schemas.js';
import { adminPlugin, withMessages } from './validation.js';

interface Options {
  store: Store;
  accessControl: AccessControl;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const LIMIT_MESSAGE = `must be an integer from 1 to ${MAX_LIMIT}`;
const Outcome = Type.Enum(['allow', 'deny']);

const AuditRecord = Type.Object({
  id: Type.Integer(),
  time: Type.String({ format: 'date-time' }),
  subject: Type.String({ description: 'user:alice, client:<id>, external:<name>, dn:<DN>, anonymous' }),
  user: Nullable(Type.String()),
  client_address: Type.String(),
  service: Type.String(),
  operation: Type.String(),
  permission: Type.String(),
  resources: Type.Array(Type.String()),
  outcome: Outcome,
  rule: Type.String({
    description: 'What decided: a permission, administrator, no-permission…; `overflow` (see count)',
  }),
  count: Type.Integer({
    minimum: 1,
    description:
      'How many decisions the record stands for: 1, or for anonymous refusals, those of the same client ' +
      `address, service and operation in ${REFUSAL_INTERVAL / 1000} seconds (time: the first). Past ` +
      `${MAX_REFUSAL_KEYS} such keys in that time, the rest are counted in one record per service with ` +
      'client_address, operation and permission `*` and rule `overflow`.',
  }),
});

/** One page of the audit log, newest first. */
export const AuditPage = Type.Object({
  records: Type.Array(AuditRecord),
  next_cursor: Nullable(Type.String()),
});
export type AuditPageJSON = Static<typeof AuditPage>;

const time = (description: string) => withMessages(Type.String({ description }), 'must be a time');

/** The audit query: a query string is text, so `limit` is digits, its range checked after. */
export const AuditQuery = Type.Object(
  {
    user: Type.Optional(Type.String()),
    service: Type.Optional(Type.String()),
    outcome: Type.Optional(withMessages(Outcome, 'must be allow or deny')),
    from: Type.Optional(time('ISO 8601 time or epoch milliseconds, inclusive')),
    to: Type.Optional(time('ISO 8601 time or epoch milliseconds, exclusive')),
    limit: Type.Optional(
      withMessages(
        Type.String({ pattern: '^[0-9]{1,15}$', description: `1 to ${MAX_LIMIT}; default ${DEFAULT_LIMIT}` }),
        LIMIT_MESSAGE,
      ),
    ),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

/** A time in the query: an ISO 8601 date or date-time, or epoch milliseconds. */
function parseTime(value: string): number | undefined {
  if (/^[0-9]{1,15}$/.test(value)) return Number(value);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** The audit log of access decisions on `auth: acl` services, newest first, paged. */
export async function auditRoutes(fastify: FastifyInstance, options: Options): Promise<void> {
  adminPlugin(fastify, options.requireAdmin);
  fastify.withTypeProvider<TypeBoxTypeProvider>().get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        security,
        summary: 'Access decisions of acl services, newest first',
        description:
          'Records are written within a second of the decision and kept for `authz.auditRetention`. ' +
          'Anonymous refusals are counted (`count`), not recorded one by one. ' +
          'Follow `next_cursor` (as `cursor`) for the next page.',
        querystring: AuditQuery,
        response: { 200: AuditPage, 401: Problem, 422: Problem },
      },
    },
    async (request) => auditPage(options, request.query),
  );
}

/** The page the query asks for, once what was decided a moment ago is written out. */
async function auditPage({ store, accessControl }: Options, q: AuditQuery): Promise<AuditPageJSON> {
  const fields: FieldError[] = [];
  const from = q.from === undefined ? undefined : parseTime(q.from);
  const to = q.to === undefined ? undefined : parseTime(q.to);
  if (q.from !== undefined && from === undefined) fields.push({ field: 'from', message: 'must be a time' });
  if (q.to !== undefined && to === undefined) fields.push({ field: 'to', message: 'must be a time' });
  const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
  if (limit < 1 || limit > MAX_LIMIT) fields.push({ field: 'limit', message: LIMIT_MESSAGE });
  if (fields.length > 0) throw fieldsError(fields);
  await accessControl.audit.flush();
  const page = await store.audit.query({ ...q, from, to, limit });
  return {
    // records read back always have their id
    records: page.records
      .flatMap((r) => (r.id === undefined ? [] : [{ ...r, id: r.id }]))
      .map((r) => ({
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
}
