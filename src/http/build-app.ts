import { constants, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { METHODS } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { authzRoutes } from '../api/authz-routes.js';
import { clientsRoutes } from '../api/clients-routes.js';
import { provisionRoutes } from '../api/provision-routes.js';
import { createRequireAdmin, createRequireAdminOrScope } from '../api/require-admin.js';
import { servicesRoutes } from '../api/services-routes.js';
import { usersRoutes } from '../api/users-routes.js';
import { AJV_OPTIONS } from '../api/validation.js';
import type { AdminVerifier } from '../auth/admin-credentials.js';
import type { AccessControl } from '../authz/access-control.js';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { countRouteRequests, metricsRoutes } from '../metrics/metrics-routes.js';
import { oauthRoutes } from '../oauth/oauth-routes.js';
import type { TokenService } from '../oauth/token-service-types.js';
import type { ClientCertificateAuthenticator } from '../pki/certificate-service/client-certificate-authenticator.js';
import type { LogonBackend } from '../pki/certificate-service/logon-backend.js';
import type { UpstreamAgents } from '../proxy/agents.js';
import { proxyRoutes } from '../proxy/proxy-routes.js';
import { sendProxyError } from '../proxy/render-proxy-error.js';
import type { RateLimits } from '../ratelimit/rate-limits.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import { logError } from '../util/log-error.js';
import { toTwitcherError } from '../util/to-twitcher-error.js';
import { AccessLog } from './access-log.js';
import { frontpageRoutes, type Readiness } from './frontpage-routes.js';
import { loggerOptions } from './logger.js';
import { registerOpenAPI } from './openapi.js';
import { sendProblem } from './problem.js';
import { renderErrorsAs } from './surface.js';

/** Everything with a lifetime, made by assembleDeps (src/app/) and passed in; buildApp owns none of it. */
export interface AppDeps {
  store: Store;
  registry: ServiceRegistry;
  admin: AdminVerifier;
  /** Connection pools to the upstreams. */
  agents: UpstreamAgents;
  /** Issuing and validation of access tokens. */
  tokens: TokenService;
  /** Fine-grained authorization of `auth: acl` services: its admin API, and the proxy's decisions. */
  accessControl: AccessControl;
  /** Client certificates of `auth: cert` services. */
  clientCertificates: ClientCertificateAuthenticator;
  /** The certificate service's backend; none: the service is off. */
  certificateBackend?: LogonBackend;
  /** Where JSON log lines go (default: standard output). */
  logStream?: DestinationStream;
  /** Prometheus metrics (`NO_METRICS` when `metrics.enabled` is false: nothing counted, no `/metrics`). */
  metrics?: Metrics;
  /** Told the application's logger once it exists, for what was made before it and reports. */
  useLogger?: (log: FastifyBaseLogger) => void;
  /** The proxy's rate limits (`ratelimit.*`); none configured: absent. */
  rateLimits?: RateLimits | undefined;
  /** Whether the server is draining (`/health/ready` answers 503 then); made by src/app/connection-drainer.ts. */
  readiness?: Readiness;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The HTTP application: routes, error rendering, OpenAPI. Does not listen, and makes nothing to close. */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = createFastify(config, deps.logStream, deps.metrics);
  deps.useLogger?.(app.log);
  await registerOpenAPI(app, config);
  renderErrorsAs(app, sendProblem);
  app.setNotFoundHandler((request, reply) => {
    deps.metrics?.httpRequest(undefined, request.method, 404, 0);
    return sendProblem(
      reply,
      new TwitcherError('not_found', {
        description: `Nothing at ${request.method} ${request.url.split('?')[0]}.`,
      }),
    );
  });
  await registerRoutes(app, config, deps);
  return app;
}

/** The server: TLS, logging, request ids, proxies in front, and every HTTP method the proxy may see. */
function createFastify(
  config: Config,
  logStream: DestinationStream | undefined,
  metrics: Metrics | undefined,
): FastifyInstance {
  const accessLog = new AccessLog();
  const app = Fastify({
    ...(config.tls.certFile !== undefined &&
      config.tls.keyFile !== undefined && {
        https: httpsOptions(config.tls.certFile, config.tls.keyFile),
      }),
    logger: loggerOptions(config.log.level, logStream),
    // Correlate with a front proxy's id when it is a sane token; otherwise make one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    trustProxy: config.server.trustProxy.length > 0 ? config.server.trustProxy : false,
    bodyLimit: 1024 * 1024,
    logController: accessLog,
    // While closing, requests that still arrive on open connections are answered normally (with
    // `Connection: close`): a 503 there would be a lost request (src/app/connection-drainer.ts).
    return503OnClosing: false,
    // Errors of the router (a path it cannot decode) get the answer of the surface asked, like every
    // other error: an ExceptionReport on /ows/proxy, the verify JSON on /ows/verify.
    frameworkErrors: (error, request, reply) => {
      const err = toTwitcherError(error);
      // no route matched: counted as such (never by its path)
      metrics?.httpRequest(undefined, request.method, err.status, 0);
      logError(request.log, err);
      const url = request.raw.url ?? '';
      if (url.startsWith(`${config.protectedPath}/proxy/`)) return sendProxyError(reply, err, 'proxy');
      if (url.startsWith(`${config.protectedPath}/verify/`)) return sendProxyError(reply, err, 'verify');
      return sendProblem(reply, err);
    },
    ajv: { customOptions: { ...AJV_OPTIONS } },
  });

  accessLog.attach(app.log);
  // Every method Node parses reaches the proxy (WebDAV on THREDDS and files, PURGE, QUERY…), so that
  // it is judged like any other (and /ows/proxy and /ows/verify agree on it), not a 404 of the router.
  for (const method of METHODS) {
    // CONNECT asks for a tunnel: never proxied
    if (method !== 'CONNECT' && !app.supportedMethods.includes(method)) {
      app.addHttpMethod(method, { hasBody: true });
    }
  }

  // A callback hook, not an async one: no promise on every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  return app;
}

/** Every surface: front page, admin API, OAuth, certificate service, and the proxy last. */
async function registerRoutes(app: FastifyInstance, config: Config, deps: AppDeps): Promise<void> {
  const metrics = deps.metrics;
  // The proxy's routes count themselves (by service and operation); /verify is counted by route.
  const proxyPath = `${config.protectedPath}/proxy/`;
  if (metrics) countRouteRequests(app, metrics, (url) => url.startsWith(proxyPath));
  await app.register(frontpageRoutes, { config, store: deps.store, readiness: deps.readiness });
  const requireAdmin = createRequireAdmin(deps.admin);
  const verifyAccessToken = (token: string) => deps.tokens.verify(token);
  await app.register(servicesRoutes, {
    config,
    registry: deps.registry,
    requireAdmin: createRequireAdminOrScope(requireAdmin, verifyAccessToken, 'register'),
  });
  await app.register(clientsRoutes, { clients: deps.store.clients, tokens: deps.tokens, requireAdmin });
  await app.register(usersRoutes, {
    users: deps.store.users,
    adminUsername: config.admin.username,
    requireAdmin,
  });
  await app.register(oauthRoutes, {
    clients: deps.store.clients,
    tokens: deps.tokens,
    requireAdmin,
    metrics,
  });
  if (metrics?.enabled) await app.register(metricsRoutes, { metrics, requireAdmin });
  await app.register(authzRoutes, {
    store: deps.store,
    registry: deps.registry,
    accessControl: deps.accessControl,
    requireAdmin,
  });
  await app.register(provisionRoutes, {
    store: deps.store,
    adminUsername: config.admin.username,
    requireAdmin,
  });
  if (deps.certificateBackend) {
    // X.509 is imported only by a deployment with the certificate service
    const { certificateServiceRoutes } = await import(
      '../pki/certificate-service/certificate-service-routes.js'
    );
    await app.register(certificateServiceRoutes, { config, backend: deps.certificateBackend, metrics });
  }
  await app.register(proxyRoutes, {
    config,
    registry: deps.registry,
    agents: deps.agents,
    verifyAccessToken,
    clientCertificates: deps.clientCertificates,
    accessControl: deps.accessControl,
    users: deps.store.users,
    rateLimits: deps.rateLimits,
    metrics,
  });
}

/**
 * HTTPS that asks every client for a certificate and lets the handshake succeed whatever it is:
 * OpenSSL refuses RFC 3820 proxy chains, so `auth: cert` services validate the chain themselves.
 * No session resumption: a resumed TLS session does not carry the peer's chain, only its leaf.
 */
function httpsOptions(certFile: string, keyFile: string) {
  const read = (path: string, setting: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(
        `cannot read ${setting} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  };
  return {
    cert: read(certFile, 'tls.certFile'),
    key: read(keyFile, 'tls.keyFile'),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2' as const,
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
}
