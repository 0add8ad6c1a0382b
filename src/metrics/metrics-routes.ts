import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { TwitcherError } from '../errors.js';
import { scrapeMetrics } from './cluster.js';
import type { Metrics } from './metrics.js';
import { METRICS_CONTENT_TYPE } from './metrics-listener.js';

interface Options {
  metrics: Metrics;
  /** The administrator's credentials (src/api/require-admin.ts): 401 with a challenge without them. */
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

/**
 * `GET /metrics` on the main listener, behind the administrator credentials (the separate listener of
 * `metrics.port` needs none). In a cluster worker the answer is the aggregate of every process.
 * Registered only when metrics are enabled: otherwise `/metrics` is a 404.
 */
export async function metricsRoutes(app: FastifyInstance, { metrics, requireAdmin }: Options): Promise<void> {
  app.get(
    '/metrics',
    {
      preHandler: requireAdmin,
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics (text format 0.0.4; administrator only)',
        security: [{ basicAuth: [] }],
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      let text: string;
      try {
        text = await scrapeMetrics(metrics);
      } catch (err) {
        request.log.warn({ err }, 'metrics: the scrape failed');
        throw new TwitcherError('unavailable', { description: 'The metrics cannot be collected now.' });
      }
      return reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(text);
    },
  );
}

/**
 * Counts the requests to every route but those `skip` names (the proxy's, which count themselves) by
 * route pattern, method and status class. The hook is added to the routes themselves (onRoute), so
 * the skipped ones pay nothing. Call before the routes are registered.
 */
export function countRouteRequests(
  app: FastifyInstance,
  metrics: Metrics,
  skip: (url: string) => boolean,
): void {
  if (!metrics.enabled) return;
  app.addHook('onRoute', (route: RouteOptions) => {
    if (skip(route.url)) return;
    const pattern = route.url;
    const onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      metrics.httpRequest(pattern, request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    const existing = route.onResponse;
    route.onResponse =
      existing === undefined
        ? [onResponse]
        : [...(Array.isArray(existing) ? existing : [existing]), onResponse];
  });
}
