/**
 * Every setting of Twitcher, in one table: its place in the config file, its environment variable,
 * its type, its default and its documentation. `load.ts` reads it; `docs/configuration.md` is
 * generated from it (`npm run docs:config`), so the two cannot drift.
 */

export type SettingType =
  | { kind: 'string'; minLength?: number; pattern?: RegExp; patternHint?: string }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'url'; schemes: readonly string[] }
  | { kind: 'duration' }
  | { kind: 'bytes' }
  | { kind: 'list' }
  | { kind: 'json' };

export interface Setting {
  /** Dotted path in the config file, e.g. `server.port`. */
  path: string;
  /** Environment variable that overrides the file. */
  env: string;
  type: SettingType;
  /** Default value (already parsed), or undefined for "unset". */
  default?: unknown;
  /** How the default is described in the docs when it is computed. */
  defaultDoc?: string;
  /** Never printed or logged. */
  secret?: boolean;
  doc: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SETTINGS: readonly Setting[] = [
  {
    path: 'server.host',
    env: 'TWITCHER_HOST',
    type: { kind: 'string', minLength: 1 },
    default: '127.0.0.1',
    doc: 'Address the HTTP server listens on. Use `0.0.0.0` to listen on every interface.',
  },
  {
    path: 'server.port',
    env: 'TWITCHER_PORT',
    type: { kind: 'integer', min: 0, max: 65535 },
    default: 8000,
    doc: 'TCP port of the HTTP server (0 picks a free port).',
  },
  {
    path: 'server.url',
    env: 'TWITCHER_URL',
    type: { kind: 'url', schemes: ['http', 'https'] },
    defaultDoc: '`http://{server.host}:{server.port}`',
    doc:
      'Public base URL of Twitcher, as clients reach it (behind a front proxy: its URL, with any path prefix). ' +
      'Proxy URLs written into capabilities documents are built from it.',
  },
  {
    path: 'server.workers',
    env: 'TWITCHER_WORKERS',
    type: { kind: 'integer', min: 0, max: 64 },
    default: 1,
    doc:
      'Worker processes sharing the port (node:cluster); 0 means one per CPU core. Each keeps its own caches, ' +
      'invalidated through the store (PostgreSQL NOTIFY, SQLite data_version). Worth it where the proxy, not the ' +
      'upstream or the network, is the bottleneck.',
  },
  {
    path: 'server.trustProxy',
    env: 'TWITCHER_TRUST_PROXY',
    type: { kind: 'list' },
    default: [],
    doc:
      'Addresses or CIDR ranges of front proxies whose `X-Forwarded-*` headers are believed ' +
      '(e.g. `127.0.0.1,10.0.0.0/8`). Empty: the client address is the socket address.',
  },
  {
    path: 'tls.certFile',
    env: 'TWITCHER_TLS_CERT_FILE',
    type: { kind: 'string', minLength: 1 },
    doc:
      'PEM certificate (chain) of the server. With `tls.keyFile`, Twitcher speaks HTTPS on `server.port` and asks ' +
      'every client for a certificate without requiring one: `auth: cert` services validate it themselves, RFC 3820 ' +
      'proxy certificates included (see docs/security.md).',
  },
  {
    path: 'tls.keyFile',
    env: 'TWITCHER_TLS_KEY_FILE',
    type: { kind: 'string', minLength: 1 },
    doc: 'PEM private key of `tls.certFile`.',
  },
  {
    path: 'clientCerts.caFile',
    env: 'TWITCHER_CLIENT_CERTS_CA_FILE',
    type: { kind: 'string', minLength: 1 },
    doc:
      'PEM bundle of the CA certificates client certificates must lead to. The built-in CA (`certs.backend: ca`) ' +
      'is always trusted as well, so the certificates of `logon` work without more configuration.',
  },
  {
    path: 'clientCerts.caDir',
    env: 'TWITCHER_CLIENT_CERTS_CA_DIR',
    type: { kind: 'string', minLength: 1 },
    doc: 'A directory of trusted CA certificates, as `/etc/grid-security/certificates` (`<hash>.0`, `*.pem`, `*.crt`).',
  },
  {
    path: 'clientCerts.maxDepth',
    env: 'TWITCHER_CLIENT_CERTS_MAX_DEPTH',
    type: { kind: 'integer', min: 1, max: 20 },
    default: 10,
    doc: 'Most certificates in a client chain (proxies and intermediate CAs), the trust anchor not counted.',
  },
  {
    path: 'clientCerts.legacyProxies',
    env: 'TWITCHER_CLIENT_CERTS_LEGACY_PROXIES',
    type: { kind: 'enum', values: ['refuse', 'accept'] },
    default: 'refuse',
    doc: 'Pre-RFC 3820 proxy certificates (GSI-3 draft, GT2 `CN=proxy`): refused unless `accept`.',
  },
  {
    path: 'clientCerts.limitedProxies',
    env: 'TWITCHER_CLIENT_CERTS_LIMITED_PROXIES',
    type: { kind: 'enum', values: ['accept', 'refuse'] },
    default: 'accept',
    doc: 'Globus limited proxy certificates: accepted (as their end-entity identity) unless `refuse`.',
  },
  {
    path: 'clientCerts.header',
    env: 'TWITCHER_CLIENT_CERTS_HEADER',
    type: { kind: 'string', pattern: /^[A-Za-z][A-Za-z0-9-]*$/, patternHint: 'a header name' },
    doc:
      'Behind a TLS-terminating front proxy: the request header carrying the client certificate as URL-encoded PEM ' +
      '(nginx: `proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;`), believed only from ' +
      '`clientCerts.headerFrom`, validated by Twitcher like a certificate of its own TLS listener. Unset: off.',
  },
  {
    path: 'clientCerts.headerFrom',
    env: 'TWITCHER_CLIENT_CERTS_HEADER_FROM',
    type: { kind: 'list' },
    default: [],
    doc:
      'Addresses or CIDR ranges of the front proxies whose `clientCerts.header` is believed (e.g. `127.0.0.1`). ' +
      'From any other address the header is ignored (and never passed upstream).',
  },
  {
    path: 'clientCerts.delegationHeader',
    env: 'TWITCHER_CLIENT_CERTS_DELEGATION_HEADER',
    type: { kind: 'string', pattern: /^[A-Za-z][A-Za-z0-9-]*$/, patternHint: 'a header name' },
    doc:
      'Delegation (off when unset): on `auth: cert` services, the validated client chain (URL-encoded PEM, leaf ' +
      "first, certificates only) is passed to the upstream in this header, e.g. `X-X509-User-Chain`. Clients' own " +
      'values of it are dropped.',
  },
  {
    path: 'database.url',
    env: 'TWITCHER_DATABASE_URL',
    type: {
      kind: 'string',
      minLength: 1,
      pattern: /^(sqlite:|postgres:\/\/|postgresql:\/\/)/,
      patternHint: 'sqlite:PATH or postgres://…',
    },
    default: 'sqlite:var/twitcher.sqlite',
    doc:
      'Where Twitcher keeps its data: `sqlite:PATH` (embedded, created on first start; a relative PATH is ' +
      'relative to the working directory; `sqlite::memory:` for a throwaway store) or `postgres://user@host:port/db` ' +
      'for several instances sharing one store.',
  },
  {
    path: 'database.poolSize',
    env: 'TWITCHER_DATABASE_POOL_SIZE',
    type: { kind: 'integer', min: 1, max: 100 },
    default: 10,
    doc: 'Largest number of PostgreSQL connections of one instance.',
  },
  {
    path: 'protectedPath',
    env: 'TWITCHER_PROTECTED_PATH',
    type: {
      kind: 'string',
      pattern: /^\/[A-Za-z0-9._~-][A-Za-z0-9._~\-/]*$/,
      patternHint: 'a path such as /ows',
    },
    default: '/ows',
    doc: 'Path prefix of the proxy routes: `{protectedPath}/proxy/{name}` and `{protectedPath}/verify/{name}`.',
  },
  {
    path: 'admin.username',
    env: 'TWITCHER_ADMIN_USERNAME',
    type: { kind: 'string', minLength: 1, pattern: /^[^:\s]+$/, patternHint: 'no colon and no white space' },
    default: 'admin',
    doc:
      'User name of the administrator (HTTP Basic on the admin API). No user of `/users` may take it, in any ' +
      'case (409 `duplicate_name`).',
  },
  {
    path: 'admin.password',
    env: 'TWITCHER_ADMIN_PASSWORD',
    type: { kind: 'string', minLength: 12 },
    secret: true,
    doc:
      'Password of the administrator (at least 12 characters). When neither this nor `admin.passwordHash` is set, ' +
      'the first start generates a strong random password, stores only its hash and prints the password once.',
  },
  {
    path: 'admin.passwordHash',
    env: 'TWITCHER_ADMIN_PASSWORD_HASH',
    type: { kind: 'string', pattern: /^scrypt\$/, patternHint: 'a hash made by `twitcher hash-password`' },
    secret: true,
    doc: 'Hash of the administrator password, as printed by `twitcher hash-password`; use instead of `admin.password`.',
  },
  {
    path: 'certs.backend',
    env: 'TWITCHER_CERTS_BACKEND',
    type: { kind: 'enum', values: ['ca', 'myproxy', 'off'] },
    default: 'ca',
    doc:
      'The certificate service (MyProxyWebService-compatible `get-trustroots` and `logon`): `ca`, the built-in ' +
      "online CA, whose users are Twitcher's own (`/users`); `myproxy`, a MyProxy server (`certs.myproxy.*`) that " +
      'authenticates the user name and passphrase and issues the certificates; `off` to disable it.',
  },
  {
    path: 'certs.prefix',
    env: 'TWITCHER_CERTS_PREFIX',
    type: {
      kind: 'string',
      pattern: /^\/[A-Za-z0-9._~-][A-Za-z0-9._~\-/]*$/,
      patternHint: 'a path such as /myproxy',
    },
    default: '/myproxy',
    doc: 'Path prefix of the certificate service: `{prefix}/get-trustroots` and `{prefix}/logon`.',
  },
  {
    path: 'certs.caDir',
    env: 'TWITCHER_CERTS_CA_DIR',
    type: { kind: 'string', minLength: 1 },
    default: 'var/ca',
    doc: 'Where the built-in CA keeps its key (mode 0600) and certificate, created on the first start.',
  },
  {
    path: 'certs.caKeyType',
    env: 'TWITCHER_CERTS_CA_KEY_TYPE',
    type: { kind: 'enum', values: ['rsa-3072', 'ec-p256'] },
    default: 'rsa-3072',
    doc:
      'Key of a built-in CA created on the first start. RSA by default: Globus tools (grid-proxy-init, GSI ' +
      'clients) cannot make proxy certificates under a certificate an EC key signed.',
  },
  {
    path: 'certs.baseDN',
    env: 'TWITCHER_CERTS_BASE_DN',
    type: { kind: 'string', minLength: 1 },
    default: '/O=Twitcher/OU=Users',
    doc:
      "Subject of issued certificates: this DN plus `CN=<user name>` (never taken from the request), in OpenSSL's " +
      'one-line form (`/O=Twitcher/OU=Users`, most significant first) or RFC 4514 (`OU=Users,O=Twitcher`).',
  },
  {
    path: 'certs.lifetime',
    env: 'TWITCHER_CERTS_LIFETIME',
    type: { kind: 'duration' },
    default: 12 * 3_600_000,
    doc: 'Lifetime of issued certificates (a `lifetime` form field may ask for less, never for more).',
  },
  {
    path: 'certs.maxFailures',
    env: 'TWITCHER_CERTS_MAX_FAILURES',
    type: { kind: 'integer', min: 1, max: 10_000 },
    default: 10,
    doc:
      'Failed password attempts allowed per user name and per client address within 5 minutes, then 429 ' +
      '`too_many_failures` with `Retry-After` (refused before the password is checked): certificate logons, ' +
      'HTTP Basic on `auth: acl` services and the administrator on the admin API, each counted apart.',
  },
  {
    path: 'certs.myproxy.host',
    env: 'TWITCHER_CERTS_MYPROXY_HOST',
    type: { kind: 'string', minLength: 1 },
    doc: 'Host name or address of the MyProxy server (required with `certs.backend: myproxy`).',
  },
  {
    path: 'certs.myproxy.port',
    env: 'TWITCHER_CERTS_MYPROXY_PORT',
    type: { kind: 'integer', min: 1, max: 65535 },
    default: 7512,
    doc: 'TCP port of the MyProxy server.',
  },
  {
    path: 'certs.myproxy.caFile',
    env: 'TWITCHER_CERTS_MYPROXY_CA_FILE',
    type: { kind: 'string', minLength: 1 },
    doc:
      "PEM file with the CA certificate(s) that signed the MyProxy server's certificate (required with " +
      '`certs.backend: myproxy`; the server is never trusted without it).',
  },
  {
    path: 'certs.myproxy.serverDN',
    env: 'TWITCHER_CERTS_MYPROXY_SERVER_DN',
    type: { kind: 'string', minLength: 1 },
    defaultDoc: 'unset (host name check)',
    doc:
      "Subject DN the MyProxy server's certificate must have (`/O=Grid/CN=host/myproxy.example.org` or " +
      'RFC 4514). Unset: its last CN must be `host/{host}`, `myproxy/{host}` or `{host}`, or a subjectAltName ' +
      'must match `{host}`, as `myproxy-logon` checks.',
  },
  {
    path: 'certs.myproxy.timeout',
    env: 'TWITCHER_CERTS_MYPROXY_TIMEOUT',
    type: { kind: 'duration' },
    default: 30_000,
    doc: 'Bound on one exchange with the MyProxy server (connect, TLS handshake, request); then 504.',
  },
  {
    path: 'log.level',
    env: 'TWITCHER_LOG_LEVEL',
    type: { kind: 'enum', values: LOG_LEVELS },
    default: 'info',
    doc: 'Log level of the JSON log lines written to standard output.',
  },
  {
    path: 'token.type',
    env: 'TWITCHER_TOKEN_TYPE',
    type: { kind: 'enum', values: ['random', 'signed', 'custom', 'macaroon', 'keycloak'] },
    default: 'random',
    doc:
      'Kind of access token the token endpoint issues: `random` (opaque, stored only as a hash), `signed` ' +
      '(a JWT signed with `token.signingKeyFile`, public keys at `/.well-known/jwks.json`), `custom` (an HS256 JWT ' +
      'with `token.secret`, for sites that validate elsewhere), `macaroon` (a macaroon its holders can narrow ' +
      'offline, see docs/macaroons.md) or `keycloak` (Twitcher issues none: tokens come from ' +
      'the OpenID providers in `token.trustedIssuers`). Tokens of every kind Twitcher can check are accepted.',
  },
  {
    path: 'token.lifetime',
    env: 'TWITCHER_TOKEN_LIFETIME',
    type: { kind: 'duration' },
    default: 3_600_000,
    doc: 'Lifetime of the access tokens Twitcher issues.',
  },
  {
    path: 'token.issuer',
    env: 'TWITCHER_TOKEN_ISSUER',
    type: { kind: 'string', minLength: 1 },
    defaultDoc: '`server.url`',
    doc: '`iss` of the JWTs Twitcher issues (`signed`, `custom`).',
  },
  {
    path: 'token.audience',
    env: 'TWITCHER_TOKEN_AUDIENCE',
    type: { kind: 'string', minLength: 1 },
    defaultDoc: '`server.url`',
    doc: '`aud` of the JWTs Twitcher issues, and the audience it requires of them.',
  },
  {
    path: 'token.signingKeyFile',
    env: 'TWITCHER_TOKEN_SIGNING_KEY_FILE',
    type: { kind: 'string', minLength: 1 },
    doc:
      'PEM private key (RSA ≥ 2048 bits → RS256, EC P-256 → ES256) for `signed` tokens, with `token.signingCertFile`. ' +
      'Unset: a key and a self-signed certificate are generated under `token.keyDir` on the first start.',
  },
  {
    path: 'token.signingCertFile',
    env: 'TWITCHER_TOKEN_SIGNING_CERT_FILE',
    type: { kind: 'string', minLength: 1 },
    doc: 'PEM X.509 certificate of `token.signingKeyFile`, published (x5c) in `/.well-known/jwks.json`.',
  },
  {
    path: 'token.previousCertFiles',
    env: 'TWITCHER_TOKEN_PREVIOUS_CERT_FILES',
    type: { kind: 'list' },
    default: [],
    doc: 'Certificates of retired signing keys whose tokens are still accepted (key rotation).',
  },
  {
    path: 'token.keyDir',
    env: 'TWITCHER_TOKEN_KEY_DIR',
    type: { kind: 'string', minLength: 1 },
    default: 'var/keys',
    doc: 'Where a generated signing key and certificate, or macaroon root key, are kept (private key files mode 0600).',
  },
  {
    path: 'token.secret',
    env: 'TWITCHER_TOKEN_SECRET',
    type: { kind: 'string', minLength: 32 },
    secret: true,
    doc: 'Shared HS256 secret of `custom` tokens (at least 32 characters). Required when `token.type` is `custom`.',
  },
  {
    path: 'token.trustedIssuers',
    env: 'TWITCHER_TOKEN_TRUSTED_ISSUERS',
    type: { kind: 'json' },
    default: [],
    doc:
      'External OpenID providers (Keycloak realms and others) whose access tokens are accepted: a list of ' +
      '`{"issuer": "https://sso.example.org/realms/climate", "audience": "twitcher", "scopeClaim": "scope", ' +
      '"clientIdClaim": "azp", "jwksUri": "…"}`. Keys come from issuer discovery and JWKS (cached, refetched on an ' +
      'unknown key id); `iss`, `aud`, `exp` and `nbf` are checked. `scopeClaim` may be a dotted path such as ' +
      '`realm_access.roles`.',
  },
  {
    path: 'token.dataHeaderPrefix',
    env: 'TWITCHER_TOKEN_DATA_HEADER_PREFIX',
    type: {
      kind: 'string',
      pattern: /^[A-Za-z][A-Za-z0-9-]*-$/,
      patternHint: 'a header name prefix ending in -',
    },
    default: 'X-Twitcher-Data-',
    doc:
      'Prefix of the request headers that carry token data to upstreams registered with `passTokenData: true`. ' +
      'Headers with this prefix sent by clients are always dropped.',
  },
  {
    path: 'token.macaroonKeys',
    env: 'TWITCHER_TOKEN_MACAROON_KEYS',
    type: { kind: 'json' },
    default: [],
    secret: true,
    doc:
      'Root keys of macaroons: a list of `{"id": "2025-06", "secret": "…at least 32 characters…"}` (id: 1 to 64 ' +
      'characters of `A-Z a-z 0-9 _ -`). The first key mints; the others are still accepted until removed ' +
      '(rotation). Several instances share them here. Macaroons are accepted whatever `token.type` is once a key ' +
      'is set; with `token.type` `macaroon` and no key, one is generated under `token.keyDir` on the first start.',
  },
  {
    path: 'proxy.connectTimeout',
    env: 'TWITCHER_PROXY_CONNECT_TIMEOUT',
    type: { kind: 'duration' },
    default: 10_000,
    doc: 'Longest wait for a TCP/TLS connection to an upstream service (then 504). A service overrides it with `limits.connectTimeout`.',
  },
  {
    path: 'proxy.headersTimeout',
    env: 'TWITCHER_PROXY_HEADERS_TIMEOUT',
    type: { kind: 'duration' },
    default: 300_000,
    doc:
      'Longest wait for the response headers of an upstream service (then 504). WPS Execute may be slow. A service ' +
      'overrides it with `limits.headersTimeout`.',
  },
  {
    path: 'proxy.bodyTimeout',
    env: 'TWITCHER_PROXY_BODY_TIMEOUT',
    type: { kind: 'duration' },
    default: 300_000,
    doc:
      'Longest silence between two chunks of an upstream response body (an idle timeout, not a total one). A ' +
      'service overrides it with `limits.bodyTimeout`.',
  },
  {
    path: 'proxy.keepAliveTimeout',
    env: 'TWITCHER_PROXY_KEEP_ALIVE_TIMEOUT',
    type: { kind: 'duration' },
    default: 1500,
    doc:
      'How long an idle connection to an upstream is kept for the next request. Below the idle timeouts of ' +
      'common servers (gunicorn 2 s, Apache httpd and lighttpd 5 s), so that Twitcher drops a connection before ' +
      'the server does; an upstream that announces `Keep-Alive: timeout=N` is kept N − 1 s instead.',
  },
  {
    path: 'proxy.maxConcurrent',
    env: 'TWITCHER_PROXY_MAX_CONCURRENT',
    type: { kind: 'integer', min: 1, max: 100_000 },
    default: 128,
    doc:
      'Most requests in flight to one registered service at once (each service has its own connections). ' +
      'Beyond it the request is answered at once with 503 and `Retry-After: 1`, so that one slow service cannot ' +
      'hold the connections of the others. A service overrides it with `limits.maxConcurrent`.',
  },
  {
    path: 'proxy.maxXmlBytes',
    env: 'TWITCHER_PROXY_MAX_XML_BYTES',
    type: { kind: 'bytes' },
    default: 8 * 1024 * 1024,
    doc:
      'Largest OWS request body (XML or form POST) read to decide on it; larger ones get 413. Other bodies are ' +
      'streamed to the upstream without being read.',
  },
  {
    path: 'proxy.maxXmlDepth',
    env: 'TWITCHER_PROXY_MAX_XML_DEPTH',
    type: { kind: 'integer', min: 4, max: 1000 },
    default: 64,
    doc: 'Deepest element nesting accepted in an OWS XML request body.',
  },
  {
    path: 'proxy.publicOperations',
    env: 'TWITCHER_PROXY_PUBLIC_OPERATIONS',
    type: { kind: 'json' },
    defaultDoc: 'GetCapabilities and the describe operations of each service type',
    doc:
      'Operations open to everyone on `auth: token|cert` services, per OWS service, e.g. ' +
      '`{"wps": ["GetCapabilities", "DescribeProcess"], "wms": ["GetCapabilities"]}`. Services left out keep the default.',
  },
  {
    path: 'authz.externalUserClaim',
    env: 'TWITCHER_AUTHZ_EXTERNAL_USER_CLAIM',
    type: { kind: 'string', minLength: 1 },
    default: 'preferred_username',
    doc:
      "On `auth: acl` services: the claim of an external provider's access token that names the Twitcher user it " +
      'acts for (a dotted path such as `user.name` reaches nested claims). No such user: the token has only the ' +
      'permissions of its groups.',
  },
  {
    path: 'authz.externalGroupsClaim',
    env: 'TWITCHER_AUTHZ_EXTERNAL_GROUPS_CLAIM',
    type: { kind: 'string', minLength: 1 },
    default: 'groups',
    doc:
      'On `auth: acl` services: the claim of an external access token that lists group names (a list, or a ' +
      'space-separated string; `realm_access.roles` for Keycloak roles). Groups Twitcher has are added to the ' +
      "user's own; `administrators` is never taken from a token.",
  },
  {
    path: 'authz.auditRetention',
    env: 'TWITCHER_AUTHZ_AUDIT_RETENTION',
    type: { kind: 'duration' },
    default: 90 * 24 * 3_600_000,
    defaultDoc: '`2160h` (90 days)',
    doc: 'How long the audit log keeps access decisions of `auth: acl` services; older ones are deleted every hour.',
  },
  {
    path: 'authz.basicAuth',
    env: 'TWITCHER_AUTHZ_BASIC_AUTH',
    type: { kind: 'boolean' },
    default: false,
    doc:
      "On `auth: acl` services, also accept HTTP Basic with Twitcher's own users (`/users`), for clients that know " +
      "no tokens (OWSLib's `username`/`password`, QGIS, GDAL's `GDAL_HTTP_USERPWD`). Only behind TLS: the password " +
      'travels with every request. Failed attempts are limited per user name and per address like `logon` ' +
      '(`certs.maxFailures` in 5 minutes, then 429).',
  },
];
