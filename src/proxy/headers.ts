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
/** `HOP_BY_HOP_HEADERS` as a set. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set(HOP_BY_HOP_HEADERS);

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

/** A header value as Node gives it. */
export type HeaderValue = string | string[];
/** Headers by lower-case name. */
export type Headers = Record<string, HeaderValue>;

const NOTHING_LISTED: ReadonlySet<string> = new Set();

/** Names listed in `Connection` are hop-by-hop for this message (RFC 9110 §7.6.1). */
export function connectionListed(value: HeaderValue | undefined): ReadonlySet<string> {
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
