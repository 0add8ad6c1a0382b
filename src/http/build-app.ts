import { constants, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { METHODS } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUI from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { authzRoutes } from '../api/authz-routes.js';
import { clientsRoutes } from '../api/clients-routes.js';
import { createRequireAdmin, createRequireAdminOrScope } from '../api/require-admin.js';
import { servicesRoutes } from '../api/services-routes.js';
import { usersRoutes } from '../api/users-routes.js';
import type { AdminVerifier } from '../auth/admin-credentials.js';
import { AccessControl } from '../authz/access-control.js';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import { oauthRoutes } from '../oauth/oauth-routes.js';
import type { TokenService } from '../oauth/token-service-types.js';
import type { CertificateAuthority } from '../pki/ca/index.js';
import {
  type ClientCertificateAuthenticator,
  createAuthenticator,
} from '../pki/certificate-service/client-certificate-authenticator.js';
import type { LogonBackend } from '../pki/certificate-service/logon-backend.js';
import type { UpstreamAgents } from '../proxy/agents.js';
import { proxyRoutes } from '../proxy/proxy-routes.js';
import { sendProxyError } from '../proxy/render-proxy-error.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Store } from '../store/types.js';
import { logError } from '../util/log-error.js';
import { toTwitcherError } from '../util/to-twitcher-error.js';
import { PACKAGE } from '../version.js';
import { AccessLog } from './access-log.js';
import { frontpageRoutes } from './frontpage-routes.js';
import { loggerOptions } from './logger.js';
import { sendProblem } from './problem.js';

/** Everything with a lifetime, made in main.ts (or a test) and passed in. */
export interface AppDeps {
  store: Store;
  registry: ServiceRegistry;
  admin: AdminVerifier;
  /** Connection pools to the upstreams. */
  agents: UpstreamAgents;
  /** Issuing and validation of access tokens. */
  tokens: TokenService;
  /** The built-in online CA of the certificate service (`certs.backend: ca`). */
  certificateAuthority?: () => Promise<CertificateAuthority>;
  /**
   * The certificate service's backend. Default: a MyProxy client from `certs.myproxy` when
   * `certs.backend` is `myproxy`, else the built-in CA when `certificateAuthority` is given, else none
   * (the service is off).
   */
  certificateBackend?: LogonBackend;
  /** Where JSON log lines go (default: standard output). */
  logStream?: DestinationStream;
  /** Client certificates of `auth: cert` services. Default: from `clientCerts` and the built-in CA. */
  clientCertificates?: ClientCertificateAuthenticator;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The HTTP application: routes, error rendering, OpenAPI. Does not listen. */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  // first: a MyProxy backend made here reads its CA file, which may fail
  const certificates = await certificateBackend(config, deps);
  const clientCertificates = deps.clientCertificates ?? (await clientCertificatesOf(config, deps));
  const accessLog = new AccessLog();
  const app = Fastify({
    ...(config.tls.certFile !== undefined &&
      config.tls.keyFile !== undefined && {
        https: httpsOptions(config.tls.certFile, config.tls.keyFile),
      }),
    logger: loggerOptions(config.log.level, deps.logStream),
    // Correlate with a front proxy's id when it is a sane token; otherwise make one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    trustProxy: config.server.trustProxy.length > 0 ? config.server.trustProxy : false,
    bodyLimit: 1024 * 1024,
    logController: accessLog,
    return503OnClosing: true,
    // Errors of the router (a path it cannot decode) get the answer of the surface asked, like every
    // other error: an ExceptionReport on /ows/proxy, the verify JSON on /ows/verify.
    frameworkErrors: (error, request, reply) => {
      const err = toTwitcherError(error);
      logError(request.log, err);
      const url = request.raw.url ?? '';
      if (url.startsWith(`${config.protectedPath}/proxy/`)) return sendProxyError(reply, err, 'proxy');
      if (url.startsWith(`${config.protectedPath}/verify/`)) return sendProxyError(reply, err, 'verify');
      return sendProblem(reply, err);
    },
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: true },
    },
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

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Twitcher', version: PACKAGE.version, description: PACKAGE.description },
      servers: [{ url: config.server.url }],
      components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } },
      tags: [
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
        { name: 'proxy', description: 'The OWS proxy (not listed route by route: every method is proxied)' },
      ],
    },
  });
  await app.register(swaggerUI, { routePrefix: '/api' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler((error, request, reply) => {
    const err = toTwitcherError(error);
    logError(request.log, err);
    return sendProblem(reply, err);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new TwitcherError('not_found', {
        description: `Nothing at ${request.method} ${request.url.split('?')[0]}.`,
      }),
    ),
  );

  await app.register(frontpageRoutes, { config, store: deps.store });
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
  await app.register(oauthRoutes, { clients: deps.store.clients, tokens: deps.tokens, requireAdmin });
  // Fine-grained authorization of `auth: acl` services: its admin API, and the proxy's decisions.
  const accessControl = new AccessControl(config, deps.store, {
    ownCASubjectDN:
      deps.certificateAuthority && (async () => (await deps.certificateAuthority?.())?.subjectDN),
    onError: (err, what) => app.log.warn({ err }, `authorization: ${what} failed`),
  });
  app.addHook('onClose', () => accessControl.close());
  await app.register(authzRoutes, {
    store: deps.store,
    registry: deps.registry,
    accessControl,
    requireAdmin,
  });
  if (certificates) {
    const { certificateServiceRoutes } = await import('../pki/certificate-service/certificate-service-routes.js');
    await app.register(certificateServiceRoutes, { config, backend: certificates });
  }
  await app.register(proxyRoutes, {
    config,
    registry: deps.registry,
    agents: deps.agents,
    verifyAccessToken,
    clientCertificates,
    accessControl,
    users: deps.store.users,
  });
  return app;
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

// The X.509 modules (and their ASN.1 libraries) are imported only by a deployment that uses them:
// the certificate service, or client certificates with some trust anchor.
async function certificateBackend(config: Config, deps: AppDeps): Promise<LogonBackend | undefined> {
  if (deps.certificateBackend) return deps.certificateBackend;
  if (config.certs.backend === 'myproxy') {
    const { createMyProxyLogonBackend } = await import('../pki/certificate-service/logon-backend-myproxy.js');
    return createMyProxyLogonBackend(config.certs.myproxy);
  }
  if (!deps.certificateAuthority) return undefined;
  const { createCALogonBackend } = await import('../pki/certificate-service/logon-backend-ca.js');
  return createCALogonBackend({
    store: deps.store,
    ca: deps.certificateAuthority,
    baseDN: config.certs.baseDN,
  });
}

/** No trust anchor configured: every presented certificate is refused, without the chain validator. */
async function clientCertificatesOf(config: Config, deps: AppDeps): Promise<ClientCertificateAuthenticator> {
  const c = config.clientCerts;
  if (c.caFile === undefined && c.caDir === undefined && !deps.certificateAuthority) {
    return createAuthenticator(c, { trust: undefined });
  }
  const { clientCertificatesFromConfig } = await import('../pki/certificate-service/client-certificates.js');
  return clientCertificatesFromConfig(
    c,
    deps.certificateAuthority && (await deps.certificateAuthority()).certificate.der,
  );
}
