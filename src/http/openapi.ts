import swagger from '@fastify/swagger';
import swaggerUI from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { PACKAGE } from '../version.js';

/** The sections of the OpenAPI document, in the order the UI lists them. */
const TAGS = [
  { name: 'services', description: 'The registry of upstream OGC services' },
  { name: 'frontpage', description: 'About this instance' },
  {
    name: 'oauth',
    description: 'OAuth 2.0: token endpoint, client registration, revocation, introspection',
  },
  { name: 'clients', description: 'OAuth2 clients (administrator)' },
  { name: 'tokens', description: 'Access tokens (administrator)' },
  { name: 'users', description: "Twitcher's own users (administrator)" },
  { name: 'groups', description: 'Groups of users, with a priority (administrator)' },
  {
    name: 'resources',
    description: "Each service's resource tree: processes, layers, paths… (administrator)",
  },
  {
    name: 'permissions',
    description: 'Permissions of users and groups on acl services, and why (administrator)',
  },
  { name: 'audit', description: 'Access decisions of acl services (administrator)' },
  { name: 'certificates', description: 'MyProxyWebService-compatible certificate service' },
  { name: 'metrics', description: 'Prometheus metrics (administrator; docs/metrics.md)' },
  { name: 'proxy', description: 'The OWS proxy (not listed route by route: every method is proxied)' },
];

/** The OpenAPI document of the routes registered after it (/api/openapi.json) and its UI (/api). */
export async function registerOpenAPI(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Twitcher', version: PACKAGE.version, description: PACKAGE.description },
      servers: [{ url: config.server.url }],
      components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } },
      tags: TAGS,
    },
  });
  await app.register(swaggerUI, { routePrefix: '/api' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
