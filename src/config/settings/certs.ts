/** Settings of the certificate service: the built-in CA or a MyProxy server. */

import { optional, withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** The certificate service (`get-trustroots`, `logon`). */
export const CERTS_SETTINGS = {
  'certs.backend': withDefault({
    env: 'TWITCHER_CERTS_BACKEND',
    type: t.oneOf(['ca', 'myproxy', 'off']),
    default: 'ca',
    doc:
      'The certificate service (MyProxyWebService-compatible `get-trustroots` and `logon`): `ca`, the built-in ' +
      "online CA, whose users are Twitcher's own (`/users`); `myproxy`, a MyProxy server (`certs.myproxy.*`) that " +
      'authenticates the user name and passphrase and issues the certificates; `off` to disable it.',
  }),
  'certs.prefix': withDefault({
    env: 'TWITCHER_CERTS_PREFIX',
    type: t.string({
      pattern: /^\/[A-Za-z0-9._~-][A-Za-z0-9._~\-/]*$/,
      patternHint: 'a path such as /myproxy',
    }),
    default: '/myproxy',
    doc: 'Path prefix of the certificate service: `{prefix}/get-trustroots` and `{prefix}/logon`.',
  }),
  'certs.caDir': withDefault({
    env: 'TWITCHER_CERTS_CA_DIR',
    type: t.string({ minLength: 1 }),
    default: 'var/ca',
    doc: 'Where the built-in CA keeps its key (mode 0600) and certificate, created on the first start.',
  }),
  'certs.caKeyType': withDefault({
    env: 'TWITCHER_CERTS_CA_KEY_TYPE',
    type: t.oneOf(['rsa-3072', 'ec-p256']),
    default: 'rsa-3072',
    doc:
      'Key of a built-in CA created on the first start. RSA by default: Globus tools (grid-proxy-init, GSI ' +
      'clients) cannot make proxy certificates under a certificate an EC key signed.',
  }),
  'certs.baseDN': withDefault({
    env: 'TWITCHER_CERTS_BASE_DN',
    type: t.string({ minLength: 1 }),
    default: '/O=Twitcher/OU=Users',
    doc:
      "Subject of issued certificates: this DN plus `CN=<user name>` (never taken from the request), in OpenSSL's " +
      'one-line form (`/O=Twitcher/OU=Users`, most significant first) or RFC 4514 (`OU=Users,O=Twitcher`).',
  }),
  'certs.lifetime': withDefault({
    env: 'TWITCHER_CERTS_LIFETIME',
    type: t.duration(),
    default: 12 * 3_600_000,
    doc: 'Lifetime of issued certificates (a `lifetime` form field may ask for less, never for more).',
  }),
  'certs.maxFailures': withDefault({
    env: 'TWITCHER_CERTS_MAX_FAILURES',
    type: t.integer({ min: 1, max: 10_000 }),
    default: 10,
    doc:
      'Failed password attempts allowed per user name and per client address within 5 minutes, then 429 ' +
      '`too_many_failures` with `Retry-After` (refused before the password is checked): certificate logons, ' +
      'HTTP Basic on `auth: acl` services and the administrator on the admin API, each counted apart.',
  }),
  'certs.myproxy.host': optional({
    env: 'TWITCHER_CERTS_MYPROXY_HOST',
    type: t.string({ minLength: 1 }),
    doc: 'Host name or address of the MyProxy server (required with `certs.backend: myproxy`).',
  }),
  'certs.myproxy.port': withDefault({
    env: 'TWITCHER_CERTS_MYPROXY_PORT',
    type: t.integer({ min: 1, max: 65535 }),
    default: 7512,
    doc: 'TCP port of the MyProxy server.',
  }),
  'certs.myproxy.caFile': optional({
    env: 'TWITCHER_CERTS_MYPROXY_CA_FILE',
    type: t.string({ minLength: 1 }),
    doc:
      "PEM file with the CA certificate(s) that signed the MyProxy server's certificate (required with " +
      '`certs.backend: myproxy`; the server is never trusted without it).',
  }),
  'certs.myproxy.serverDN': optional({
    env: 'TWITCHER_CERTS_MYPROXY_SERVER_DN',
    type: t.string({ minLength: 1 }),
    defaultDoc: 'unset (host name check)',
    doc:
      "Subject DN the MyProxy server's certificate must have (`/O=Grid/CN=host/myproxy.example.org` or " +
      'RFC 4514). Unset: its last CN must be `host/{host}`, `myproxy/{host}` or `{host}`, or a subjectAltName ' +
      'must match `{host}`, as `myproxy-logon` checks.',
  }),
  'certs.myproxy.timeout': withDefault({
    env: 'TWITCHER_CERTS_MYPROXY_TIMEOUT',
    type: t.duration(),
    default: 30_000,
    doc: 'Bound on one exchange with the MyProxy server (connect, TLS handshake, request); then 504.',
  }),
};
