/** The shape of a loaded configuration: frozen, fully defaulted, validated. */
export interface Config {
  server: { host: string; port: number; url: string; workers: number; trustProxy: string[] };
  database: { url: string; poolSize: number };
  protectedPath: string;
  admin: { username: string; password?: string | undefined; passwordHash?: string | undefined };
  token: {
    type: 'random' | 'signed' | 'custom' | 'keycloak';
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
  };
  certs: {
    backend: 'ca' | 'off';
    prefix: string;
    caDir: string;
    baseDN: string;
    /** Seconds. */
    lifetime: number;
    maxFailures: number;
  };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  proxy: {
    connectTimeout: number;
    headersTimeout: number;
    bodyTimeout: number;
    maxXmlBytes: number;
    maxXmlDepth: number;
    /** Per OWS service (lower case): operations open to everyone; services left out keep the defaults. */
    publicOperations: Record<string, string[]>;
  };
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
