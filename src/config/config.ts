import type { RateLimitConfig } from './ratelimit-types.js';

/** The shape of a loaded configuration: frozen, fully defaulted, validated. */
export interface Config {
  server: {
    host: string;
    port: number;
    url: string;
    workers: number;
    trustProxy: string[];
    /** Milliseconds in-flight requests are given to finish after SIGTERM. */
    drainTimeout: number;
  };
  /** HTTPS on server.port when both are set. */
  tls: { certFile?: string | undefined; keyFile?: string | undefined };
  clientCerts: {
    caFile?: string | undefined;
    caDir?: string | undefined;
    maxDepth: number;
    legacyProxies: 'accept' | 'refuse';
    limitedProxies: 'accept' | 'refuse';
    header?: string | undefined;
    headerFrom: string[];
    delegationHeader?: string | undefined;
  };
  database: { url: string; poolSize: number };
  protectedPath: string;
  admin: { username: string; password?: string | undefined; passwordHash?: string | undefined };
  token: {
    type: 'random' | 'signed' | 'custom' | 'macaroon' | 'keycloak';
    /** Seconds. */
    lifetime: number;
    issuer: string;
    audience: string;
    signingKeyFile?: string | undefined;
    signingCertFile?: string | undefined;
    previousCertFiles: string[];
    keyDir: string;
    secret?: string | undefined;
    trustedIssuers: TrustedIssuer[];
    dataHeaderPrefix: string;
    /** Macaroon root keys: the first mints, all verify. */
    macaroonKeys: MacaroonKey[];
  };
  certs: {
    backend: 'ca' | 'myproxy' | 'off';
    prefix: string;
    caDir: string;
    caKeyType: 'rsa-3072' | 'ec-p256';
    baseDN: string;
    /** Seconds. */
    lifetime: number;
    maxFailures: number;
    /** The MyProxy server of `backend: myproxy` (host and caFile are then set: load.ts checks). */
    myproxy: {
      host?: string | undefined;
      port: number;
      caFile?: string | undefined;
      serverDN?: string | undefined;
      /** Milliseconds. */
      timeout: number;
    };
  };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  proxy: {
    connectTimeout: number;
    headersTimeout: number;
    bodyTimeout: number;
    /** Milliseconds an idle upstream connection is kept (when the upstream does not say). */
    keepAliveTimeout: number;
    /** Default per-service limit of requests in flight. */
    maxConcurrent: number;
    maxXmlBytes: number;
    maxXmlDepth: number;
    /** Per OWS service (lower case): operations open to everyone; services left out keep the defaults. */
    publicOperations: Record<string, string[]>;
  };
  authz: {
    /** Claim of an external token naming the Twitcher user (dotted path). */
    externalUserClaim: string;
    /** Claim of an external token listing group names. */
    externalGroupsClaim: string;
    /** Milliseconds the audit log is kept. */
    auditRetention: number;
    /** HTTP Basic with Twitcher's users on acl services. */
    basicAuth: boolean;
  };
  /** Prometheus metrics: counted when enabled; a separate listener when `port` is set. */
  metrics: { enabled: boolean; host: string; port?: number | undefined };
  ratelimit: RateLimitConfig;
  /** Files applied at every start (docs/provisioning.md). */
  provision: { files: string[]; prune: boolean; strict: boolean };
}

/** A macaroon root key (`secret`: at least 32 characters, used as UTF-8 bytes). */
export interface MacaroonKey {
  id: string;
  secret: string;
}

/** An external OpenID provider whose access tokens are accepted. */
export interface TrustedIssuer {
  issuer: string;
  audience: string | string[];
  jwksUri?: string;
  scopeClaim?: string;
  clientIdClaim?: string;
  algorithms?: string[];
}
