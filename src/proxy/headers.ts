import type { IncomingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 hop-by-hop fields, plus the historical ones proxies still meet. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Request fields never sent upstream: the client's credentials (Twitcher checks them, the upstream
 * must not see them), `host` (set from the upstream URL), `expect` (the body is sent as it comes),
 * and forwarding fields the proxy sets itself.
 */
const REQUEST_DROP = new Set([
  'authorization',
  'cookie',
  'host',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  // the original's trust-me header (Twitcher ≤ 0.11 believed it from anyone): never passed on
  'x-ssl-client-verify',
  'x-ssl-client-s-dn',
]);

/** Response fields a rewritten body makes wrong. */
const REWRITE_DROP = new Set(['content-length', 'etag', 'content-md5', 'accept-ranges', 'digest']);

export type HeaderValue = string | string[];
export type Headers = Record<string, HeaderValue>;

/** Names listed in `Connection` are hop-by-hop for this message (RFC 9110 §7.6.1). */
function connectionListed(value: HeaderValue | undefined): Set<string> {
  const out = new Set<string>();
  if (value === undefined) return out;
  for (const v of Array.isArray(value) ? value : [value]) {
    for (const name of v.split(',')) {
      const n = name.trim().toLowerCase();
      if (n) out.add(n);
    }
  }
  return out;
}

export interface ForwardingInfo {
  /** Client address chain for X-Forwarded-For (trusted proxies' chain, then the peer). */
  forwardedFor: string;
  /** Public scheme, host:port, port and path prefix of the proxy URL of this service. */
  proto: string;
  host: string;
  port: string;
  prefix: string;
}

/** The headers sent to the upstream: client's, less hop-by-hop, credentials and forwarding fields. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  forwarding: ForwardingInfo,
  options: {
    bodyReplaced: boolean;
    /** Lower-case prefix of token-data headers: the client's own are always dropped. */
    dataPrefix: string;
    /** Token data for an upstream that opted in, sent as `{prefix}{key}` headers. */
    data?: Record<string, string> | undefined;
    /** More lower-case names never passed on (the client certificate header of a front proxy…). */
    drop?: ReadonlySet<string> | undefined;
    /** Headers Twitcher sets for the upstream (certificate delegation), lower-case names. */
    extra?: Record<string, string> | undefined;
  },
): Headers {
  const listed = connectionListed(incoming.connection);
  const out: Headers = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || REQUEST_DROP.has(name) || listed.has(name)) continue;
    if (name.startsWith(options.dataPrefix) || options.drop?.has(name)) continue;
    // A body that was read and is sent again gets its length from the buffer.
    if (options.bodyReplaced && name === 'content-length') continue;
    out[name] = value;
  }
  out['x-forwarded-for'] = forwarding.forwardedFor;
  out['x-forwarded-proto'] = forwarding.proto;
  out['x-forwarded-host'] = forwarding.host;
  out['x-forwarded-port'] = forwarding.port;
  out['x-forwarded-prefix'] = forwarding.prefix;
  for (const [key, value] of Object.entries(options.data ?? {}))
    out[`${options.dataPrefix}${key.toLowerCase()}`] = value;
  for (const [name, value] of Object.entries(options.extra ?? {})) out[name] = value;
  return out;
}

/** The upstream's response headers for the client: less hop-by-hop, and less what a rewrite invalidates. */
export function clientResponseHeaders(
  upstream: Record<string, HeaderValue | undefined>,
  options: { rewritten: boolean; location?: (value: string) => string },
): Headers {
  const listed = connectionListed(upstream['connection']);
  const out: Headers = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    if (options.rewritten && REWRITE_DROP.has(name)) continue;
    if (name === 'location' && options.location && typeof value === 'string') {
      out[name] = options.location(value);
      continue;
    }
    out[name] = value;
  }
  return out;
}
