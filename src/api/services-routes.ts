import type { AddressInfo } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config/config.js';
import { ownProxyProblem } from '../registry/own-url.js';
import type { ServiceRegistry } from '../registry/registry.js';
import { toServiceJSON } from '../registry/service.js';
import { NoContent } from './common-schemas.js';
import { ServiceInput, ServiceJSON, serviceErrors } from './service-schemas.js';
import { adminPlugin } from './validation.js';

interface Options {
  registry: ServiceRegistry;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
  /** Where this Twitcher is reached, to refuse services whose URL is its own proxy (a loop). */
  config: Pick<Config, 'server' | 'protectedPath'>;
}

const errors = serviceErrors;
const ServiceParams = Type.Object({ name: Type.String({ description: 'Service name' }) });
const security = [{ basicAuth: [] }];

/** The registry's admin API: `/services` and `/services/{name}`, in the Python Twitcher's shapes. */
export async function servicesRoutes(
  fastify: FastifyInstance,
  { registry, requireAdmin, config }: Options,
): Promise<void> {
  adminPlugin(fastify, requireAdmin);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

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
        response: { 200: Type.Array(ServiceJSON), 401: errors[401] },
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
        body: ServiceInput,
        response: {
          201: ServiceJSON,
          400: errors[400],
          401: errors[401],
          409: errors[409],
          422: errors[422],
        },
      },
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
        response: { 204: Type.Unsafe<undefined>({ ...NoContent, description: 'Cleared' }), 401: errors[401] },
      },
    },
    async (_request, reply) => {
      await registry.clear();
      return reply.code(204).send();
    },
  );

  app.get(
    '/services/:name',
    {
      schema: {
        tags: ['services'],
        summary: 'Get a service',
        security,
        params: ServiceParams,
        response: { 200: ServiceJSON, 401: errors[401], 404: errors[404] },
      },
    },
    async (request) => toServiceJSON(await registry.get(request.params.name)),
  );

  app.put(
    '/services/:name',
    {
      schema: {
        tags: ['services'],
        summary: 'Replace a service, or register it under that name',
        security,
        params: ServiceParams,
        body: ServiceInput,
        response: {
          200: ServiceJSON,
          201: ServiceJSON,
          400: errors[400],
          401: errors[401],
          422: errors[422],
        },
      },
    },
    async (request, reply) => {
      const { service, created } = await registry.put(request.params.name, request.body, check);
      if (created) reply.code(201).header('Location', `/services/${encodeURIComponent(service.name)}`);
      return reply.send(toServiceJSON(service));
    },
  );

  app.delete(
    '/services/:name',
    {
      schema: {
        tags: ['services'],
        summary: 'Unregister a service',
        security,
        params: ServiceParams,
        response: {
          204: Type.Unsafe<undefined>({ ...NoContent, description: 'Unregistered' }),
          401: errors[401],
          404: errors[404],
        },
      },
    },
    async (request, reply) => {
      await registry.unregister(request.params.name);
      return reply.code(204).send();
    },
  );
}
