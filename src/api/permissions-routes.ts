import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AccessControl } from '../authz/access-control.js';
import type { ACLIndex } from '../authz/acl-index.js';
import { type Grantee, permissionsFor, type ResourceRecord } from '../authz/model.js';
import { describeResolution, resolve } from '../authz/resolve.js';
import { fieldsError, TwitcherError } from '../errors.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import { userNotFound } from '../users/users.js';
import { findResource, toPermissionJSON, toResourceJSON } from './authz-json.js';
import {
  Effective,
  type EffectiveJSON,
  EffectiveQuery,
  Grant,
  Permission,
  PermissionParams,
  PermissionsQuery,
} from './authz-schemas.js';
import { errors, NameParams, NoContent, security } from './common-schemas.js';
import { adminPlugin } from './validation.js';

interface Options {
  store: Store;
  registry: ServiceRegistry;
  accessControl: AccessControl;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['permissions'];

/** Permissions granted to users and groups, and "what may this user do here, and why". */
export async function permissionsRoutes(fastify: FastifyInstance, options: Options): Promise<void> {
  adminPlugin(fastify, options.requireAdmin);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = options;

  app.get(
    '/permissions',
    {
      schema: {
        tags,
        security,
        summary: 'List permissions, filtered by user, group, service or resource',
        querystring: PermissionsQuery,
        response: { 200: Type.Array(Permission), ...errors },
      },
    },
    async ({ query: q }) => {
      let resourceId: number | undefined;
      if (q.resource !== undefined) {
        if (q.service === undefined) throw fieldsError([{ field: 'resource', message: 'needs service' }]);
        resourceId = (await findResource(store, q.service, q.resource, 'resource')).id;
      }
      const { user, group, service } = q;
      const list = await store.permissions.list({ user, group, service, resourceId });
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
        body: Grant,
        response: { 201: Permission, ...errors },
      },
    },
    async (request, reply) => {
      const granted = await grant(options, request.body);
      return reply.code(201).header('Location', `/permissions/${granted.id}`).send(granted);
    },
  );

  app.get(
    '/permissions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a permission',
        params: PermissionParams,
        response: { 200: Permission, ...errors },
      },
    },
    async (request) => {
      const p = await store.permissions.get(permissionId(request.params.id));
      if (!p) throw new TwitcherError('not_found', { description: `No permission ${request.params.id}.` });
      return toPermissionJSON(p);
    },
  );

  app.delete(
    '/permissions/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke a permission',
        params: PermissionParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      if (!(await store.permissions.revoke(permissionId(request.params.id)))) {
        throw new TwitcherError('not_found', { description: `No permission ${request.params.id}.` });
      }
      return reply.code(204).send();
    },
  );

  app.get(
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
        params: NameParams,
        querystring: EffectiveQuery,
        response: { 200: Effective, ...errors },
      },
    },
    async (request) => effective(options, request.params.name, request.query),
  );
}

/** Grants what the body says, once its cross-field rule (exactly one grantee) holds. */
async function grant({ store, registry }: Options, body: Grant) {
  const { user, group, service } = body;
  const grantee: Grantee | undefined =
    user !== undefined && group === undefined
      ? { user }
      : group !== undefined && user === undefined
        ? { group }
        : undefined;
  if (!grantee) {
    throw fieldsError([
      { field: user === undefined ? 'user' : 'group', message: 'exactly one of user and group is needed' },
    ]);
  }
  let resource: ResourceRecord | undefined;
  if (body.resource !== undefined && body.resource !== null) {
    // an unknown service is reported as such, not as an unknown resource
    if (!(await registry.lookup(service))) {
      throw new TwitcherError('unknown_reference', {
        description: `No service named "${service}" is registered.`,
        fields: [{ field: 'service', message: 'is not registered' }],
      });
    }
    resource = await findResource(store, service, body.resource, 'resource');
  }
  const granted = await store.permissions.grant({
    grantee,
    service,
    resourceId: resource?.id,
    permission: body.permission.toLowerCase(),
    access: body.access ?? 'allow',
    scope: body.scope ?? 'recursive',
  });
  return toPermissionJSON(granted);
}

/** What `user` may do on the service (or resource) of the query, and why, as the proxy resolves it. */
async function effective(
  { store, registry, accessControl }: Options,
  user: string,
  q: EffectiveQuery,
): Promise<EffectiveJSON> {
  const service = await registry.get(q.service);
  const principal = await accessControl.principals.ofUser(user);
  if (!principal) throw userNotFound(user);
  const index = await accessControl.acls.get(service.name);
  const { resource, exact, shown } = await locateForExplain(store, index, service.name, q.resource);
  const names = q.permission !== undefined ? [q.permission.toLowerCase()] : [...permissionsFor(service.type)];
  const all = resource ? await store.resources.list(service.name) : [];
  return {
    user,
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
}

/** The resource named in the query (id, name or path), or where an unregistered one starts. */
async function locateForExplain(
  store: Store,
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

function permissionId(raw: string): number {
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new TwitcherError('not_found', { description: `No permission ${raw}.` });
  }
  return n;
}
