import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RESOURCE_KINDS, type ResourceKind } from '../authz/model.js';
import { type FieldError, TwitcherError } from '../errors.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import { failFields, findResource, resourceSchema, toResourceJSON } from './authz-json.js';
import { objectBody } from './json-body.js';
import { problemSchema } from './service-schemas.js';

interface Options {
  store: Store;
  registry: ServiceRegistry;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['resources'];
const security = [{ basicAuth: [] }];
const noValidation = () => () => true;
const serviceParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
} as const;
const idParams = {
  type: 'object',
  required: ['name', 'id'],
  properties: {
    name: { type: 'string' },
    id: { type: 'string', description: 'Resource id, or its path of names' },
  },
} as const;
const errors = { 401: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };

/** The resource tree of each service: processes, layers, feature types, coverages, records, paths. */
export async function resourcesRoutes(
  app: FastifyInstance,
  { store, registry, requireAdmin }: Options,
): Promise<void> {
  app.addHook('preHandler', requireAdmin);

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

  app.get<{ Params: { name: string } }>(
    '/services/:name/resources',
    {
      schema: {
        tags,
        security,
        summary: "List a service's resources, parents before children",
        params: serviceParam,
        response: { 200: { type: 'array', items: resourceSchema }, ...errors },
      },
    },
    async (request) => {
      const service = await registry.get(request.params.name);
      const all = await store.resources.list(service.name);
      return all.map((r) => toResourceJSON(r, all));
    },
  );

  app.post<{ Params: { name: string } }>(
    '/services/:name/resources',
    {
      schema: {
        tags,
        security,
        summary: 'Add a resource to a service (under the service, or under a parent layer or path)',
        params: serviceParam,
        body: {
          type: 'object',
          required: ['kind', 'name'],
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: [...RESOURCE_KINDS] },
            name: {
              type: 'string',
              description: 'Process id, layer or feature type name, one path segment…',
            },
            parent: {
              type: ['integer', 'string', 'null'],
              description:
                'Parent resource: its id or its path of names (layers nest in layers, paths in paths)',
            },
          },
        },
        response: { 201: resourceSchema, ...errors },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const service = await registry.get(request.params.name);
      const body = objectBody(request.body);
      const fields: FieldError[] = Object.keys(body)
        .filter((k) => !['kind', 'name', 'parent'].includes(k))
        .map((field) => ({ field, message: 'is not a known field' }));
      if (typeof body['kind'] !== 'string' || !(RESOURCE_KINDS as readonly string[]).includes(body['kind'])) {
        fields.push({ field: 'kind', message: `must be one of ${RESOURCE_KINDS.join(', ')}` });
      }
      if (typeof body['name'] !== 'string') fields.push({ field: 'name', message: 'must be a string' });
      if (fields.length > 0) failFields(fields);
      const parent =
        body['parent'] === undefined || body['parent'] === null
          ? undefined
          : await findResource(store, service.name, body['parent'], 'parent');
      const created = await store.resources.create({
        service: service.name,
        kind: body['kind'] as ResourceKind,
        name: body['name'] as string,
        parentId: parent?.id,
      });
      const all = await store.resources.list(service.name);
      return reply
        .code(201)
        .header('Location', `/services/${encodeURIComponent(service.name)}/resources/${created.id}`)
        .send(toResourceJSON(created, all));
    },
  );

  app.get<{ Params: { name: string; id: string } }>(
    '/services/:name/resources/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a resource',
        params: idParams,
        response: { 200: resourceSchema, ...errors },
      },
    },
    async (request) => {
      const r = await lookup(request.params.name, request.params.id);
      return toResourceJSON(r, await store.resources.list(r.service));
    },
  );

  app.patch<{ Params: { name: string; id: string } }>(
    '/services/:name/resources/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename a resource or move it (null: directly under the service); cycles are refused',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string' }, parent: { type: ['integer', 'string', 'null'] } },
        },
        response: { 200: resourceSchema, ...errors },
      },
      validatorCompiler: noValidation,
    },
    async (request) => {
      const r = await lookup(request.params.name, request.params.id);
      const body = objectBody(request.body);
      const fields: FieldError[] = Object.keys(body)
        .filter((k) => !['name', 'parent'].includes(k))
        .map((field) => ({ field, message: 'is not a known field' }));
      if (body['name'] !== undefined && typeof body['name'] !== 'string') {
        fields.push({ field: 'name', message: 'must be a string' });
      }
      if (fields.length > 0) failFields(fields);
      let parentId: number | null | undefined;
      if (body['parent'] === null) parentId = null;
      else if (body['parent'] !== undefined)
        parentId = (await findResource(store, r.service, body['parent'], 'parent')).id;
      const updated = await store.resources.update(r.id, {
        ...(typeof body['name'] === 'string' && { name: body['name'] }),
        ...(parentId !== undefined && { parentId }),
      });
      if (!updated) throw new TwitcherError('not_found', { description: `No resource ${r.id}.` });
      return toResourceJSON(updated, await store.resources.list(r.service));
    },
  );

  app.delete<{ Params: { name: string; id: string } }>(
    '/services/:name/resources/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a resource, its descendants and every permission on them',
        params: idParams,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      const r = await lookup(request.params.name, request.params.id);
      await store.resources.delete(r.id);
      return reply.code(204).send();
    },
  );
}
