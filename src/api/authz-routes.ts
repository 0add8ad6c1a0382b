import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessControl } from '../authz/access-control.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import { auditRoutes } from './audit-routes.js';
import { groupsRoutes } from './groups-routes.js';
import { permissionsRoutes } from './permissions-routes.js';
import { resourcesRoutes } from './resources-routes.js';

export interface AuthzRoutesOptions {
  store: Store;
  registry: ServiceRegistry;
  accessControl: AccessControl;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

/** The admin API of fine-grained authorization: groups, resources, permissions, the audit log. */
export async function authzRoutes(app: FastifyInstance, options: AuthzRoutesOptions): Promise<void> {
  await app.register(groupsRoutes, options);
  await app.register(resourcesRoutes, options);
  await app.register(permissionsRoutes, options);
  await app.register(auditRoutes, options);
}
