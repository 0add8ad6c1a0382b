import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { TwitcherError } from '../errors.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import { findResource, toResourceJSON } from './authz-json.js';
import { Resource, ResourceCreate, ResourceParams, ResourcePatch } from './authz-schemas.js';
import { errors, NameParams, NoContent, security } from './common-schemas.js';
import { adminPlugin } from './validation.js';

interface Options {
  store: Store;
  registry: ServiceRegistry;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['resources'];

/** The resource tree of each service: processes, layers, feature types, coverages, records, paths. */
export async function resourcesRoutes(
  fastify: FastifyInstance,
  { store, registry, requireAdmin }: Options,
): Promise<void> {
  adminPlugin(fastify, requireAdmin);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  const lookup = async (service: string, id: string) => {
    await registry.get(service);
    try {
      return await findResource(store, service, id, 'id');
    } catch (err) {
      // In the URL, an unknown resource is a 404.
      if (err instanceof TwitcherError && err.code === 'unknown_reference') {
        throw new TwitcherError('not_found', { description: err.description });
      }
      throw err;
    }
  };

  app.get(
    '/services/:name/resources',
    {
      schema: {
        tags,
        security,
        summary: "List a service's resources, parents before children",
        params: NameParams,
        response: { 200: Type.Array(Resource), ...errors },
      },
    },
    async (request) => {
      const service = await registry.get(request.params.name);
      const all = await store.resources.list(service.name);
      return all.map((r) => toResourceJSON(r, all));
    },
  );

  app.post(
    '/services/:name/resources',
    {
      schema: {
        tags,
        security,
        summary: 'Add a resource to a service (under the service, or under a parent layer or path)',
        params: NameParams,
        body: ResourceCreate,
        response: { 201: Resource, ...errors },
      },
    },
    async (request, reply) => {
      const service = await registry.get(request.params.name);
      const body = request.body;
      const parent =
        body.parent === undefined || body.parent === null
          ? undefined
          : await findResource(store, service.name, body.parent, 'parent');
      const created = await store.resources.create({
        service: service.name,
        kind: body.kind,
        name: body.name,
        parentId: parent?.id,
      });
      const all = await store.resources.list(service.name);
      return reply
        .code(201)
        .header('Location', `/services/${encodeURIComponent(service.name)}/resources/${created.id}`)
        .send(toResourceJSON(created, all));
    },
  );

  app.get(
    '/services/:name/resources/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a resource',
        params: ResourceParams,
        response: { 200: Resource, ...errors },
      },
    },
    async (request) => {
      const r = await lookup(request.params.name, request.params.id);
      return toResourceJSON(r, await store.resources.list(r.service));
    },
  );

  app.patch(
    '/services/:name/resources/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename a resource or move it (null: directly under the service); cycles are refused',
        params: ResourceParams,
        body: ResourcePatch,
        response: { 200: Resource, ...errors },
      },
    },
    async (request) => {
      const r = await lookup(request.params.name, request.params.id);
      const body = request.body;
      let parentId: number | null | undefined;
      if (body.parent === null) parentId = null;
      else if (body.parent !== undefined)
        parentId = (await findResource(store, r.service, body.parent, 'parent')).id;
      const updated = await store.resources.update(r.id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(parentId !== undefined && { parentId }),
      });
      if (!updated) throw new TwitcherError('not_found', { description: `No resource ${r.id}.` });
      return toResourceJSON(updated, await store.resources.list(r.service));
    },
  );

  app.delete(
    '/services/:name/resources/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a resource, its descendants and every permission on them',
        params: ResourceParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      const r = await lookup(request.params.name, request.params.id);
      await store.resources.delete(r.id);
      return reply.code(204).send();
    },
  );
}
