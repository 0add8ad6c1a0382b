import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { Store } from '../store/types.js';
import { PACKAGE } from '../version.js';

/** `/`, `/info`, `/versions` (the Python Twitcher's keys) and `/health`. */
export async function frontpageRoutes(
  app: FastifyInstance,
  { config, store }: { config: Config; store: Store },
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
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
