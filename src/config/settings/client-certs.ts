/** Settings of client certificates: the CAs they must lead to, proxy certificates, a front proxy's header. */

import { optional, withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** Client certificates, checked by `auth: cert` services. */
export const CLIENT_CERTS_SETTINGS = {
  'clientCerts.caFile': optional({
    env: 'TWITCHER_CLIENT_CERTS_CA_FILE',
    type: t.string({ minLength: 1 }),
    doc:
      'PEM bundle of the CA certificates client certificates must lead to. The built-in CA (`certs.backend: ca`) ' +
      'is always trusted as well, so the certificates of `logon` work without more configuration.',
  }),
  'clientCerts.caDir': optional({
    env: 'TWITCHER_CLIENT_CERTS_CA_DIR',
    type: t.string({ minLength: 1 }),
    doc: 'A directory of trusted CA certificates, as `/etc/grid-security/certificates` (`<hash>.0`, `*.pem`, `*.crt`).',
  }),
  'clientCerts.maxDepth': withDefault({
    env: 'TWITCHER_CLIENT_CERTS_MAX_DEPTH',
    type: t.integer({ min: 1, max: 20 }),
    default: 10,
    doc: 'Most certificates in a client chain (proxies and intermediate CAs), the trust anchor not counted.',
  }),
  'clientCerts.legacyProxies': withDefault({
    env: 'TWITCHER_CLIENT_CERTS_LEGACY_PROXIES',
    type: t.oneOf(['refuse', 'accept']),
    default: 'refuse',
    doc: 'Pre-RFC 3820 proxy certificates (GSI-3 draft, GT2 `CN=proxy`): refused unless `accept`.',
  }),
  'clientCerts.limitedProxies': withDefault({
    env: 'TWITCHER_CLIENT_CERTS_LIMITED_PROXIES',
    type: t.oneOf(['accept', 'refuse']),
    default: 'accept',
    doc: 'Globus limited proxy certificates: accepted (as their end-entity identity) unless `refuse`.',
  }),
  'clientCerts.header': optional({
    env: 'TWITCHER_CLIENT_CERTS_HEADER',
    type: t.string({ pattern: /^[A-Za-z][A-Za-z0-9-]*$/, patternHint: 'a header name' }),
    doc:
      'Behind a TLS-terminating front proxy: the request header carrying the client certificate as URL-encoded PEM ' +
      '(nginx: `proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;`), believed only from ' +
      '`clientCerts.headerFrom`, validated by Twitcher like a certificate of its own TLS listener. Unset: off.',
  }),
  'clientCerts.headerFrom': withDefault({
    env: 'TWITCHER_CLIENT_CERTS_HEADER_FROM',
    type: t.list(),
    default: [],
    doc:
      'Addresses or CIDR ranges of the front proxies whose `clientCerts.header` is believed (e.g. `127.0.0.1`). ' +
      'From any other address the header is ignored (and never passed upstream).',
  }),
  'clientCerts.delegationHeader': optional({
    env: 'TWITCHER_CLIENT_CERTS_DELEGATION_HEADER',
    type: t.string({ pattern: /^[A-Za-z][A-Za-z0-9-]*$/, patternHint: 'a header name' }),
    doc:
      'Delegation (off when unset): on `auth: cert` services, the validated client chain (URL-encoded PEM, leaf ' +
      "first, certificates only) is passed to the upstream in this header, e.g. `X-X509-User-Chain`. Clients' own " +
      'values of it are dropped.',
  }),
};
