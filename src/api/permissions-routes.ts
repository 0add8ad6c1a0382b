import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessControl } from '../authz/access-control.js';
import type { ACLIndex } from '../authz/acl-index.js';
import {
  ACCESSES,
  type Access,
  type Grantee,
  permissionsFor,
  type ResourceRecord,
  SCOPES,
  type Scope,
} from '../authz/model.js';
import { describeResolution, resolve } from '../authz/resolve.js';
import { type FieldError, TwitcherError } from '../errors.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import { userNotFound } from '../users/users.js';
import {
  failFields,
  findResource,
  permissionSchema,
  toPermissionJSON,
  toResourceJSON,
} from './authz-json.js';
import { objectBody } from './json-body.js';
import { problemSchema } from './service-schemas.js';

interface Options {
  store: Store;
  registry: ServiceRegistry;
  accessControl: AccessControl;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['permissions'];
const security = [{ basicAuth: [] }];
const noValidation = () => () => true;
const errors = { 401: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };
const GRANT_FIELDS = ['user', 'group', 'service', 'resource', 'permission', 'access', 'scope'];

const resolutionSchema = {
  type: 'object',
  properties: {
    permission: { type: 'string' },
    allow: { type: 'boolean' },
    reason: {
      type: 'string',
      enum: ['administrator', 'user', 'group', 'no-permission', 'unknown-permission'],
      description:
        'administrator; a permission of the user or of a group decided; nothing applied (default deny)',
    },
    rule: {
      type: 'string',
      description: 'The deciding permission, e.g. group:staff:execute-allow-recursive@emu',
    },
    decided_by: { ...permissionSchema, nullable: true },
    considered: {
      type: 'array',
      description: 'Every permission that applied, the deciding one first',
      items: {
        type: 'object',
        properties: {
          ...permissionSchema.properties,
          depth: { type: 'integer', description: '0: on the resource itself, 1: its parent, …' },
          priority: { type: 'integer', description: 'The group priority (absent for the user’s own)' },
        },
      },
    },
  },
} as const;

/** Permissions granted to users and groups, and "what may this user do here, and why". */
export async function permissionsRoutes(
  app: FastifyInstance,
  { store, registry, accessControl, requireAdmin }: Options,
): Promise<void> {
  app.addHook('preHandler', requireAdmin);

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/permissions',
    {
      schema: {
        tags,
        security,
        summary: 'List permissions, filtered by user, group, service or resource',
        querystring: {
          type: 'object',
          properties: {
            user: { type: 'string' },
            group: { type: 'string' },
            service: { type: 'string' },
            resource: { type: 'string', description: 'id, name or path (needs service)' },
          },
        },
        response: { 200: { type: 'array', items: permissionSchema }, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      let resourceId: number | undefined;
      if (q['resource'] !== undefined) {
        if (q['service'] === undefined) failFields([{ field: 'resource', message: 'needs service' }]);
        resourceId = (await findResource(store, q['service'], q['resource'], 'resource')).id;
      }
      const list = await store.permissions.list({
        user: q['user'],
        group: q['group'],
        service: q['service'],
        resourceId,
      });
      return list.map(toPermissionJSON);
    },
  );

  app.post(
    '/permissions',
    {
      schema: {
        tags,
        security,
        summary: 'Grant a permission to a user or a group, on a service or one of its resources',
        description:
          'Exactly one of user and group. Without resource the permission is on the service itself. ' +
          'access defaults to allow, scope to recursive (the resource and everything under it); match holds ' +
          'on the resource itself only. Granting the same permission twice to the same grantee on the same ' +
          'resource is refused (409 duplicate_grant): revoke it first to change it.',
        body: {
          type: 'object',
          required: ['service', 'permission'],
          additionalProperties: false,
          properties: {
            user: { type: 'string' },
            group: { type: 'string' },
            service: { type: 'string' },
            resource: { type: ['integer', 'string', 'null'], description: 'id, name or path of names' },
            permission: { type: 'string', example: 'execute' },
            access: { type: 'string', enum: ['allow', 'deny'], default: 'allow' },
            scope: { type: 'string', enum: ['match', 'recursive'], default: 'recursive' },
          },
        },
        response: { 201: permissionSchema, ...errors },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const body = objectBody(request.body);
      const fields: FieldError[] = Object.keys(body)
        .filter((k) => !GRANT_FIELDS.includes(k))
        .map((field) => ({ field, message: 'is not a known field' }));
      const { user, group, service, permission } = body;
      const access = body['access'] ?? 'allow';
      const scope = body['scope'] ?? 'recursive';
      if ((user === undefined) === (group === undefined)) {
        fields.push({
          field: user === undefined ? 'user' : 'group',
          message: 'exactly one of user and group is needed',
        });
      } else if (typeof (user ?? group) !== 'string') {
        fields.push({ field: user !== undefined ? 'user' : 'group', message: 'must be a string' });
      }
      if (typeof service !== 'string') fields.push({ field: 'service', message: 'is required' });
      if (typeof permission !== 'string') fields.push({ field: 'permission', message: 'is required' });
      if (!ACCESSES.includes(access as Access))
        fields.push({ field: 'access', message: 'must be allow or deny' });
      if (!SCOPES.includes(scope as Scope))
        fields.push({ field: 'scope', message: 'must be match or recursive' });
      if (fields.length > 0) failFields(fields);
      const resource =
        body['resource'] === undefined || body['resource'] === null
          ? undefined
          : await findResourceOrServiceError(service as string, body['resource']);
      const grantee: Grantee = user !== undefined ? { user: user as string } : { group: group as string };
      const granted = await store.permissions.grant({
        grantee,
        service: service as string,
        resourceId: resource?.id,
        permission: (permission as string).toLowerCase(),
        access: access as Access,
        scope: scope as Scope,
      });
      return reply.code(201).header('Location', `/permissions/${granted.id}`).send(toPermissionJSON(granted));
    },
  );

  /** A resource of a grant: an unknown service is reported as such, not as an unknown resource. */
  async function findResourceOrServiceError(service: string, ref: unknown): Promise<ResourceRecord> {
    if (!(await registry.lookup(service))) {
      throw new TwitcherError('unknown_reference', {
        description: `No service named "${service}" is registered.`,
        fields: [{ field: 'service', message: 'is not registered' }],
      });
    }
    return findResource(store, service, ref, 'resource');
  }

  const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } as const;

  app.get<{ Params: { id: string } }>(
    '/permissions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a permission',
        params: idParam,
        response: { 200: permissionSchema, ...errors },
      },
      validatorCompiler: noValidation,
    },
    async (request) => {
      const p = await store.permissions.get(permissionId(request.params.id));
      if (!p) throw new TwitcherError('not_found', { description: `No permission ${request.params.id}.` });
      return toPermissionJSON(p);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/permissions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke a permission',
        params: idParam,
        response: { 204: { type: 'null' }, ...errors },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      if (!(await store.permissions.revoke(permissionId(request.params.id)))) {
        throw new TwitcherError('not_found', { description: `No permission ${request.params.id}.` });
      }
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>(
    '/users/:name/effective',
    {
      schema: {
        tags,
        security,
        summary: 'The effective permissions of a user on a service or resource, and why',
        description:
          'Resolved exactly as the proxy does (administrators, then the user’s own permissions, then its groups ' +
          'by priority, the closest resource first, deny before allow at equal priority, default deny). Without ' +
          '`permission`, every permission of the service type is resolved. A resource that is not registered is ' +
          'resolved from its closest registered parent, where match permissions do not hold.',
        params: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
        querystring: {
          type: 'object',
          required: ['service'],
          properties: {
            service: { type: 'string' },
            resource: {
              type: 'string',
              description: 'id, name or path of names; omitted: the service itself',
            },
            permission: { type: 'string' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              user: { type: 'string' },
              service: { type: 'string' },
              resource: { type: 'object', nullable: true, additionalProperties: true },
              registered: { type: 'boolean', description: 'false: the resource is not in the tree' },
              admin: { type: 'boolean', description: 'An administrator is allowed everything' },
              groups: {
                type: 'array',
                description: 'The groups of the user, the implicit ones included',
                items: {
                  type: 'object',
                  properties: { name: { type: 'string' }, priority: { type: 'integer' } },
                },
              },
              permissions: { type: 'array', items: resolutionSchema },
            },
          },
          ...errors,
        },
      },
      validatorCompiler: noValidation,
    },
    async (request) => {
      const q = request.query;
      if (typeof q['service'] !== 'string') failFields([{ field: 'service', message: 'is required' }]);
      const service = await registry.get(q['service']);
      const principal = await accessControl.principals.ofUser(request.params.name);
      if (!principal) throw userNotFound(request.params.name);
      const index = await accessControl.acls.get(service.name);
      const { resource, exact, shown } = await locateForExplain(index, service.name, q['resource']);
      const names =
        q['permission'] !== undefined ? [q['permission'].toLowerCase()] : [...permissionsFor(service.type)];
      const all = resource ? await store.resources.list(service.name) : [];
      return {
        user: request.params.name,
        service: service.name,
        resource: resource ? toResourceJSON(resource, all) : shown === undefined ? null : { name: shown },
        registered: exact,
        admin: principal.admin,
        groups: principal.groups.map((g) => ({ name: g.name, priority: g.priority })),
        permissions: names.map((permission) => {
          const r = resolve(index, principal, permission, { resource, exact }, { explain: true });
          return {
            permission,
            allow: r.allow,
            reason: r.reason,
            rule: describeResolution(index, r),
            decided_by: r.decidedBy ? toPermissionJSON(r.decidedBy.permission) : null,
            considered: r.candidates.map((c) => ({
              ...toPermissionJSON(c.permission),
              depth: c.depth,
              ...(c.priority !== undefined && { priority: c.priority }),
            })),
          };
        }),
      };
    },
  );

  /** The resource named in the query (id, name or path), or where an unregistered one starts. */
  async function locateForExplain(
    index: ACLIndex,
    service: string,
    ref: string | undefined,
  ): Promise<{ resource: ResourceRecord | undefined; exact: boolean; shown?: string }> {
    if (ref === undefined || ref === '') return { resource: undefined, exact: true };
    try {
      return { resource: await findResource(store, service, ref, 'resource'), exact: true };
    } catch (err) {
      if (!(err instanceof TwitcherError) || err.code !== 'unknown_reference' || /^[0-9]+$/.test(ref))
        throw err;
    }
    // Not registered: its closest registered parent along the path, match off.
    const { resource } = index.findPath(ref.split('/').filter((s) => s !== ''));
    return { resource, exact: false, shown: ref };
  }
}

function permissionId(raw: string): number {
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new TwitcherError('not_found', { description: `No permission ${raw}.` });
  }
  return n;
}
