import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { Store } from '../store/types.js';
import { PACKAGE } from '../version.js';

/** Whether the server is stopping (told by src/app/connection-drainer.ts). */
export interface Readiness {
  readonly draining: boolean;
}

/** What `/health/ready` checks, each `ok` or what is wrong. */
type ReadyChecks = Record<'store' | 'migrations' | 'keys' | 'draining', string>;

/**
 * `/`, `/info`, `/versions` (the Python Twitcher's keys), `/health` (as before: the store answers),
 * `/health/live` and `/health/ready` for load balancers and orchestrators (docs/restarts.md).
 */
export async function frontpageRoutes(
  app: FastifyInstance,
  { config, store, readiness }: { config: Config; store: Store; readiness?: Readiness | undefined },
) {
  const base = config.server.url;
  const frontpage = {
    message: 'Twitcher Frontpage',
    information_uri: `${base}/info`,
    versions_uri: `${base}/versions`,
    services_uri: `${base}/services`,
    client_uri: `${base}/oauth/client`,
    token_uri: `${base}/oauth/token`,
    openapi_uri: `${base}/api/openapi.json`,
    owsproxy_uri: `${base}${config.protectedPath}/proxy`,
  };
  const tags = ['frontpage'];

  app.get('/', { schema: { tags, summary: 'Links to everything else' } }, async () => frontpage);

  app.get('/info', { schema: { tags, summary: 'About this Twitcher' } }, async () => ({
    name: PACKAGE.name,
    version: PACKAGE.version,
    description: PACKAGE.description,
    license: PACKAGE.license,
  }));

  app.get('/versions', { schema: { tags, summary: 'Versions of Twitcher and its store' } }, async () => {
    const db = await store.describe();
    return [
      { name: 'Twitcher', version: PACKAGE.version, type: 'application' },
      { name: 'default', version: PACKAGE.version, type: 'adapter' },
      { name: db.name, version: db.version, type: 'store' },
      { name: 'node', version: process.versions.node, type: 'runtime' },
    ];
  });

  app.get(
    '/health',
    { schema: { tags, summary: '200 when the store answers, 503 when not' } },
    async (request, reply) => {
      try {
        await withTimeout(store.ping(), 2000);
        return { status: 'ok', store: 'ok' };
      } catch (err) {
        request.log.error({ err }, 'health check: the store does not answer');
        return reply.code(503).send({ status: 'unavailable', store: 'unreachable' });
      }
    },
  );

  // Liveness: the process answers HTTP. Nothing else, so that a store outage does not get every
  // instance restarted (that is readiness).
  app.get('/health/live', { schema: { tags, summary: '200 while the process answers' } }, async () => ({
    status: 'live',
  }));

  app.get(
    '/health/ready',
    {
      schema: {
        tags,
        summary: '200 when this instance should get traffic; 503 naming what is not ready (or draining)',
      },
    },
    async (request, reply) => {
      // The server listens only once the store is open and migrated and the keys are loaded (a
      // failure stops the start), so those two hold for as long as it answers.
      const checks: ReadyChecks = { store: 'ok', migrations: 'ok', keys: 'ok', draining: 'ok' };
      if (readiness?.draining) checks.draining = 'stopping: finishing the requests in flight';
      else {
        try {
          await withTimeout(store.ping(), 2000);
        } catch (err) {
          request.log.error({ err }, 'readiness: the store does not answer');
          checks.store = 'unreachable';
        }
      }
      const failing = Object.entries(checks)
        .filter(([, v]) => v !== 'ok')
        .map(([k]) => k);
      if (failing.length === 0) return { status: 'ready', checks };
      return reply.code(503).send({ status: 'not ready', failing, checks });
    },
  );
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
