import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { appendVia } from './via.js';

/*
 * Which request headers reach the upstream.
 *
 * Strip by rule, not an allow-list. The danger is not an unknown header but a header an upstream
 * *trusts* because it believes only its front proxy can set it: the client certificate and its
 * verification (nginx, HAProxy, Tomcat's SSLValve, Jetty), the signed-in user (Apache, oauth2-proxy,
 * Authelia, Shibboleth, cloud front ends), the client address, the original URL, host or scheme
 * (Symfony, IIS, gunicorn), the method (method-override conventions) and `Proxy` (httpoxy). These
 * come in families with known prefixes, and each family is dropped whole. An allow-list would also
 * drop what OGC clients and upstreams legitimately exchange beyond the common fields (OGC API's
 * `Accept-Crs`/`Content-Crs`, `Prefer`, `Origin`, `X-Requested-With`, vendor headers) and would need
 * a release whenever a client grows one; the families above do not grow that way.
 *
 * Names with any character other than `a-z`, `0-9` and `-` are dropped whatever they say: CGI
 * (lighttpd, Apache) and WSGI (PEP 3333 `HTTP_*` variables) turn `_` (and CGI any other character)
 * into the same variable as `-`, so `X_SSL_CLIENT_VERIFY` or `X.Ssl.Client.Verify` would arrive as
 * `HTTP_X_SSL_CLIENT_VERIFY`. No standard or OGC header has such a name.
 *
 * Twitcher's own headers (token data, certificate delegation, forwarding) are added after the
 * client's are filtered, so they are sent even when their configured name matches a rule here (a
 * delegation header named `X-SSL-Client-Chain` is Twitcher's, not the client's). They never replace
 * a framing, forwarding or end-to-end header of the request: see `ownHeaderNameProblem`.
 *
 * The tables are exported: docs/security.md shows them, and a test fails when the two disagree.
 */

/** A family of request headers and what happens to it. */
export interface RequestHeaderRule {
  /** Lower-case names; one ending in `*` is a prefix. */
  readonly names: readonly string[];
  readonly action: 'dropped' | 'replaced';
  readonly why: string;
}

/** RFC 9110 §7.6.1 hop-by-hop fields, plus the historical ones proxies still meet. */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);

/** Any name outside `[a-z0-9-]` (Node gives names in lower case): an alias of another in CGI/WSGI. */
export const NON_CANONICAL_NAME = /[^a-z0-9-]/;
export const NON_CANONICAL_NAME_WHY =
  'CGI (lighttpd, Apache) and WSGI (PEP 3333 `HTTP_*` variables) turn `_`, and CGI any other character, into ' +
  'the variable of the dashed name: `X_SSL_CLIENT_VERIFY` arrives as `HTTP_X_SSL_CLIENT_VERIFY`.';

/** What is removed from, or replaced in, every request to an upstream (besides `NON_CANONICAL_NAME`). */
export const REQUEST_HEADER_RULES: readonly RequestHeaderRule[] = [
  {
    names: HOP_BY_HOP_HEADERS,
    action: 'dropped',
    why: 'Hop-by-hop (RFC 9110 §7.6.1), as are the names listed in `Connection`.',
  },
  {
    names: ['authorization', 'cookie'],
    action: 'dropped',
    why: "The client's credentials: Twitcher checks them; the upstream never sees them.",
  },
  { names: ['host'], action: 'replaced', why: 'Set from the service URL.' },
  { names: ['expect'], action: 'dropped', why: 'Twitcher has answered it; the body is sent as it comes.' },
  {
    names: ['forwarded', 'x-forwarded-*'],
    action: 'replaced',
    why:
      "By Twitcher's own (below). The client's would set the client address, scheme or host the upstream " +
      'believes, and `X-Forwarded-User`, `-Email`, `-Groups`, `-Ssl`, `-Client-Cert` its identity.',
  },
  {
    names: ['x-ssl*', 'ssl-*', 'x-client-*'],
    action: 'dropped',
    why:
      'Client certificate, its verification and subject, and the client address, as front proxies pass them ' +
      '(nginx and HAProxy `X-SSL-Client-*`, `X-Client-Cert`, `X-Client-Verify`, `X-Client-DN`, `X-Client-IP`).',
  },
  {
    names: ['proxy', 'proxy-*'],
    action: 'dropped',
    why:
      '`Proxy` is httpoxy (CVE-2016-5385): CGI and WSGI make it `HTTP_PROXY`, which HTTP libraries take as ' +
      'their proxy. Jetty believes `Proxy-auth-cert` and `Proxy-ssl-id` from a front proxy.',
  },
  {
    names: ['remote-*', 'x-remote-*', 'x-auth*', 'x-user*', 'x-webauth-*', 'shib-*'],
    action: 'dropped',
    why:
      'The signed-in user as authenticating proxies pass it (`Remote-User`, `X-Remote-User`, ' +
      '`X-Auth-Request-User`, `X-Authenticated-User`, `X-User-Id`, Shibboleth attributes).',
  },
  {
    names: [
      'x-real-ip',
      'true-client-ip',
      'client-ip',
      'x-cluster-client-ip',
      'fastly-client-ip',
      'x-originating-ip',
    ],
    action: 'dropped',
    why: 'The client address as other front proxies and CDNs pass it.',
  },
  {
    names: ['cf-*', 'x-amzn-*', 'x-goog-*', 'x-ms-client-principal*', 'x-arr-*'],
    action: 'dropped',
    why:
      'What Cloudflare, AWS load balancers, Google IAP and Azure App Service tell their backends: client ' +
      'address, scheme, certificate, signed-in user.',
  },
  {
    names: [
      'x-original-*',
      'x-rewrite-url',
      'x-host',
      'x-http-host-override',
      'x-scheme',
      'x-url-scheme',
      'x-proxied-*',
      'front-end-https',
    ],
    action: 'dropped',
    why:
      'The URL, host or scheme as a front proxy rewrote it (IIS, Symfony, Zend, Jetty, gunicorn): the upstream ' +
      'would serve another path, or build other URLs, than the request Twitcher judged.',
  },
  {
    names: ['x-http-method-override', 'x-http-method', 'x-method-override'],
    action: 'dropped',
    why: 'An upstream that honours it runs another method than the one Twitcher judged.',
  },
  {
    names: ['x-twitcher-*'],
    action: 'dropped',
    why: "Twitcher's namespace (token data headers by default): only Twitcher sets these.",
  },
];

/** Dropped by configuration: documented with the rules, matched with the options of each call. */
export const CONFIGURED_REQUEST_HEADER_RULES: readonly RequestHeaderRule[] = [
  {
    names: ['{token.dataHeaderPrefix}*'],
    action: 'replaced',
    why: 'Token data: only Twitcher sets it, for services registered with `passTokenData`.',
  },
  {
    names: ['{clientCerts.header}'],
    action: 'dropped',
    why: "The front proxy's client certificate: for Twitcher, believed only from `clientCerts.headerFrom`.",
  },
  {
    names: ['{clientCerts.delegationHeader}'],
    action: 'replaced',
    why: 'The validated client chain: only Twitcher sets it, for `auth: cert` services.',
  },
];

/** What Twitcher adds to every request to an upstream (and, for some, only some). */
export const ADDED_REQUEST_HEADERS: readonly { readonly name: string; readonly value: string }[] = [
  {
    name: 'x-forwarded-for',
    value:
      'The client address; behind trusted front proxies (`server.trustProxy`) the chain they reported, ' +
      'client first.',
  },
  { name: 'x-forwarded-proto', value: 'The scheme of `server.url`.' },
  { name: 'x-forwarded-host', value: 'The host and port of `server.url`.' },
  { name: 'x-forwarded-port', value: 'The port of `server.url`.' },
  { name: 'x-forwarded-prefix', value: 'The path of the service on Twitcher (`/ows/proxy/{name}`).' },
  {
    name: 'forwarded',
    value:
      'The same in RFC 7239 form: `for=` per address (IPv6 as `"[…]"`, anything else `unknown`), then ' +
      '`host` and `proto` (quoted where RFC 7239 §4 asks), e.g. `for=192.0.2.7;host="example.org:8443";proto=https`.',
  },
  {
    name: 'via',
    value:
      "The client's `Via` with Twitcher's own entry appended, `1.1 twitcher-{id}` (RFC 9110 §7.6.3; `{id}` is " +
      'derived from `server.url`, the host name and the port). A request that arrives with that entry already in it is refused with 508 ' +
      '(`loop_detected`): a service registered with a URL that leads back to Twitcher would loop.',
  },
  { name: 'host', value: 'The host and port of the service URL.' },
  { name: 'content-length', value: 'The length of a body Twitcher read and replays.' },
  {
    name: '{token.dataHeaderPrefix}{key}',
    value: 'Each key of the token data, on services registered with `passTokenData`.',
  },
  {
    name: '{clientCerts.delegationHeader}',
    value: 'The validated client chain (URL-encoded PEM, leaf first), on `auth: cert` services.',
  },
];

/**
 * End-to-end headers of OGC clients that reach the upstream as they came. Not an allow-list (every
 * header no rule names is kept); a test checks that no rule drops these, and Twitcher's own headers
 * never replace them.
 */
export const KEPT_REQUEST_HEADERS: readonly string[] = [
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-crs',
  'content-type',
  'content-encoding',
  'content-language',
  'content-length',
  'content-crs',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'user-agent',
  'cache-control',
  'pragma',
  'prefer',
  'origin',
  'referer',
  'x-requested-with',
  'x-request-id',
];

/**
 * Prefix rules in buckets: by the first character, or the third of an `x-` name, so that a header
 * meets at most a few `startsWith` (most meet none). Every prefix has at least three characters.
 */
function bucketOf(name: string): number {
  return name.charCodeAt(0) === 0x78 && name.charCodeAt(1) === 0x2d
    ? 0x10000 + name.charCodeAt(2)
    : name.charCodeAt(0);
}

function compileRules(rules: readonly RequestHeaderRule[]) {
  const exact = new Set<string>();
  const prefixes = new Map<number, string[]>();
  for (const rule of rules) {
    for (const pattern of rule.names) {
      if (NON_CANONICAL_NAME.test(pattern.replace(/\*$/, '')))
        throw new TypeError(`header rule ${pattern}: lower-case letters, digits and - only`);
      if (!pattern.endsWith('*')) {
        exact.add(pattern);
        continue;
      }
      const prefix = pattern.slice(0, -1);
      if (prefix.length < 3) throw new TypeError(`header rule ${pattern}: prefix too short to bucket`);
      const bucket = prefixes.get(bucketOf(prefix)) ?? [];
      bucket.push(prefix);
      prefixes.set(bucketOf(prefix), bucket);
    }
  }
  return { exact, prefixes };
}

const RULES = compileRules(REQUEST_HEADER_RULES);

/** True when a rule drops or replaces this lower-case request header name (configured ones aside). */
export function isStrippedRequestHeader(name: string): boolean {
  if (RULES.exact.has(name) || NON_CANONICAL_NAME.test(name)) return true;
  const bucket = RULES.prefixes.get(bucketOf(name));
  if (bucket === undefined) return false;
  for (const prefix of bucket) if (name.startsWith(prefix)) return true;
  return false;
}

/** Names Twitcher's own headers must not take: framing, forwarding, and the client's end-to-end ones. */
const RESERVED_OWN = new Set([
  ...HOP_BY_HOP_HEADERS,
  'host',
  'expect',
  'forwarded',
  'via',
  ...KEPT_REQUEST_HEADERS,
]);
const FORWARDING_PREFIX = 'x-forwarded-';

function isReservedOwnName(name: string): boolean {
  return RESERVED_OWN.has(name) || name.startsWith(FORWARDING_PREFIX) || NON_CANONICAL_NAME.test(name);
}

/**
 * Why a configured name of Twitcher's own upstream headers cannot be used (undefined when it can):
 * for `clientCerts.delegationHeader` (`kind: 'name'`) and `token.dataHeaderPrefix` (`'prefix'`). Such
 * a name would replace a framing or forwarding header Twitcher sets, or one of the client's own
 * (`Content-Type`, `Accept-*`); at run time such headers are not sent.
 */
export function ownHeaderNameProblem(name: string, kind: 'name' | 'prefix'): string | undefined {
  const n = name.toLowerCase();
  if (kind === 'name') {
    return isReservedOwnName(n)
      ? `${name} is a header of the request itself or one Twitcher sets for forwarding`
      : undefined;
  }
  const taken =
    n.startsWith(FORWARDING_PREFIX) || FORWARDING_PREFIX.startsWith(n)
      ? `${FORWARDING_PREFIX}*`
      : [...RESERVED_OWN].find((r) => r.startsWith(n));
  return taken === undefined ? undefined : `with the prefix ${name}, token data could replace ${taken}`;
}

const RFC7230_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A `Forwarded` value: a token as it is, anything else a quoted-string (RFC 7239 §4). */
function forwardedValue(value: string): string {
  return RFC7230_TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A `for=` node (RFC 7239 §6): IPv4 as is, IPv6 in brackets (so quoted), anything else `unknown`. */
function forwardedNode(address: string): string {
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `"[${address}]"`;
  return 'unknown';
}

/** RFC 7239 `Forwarded` with the same values as the `X-Forwarded-*` fields. */
export function forwardedHeader(forwarding: ForwardingInfo): string {
  let out = '';
  for (const hop of forwarding.forwardedFor.split(',')) {
    out += `${out === '' ? '' : ', '}for=${forwardedNode(hop.trim())}`;
  }
  return `${out};host=${forwardedValue(forwarding.host)};proto=${forwardedValue(forwarding.proto)}`;
}

export type HeaderValue = string | string[];
export type Headers = Record<string, HeaderValue>;

/** Response fields a rewritten body makes wrong (RFC 9530 `Content-Digest`/`Repr-Digest` too). */
const REWRITE_DROP = new Set([
  'content-length',
  'etag',
  'content-md5',
  'accept-ranges',
  'digest',
  'content-digest',
  'repr-digest',
]);

const NOTHING_LISTED: ReadonlySet<string> = new Set();

/** Names listed in `Connection` are hop-by-hop for this message (RFC 9110 §7.6.1). */
function connectionListed(value: HeaderValue | undefined): ReadonlySet<string> {
  if (value === undefined) return NOTHING_LISTED;
  const out = new Set<string>();
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
  /** Twitcher's pseudonym in `Via` (via.ts). */
  via: string;
}

/**
 * The headers sent to the upstream: the client's less what `REQUEST_HEADER_RULES` and the options
 * drop, then Twitcher's own (token data, delegation), then the forwarding fields.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  forwarding: ForwardingInfo,
  options: {
    /** The body was read and is sent decoded, as judged: its length and coding fields go. */
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
  const { dataPrefix, drop } = options;
  const out: Headers = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || isStrippedRequestHeader(name) || listed.has(name)) continue;
    if (name.startsWith(dataPrefix) || drop?.has(name)) continue;
    // A body that was read is sent again decoded (what was judged): its length comes from the
    // buffer, and it has no content coding any more.
    if (options.bodyReplaced && (name === 'content-length' || name === 'content-encoding')) continue;
    out[name] = value;
  }
  // Twitcher's own, whatever the rules above say of their names; never in place of a reserved one.
  if (options.data !== undefined) {
    for (const [key, value] of Object.entries(options.data)) {
      const name = `${dataPrefix}${key.toLowerCase()}`;
      if (!isReservedOwnName(name)) out[name] = value;
    }
  }
  if (options.extra !== undefined) {
    for (const [name, value] of Object.entries(options.extra))
      if (!isReservedOwnName(name)) out[name] = value;
  }
  out['x-forwarded-for'] = forwarding.forwardedFor;
  out['x-forwarded-proto'] = forwarding.proto;
  out['x-forwarded-host'] = forwarding.host;
  out['x-forwarded-port'] = forwarding.port;
  out['x-forwarded-prefix'] = forwarding.prefix;
  out['forwarded'] = forwardedHeader(forwarding);
  out['via'] = appendVia(incoming.via, forwarding.via);
  return out;
}

/**
 * The upstream's response headers for the client: less hop-by-hop, less what a rewrite invalidates
 * (`rewritten`: the body the client gets, or would get for a HEAD, is not the upstream's), and with
 * `Location` and `Content-Location` mapped by `location` (see rewrite-location.ts).
 */
export function clientResponseHeaders(
  upstream: Record<string, HeaderValue | undefined>,
  options: {
    rewritten: boolean;
    location?: ((value: string) => string) | undefined;
    /** Twitcher's pseudonym, appended to the response's `Via` (RFC 9110 §7.6.3). */
    via?: string | undefined;
  },
): Headers {
  const listed = connectionListed(upstream['connection']);
  const out: Headers = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    if (options.rewritten && REWRITE_DROP.has(name)) continue;
    const location = options.location;
    if (location !== undefined && (name === 'location' || name === 'content-location')) {
      // A repeated field is malformed, but each of its values is mapped all the same: none passes unmapped.
      out[name] = typeof value === 'string' ? location(value) : value.map(location);
      continue;
    }
    out[name] = value;
  }
  if (options.via !== undefined) out['via'] = appendVia(upstream['via'], options.via);
  return out;
}
