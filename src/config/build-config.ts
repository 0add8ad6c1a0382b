/**
 * `Config` built from the settings by path: each field takes the value its setting's parser types,
 * and the few computed ones (the server URL and what defaults to it, seconds, path prefixes) are
 * computed here.
 */
import type { Config } from './config.js';
import { rateLimitConfig } from './ratelimit-config.js';
import type { SettingReader } from './read-settings.js';

type Get = SettingReader['get'];

/** The configuration of settings that have no problems. */
export function buildConfig(get: Get): Config {
  const url = serverURL(get);
  return {
    server: {
      host: get('server.host'),
      port: get('server.port'),
      url,
      workers: get('server.workers'),
      trustProxy: get('server.trustProxy'),
      drainTimeout: get('server.drainTimeout'),
    },
    tls: { certFile: get('tls.certFile'), keyFile: get('tls.keyFile') },
    clientCerts: {
      caFile: get('clientCerts.caFile'),
      caDir: get('clientCerts.caDir'),
      maxDepth: get('clientCerts.maxDepth'),
      legacyProxies: get('clientCerts.legacyProxies'),
      limitedProxies: get('clientCerts.limitedProxies'),
      header: get('clientCerts.header'),
      headerFrom: get('clientCerts.headerFrom'),
      delegationHeader: get('clientCerts.delegationHeader'),
    },
    database: { url: get('database.url'), poolSize: get('database.poolSize') },
    protectedPath: withoutTrailingSlashes(get('protectedPath')),
    admin: {
      username: get('admin.username'),
      password: get('admin.password'),
      passwordHash: get('admin.passwordHash'),
    },
    token: tokenConfig(get, url),
    certs: certsConfig(get),
    log: { level: get('log.level') },
    proxy: {
      connectTimeout: get('proxy.connectTimeout'),
      headersTimeout: get('proxy.headersTimeout'),
      bodyTimeout: get('proxy.bodyTimeout'),
      keepAliveTimeout: get('proxy.keepAliveTimeout'),
      maxConcurrent: get('proxy.maxConcurrent'),
      maxXmlBytes: get('proxy.maxXmlBytes'),
      maxXmlDepth: get('proxy.maxXmlDepth'),
      publicOperations: get('proxy.publicOperations') ?? {},
    },
    authz: {
      externalUserClaim: get('authz.externalUserClaim'),
      externalGroupsClaim: get('authz.externalGroupsClaim'),
      auditRetention: get('authz.auditRetention'),
      basicAuth: get('authz.basicAuth'),
    },
    metrics: { enabled: get('metrics.enabled'), host: get('metrics.host'), port: get('metrics.port') },
    ratelimit: rateLimitConfig(get),
    provision: {
      files: get('provision.files'),
      prune: get('provision.prune'),
      strict: get('provision.strict'),
    },
  };
}

/** `server.url`, or the URL of the listener (`0.0.0.0` reached as `127.0.0.1`; https with TLS). */
function serverURL(get: Get): string {
  const host = get('server.host');
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const scheme = get('tls.certFile') !== undefined ? 'https' : 'http';
  return get('server.url') ?? `${scheme}://${urlHost}:${get('server.port')}`;
}

function tokenConfig(get: Get, serverURL: string): Config['token'] {
  return {
    type: get('token.type'),
    lifetime: seconds(get('token.lifetime'), 1),
    issuer: get('token.issuer') ?? serverURL,
    audience: get('token.audience') ?? serverURL,
    signingKeyFile: get('token.signingKeyFile'),
    signingCertFile: get('token.signingCertFile'),
    previousCertFiles: get('token.previousCertFiles'),
    keyDir: get('token.keyDir'),
    secret: get('token.secret'),
    trustedIssuers: get('token.trustedIssuers'),
    dataHeaderPrefix: get('token.dataHeaderPrefix'),
    macaroonKeys: get('token.macaroonKeys'),
  };
}

function certsConfig(get: Get): Config['certs'] {
  return {
    backend: get('certs.backend'),
    prefix: withoutTrailingSlashes(get('certs.prefix')),
    caDir: get('certs.caDir'),
    caKeyType: get('certs.caKeyType'),
    baseDN: get('certs.baseDN'),
    lifetime: seconds(get('certs.lifetime'), 60),
    maxFailures: get('certs.maxFailures'),
    myproxy: {
      host: get('certs.myproxy.host'),
      port: get('certs.myproxy.port'),
      caFile: get('certs.myproxy.caFile'),
      serverDN: get('certs.myproxy.serverDN'),
      timeout: get('certs.myproxy.timeout'),
    },
  };
}

/** Milliseconds to whole seconds, at least `least`. */
function seconds(ms: number, least: number): number {
  return Math.max(least, Math.round(ms / 1000));
}

function withoutTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}
