import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { ownProxyProblem } from '../registry/own-url.js';
import type { ServiceRegistry } from '../registry/registry.js';
import { toServiceJSON } from '../registry/service.js';
import { problemSchema, serviceInputSchema, serviceJSONSchema } from './service-schemas.js';

interface Options {
  registry: ServiceRegistry;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
  /** Where this Twitcher is reached, to refuse services whose URL is its own proxy (a loop). */
  config: Pick<Config, 'server' | 'protectedPath'>;
}

const errors = {
  400: { ...problemSchema, description: 'Malformed JSON' },
  401: { ...problemSchema, description: 'Missing or wrong administrator credentials' },
  404: { ...problemSchema, description: 'No such service' },
  409: { ...problemSchema, description: 'The name is taken' },
  422: {
    ...problemSchema,
    description: "Invalid fields (each one named), or a url pointing at this Twitcher's own proxy",
  },
};
const nameParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', description: 'Service name' } },
} as const;
const security = [{ basicAuth: [] }];
// Bodies are checked by parseServiceInput, which reports every bad field at once (ajv would stop at
// the first failing keyword of a field); the schema documents them.
const noValidation = () => () => true;

/** The registry's admin API: `/services` and `/services/{name}`, in the Python Twitcher's shapes. */
export async function servicesRoutes(
  app: FastifyInstance,
  { registry, requireAdmin, config }: Options,
): Promise<void> {
  app.addHook('preHandler', requireAdmin);

  // Asked at each write: the port listened on is known only once listening (it may be 0 in config).
  const check = {
    urlProblem: (url: string) => {
      const address = app.server.address() as AddressInfo | string | null;
      return ownProxyProblem(url, {
        publicURL: config.server.url,
        listenHost: config.server.host,
        listenPort: address !== null && typeof address === 'object' ? address.port : config.server.port,
        protectedPath: config.protectedPath,
      });
    },
  };

  app.get(
    '/services',
    {
      schema: {
        tags: ['services'],
        summary: 'List the registered services',
        security,
        response: { 200: { type: 'array', items: serviceJSONSchema }, 401: errors[401] },
      },
    },
    async () => (await registry.list()).map(toServiceJSON),
  );

  app.post(
    '/services',
    {
      schema: {
        tags: ['services'],
        summary: 'Register a service',
        description: 'The name is sanitised; without one, a name such as sleepy_flamingo is generated.',
        security,
        body: serviceInputSchema,
        response: {
          201: serviceJSONSchema,
          400: errors[400],
          401: errors[401],
          409: errors[409],
          422: errors[422],
        },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const service = await registry.register(request.body, check);
      return reply
        .code(201)
        .header('Location', `/services/${encodeURIComponent(service.name)}`)
        .send(toServiceJSON(service));
    },
  );

  app.delete(
    '/services',
    {
      schema: {
        tags: ['services'],
        summary: 'Unregister every service',
        security,
        response: { 204: { type: 'null', description: 'Cleared' }, 401: errors[401] },
      },
    },
    async (_request, reply) => {
      await registry.clear();
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { name: string } }>(
    '/services/:name',
    {
      schema: {
        tags: ['services'],
        summary: 'Get a service',
        security,
        params: nameParam,
        response: { 200: serviceJSONSchema, 401: errors[401], 404: errors[404] },
      },
    },
    async (request) => toServiceJSON(await registry.get(request.params.name)),
  );

  app.put<{ Params: { name: string } }>(
    '/services/:name',
    {
      schema: {
        tags: ['services'],
        summary: 'Replace a service, or register it under that name',
        security,
        params: nameParam,
        body: serviceInputSchema,
        response: {
          200: serviceJSONSchema,
          201: serviceJSONSchema,
          400: errors[400],
          401: errors[401],
          422: errors[422],
        },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const { service, created } = await registry.put(request.params.name, request.body, check);
      if (created) reply.code(201).header('Location', `/services/${encodeURIComponent(service.name)}`);
      return reply.send(toServiceJSON(service));
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/services/:name',
    {
      schema: {
        tags: ['services'],
        summary: 'Unregister a service',
        security,
        params: nameParam,
        response: { 204: { type: 'null', description: 'Unregistered' }, 401: errors[401], 404: errors[404] },
      },
    },
    async (request, reply) => {
      await registry.unregister(request.params.name);
      return reply.code(204).send();
    },
  );
}
