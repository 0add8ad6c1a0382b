/** Settings of the HTTP(S) listener: where Twitcher listens, as what URL, with which TLS identity. */

import { optional, withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** How Twitcher listens and the public URL it is reached at. */
export const SERVER_SETTINGS = {
  'server.host': withDefault({
    env: 'TWITCHER_HOST',
    type: t.string({ minLength: 1 }),
    default: '127.0.0.1',
    doc: 'Address the HTTP server listens on. Use `0.0.0.0` to listen on every interface.',
  }),
  'server.port': withDefault({
    env: 'TWITCHER_PORT',
    type: t.integer({ min: 0, max: 65535 }),
    default: 8000,
    doc: 'TCP port of the HTTP server (0 picks a free port).',
  }),
  'server.url': optional({
    env: 'TWITCHER_URL',
    type: t.url(['http', 'https']),
    defaultDoc: '`http://{server.host}:{server.port}`',
    doc:
      'Public base URL of Twitcher, as clients reach it (behind a front proxy: its URL, with any path prefix). ' +
      'Proxy URLs written into capabilities documents are built from it.',
  }),
  'server.workers': withDefault({
    env: 'TWITCHER_WORKERS',
    type: t.integer({ min: 0, max: 64 }),
    default: 1,
    doc:
      'Worker processes sharing the port (node:cluster); 0 means one per CPU core. Each keeps its own caches, ' +
      'invalidated through the store (PostgreSQL NOTIFY, SQLite data_version). Worth it where the proxy, not the ' +
      'upstream or the network, is the bottleneck.',
  }),
  'server.drainTimeout': withDefault({
    env: 'TWITCHER_DRAIN_TIMEOUT',
    type: t.duration({ timer: true }),
    default: 30_000,
    doc:
      'On SIGTERM, Twitcher stops accepting connections, answers `/health/ready` with 503 and gives the requests ' +
      'in flight this long to finish before it exits (keep it below the grace period of systemd, Docker or ' +
      'Kubernetes).',
  }),
  'server.trustProxy': withDefault({
    env: 'TWITCHER_TRUST_PROXY',
    type: t.list(),
    default: [],
    doc:
      'Addresses or CIDR ranges of front proxies whose `X-Forwarded-*` headers are believed ' +
      '(e.g. `127.0.0.1,10.0.0.0/8`). Empty: the client address is the socket address.',
  }),
};

/** HTTPS on `server.port`. */
export const TLS_SETTINGS = {
  'tls.certFile': optional({
    env: 'TWITCHER_TLS_CERT_FILE',
    type: t.string({ minLength: 1 }),
    doc:
      'PEM certificate (chain) of the server. With `tls.keyFile`, Twitcher speaks HTTPS on `server.port` and asks ' +
      'every client for a certificate without requiring one: `auth: cert` services validate it themselves, RFC 3820 ' +
      'proxy certificates included (see docs/security.md).',
  }),
  'tls.keyFile': optional({
    env: 'TWITCHER_TLS_KEY_FILE',
    type: t.string({ minLength: 1 }),
    doc: 'PEM private key of `tls.certFile`.',
  }),
};
