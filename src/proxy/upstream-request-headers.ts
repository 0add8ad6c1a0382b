/**
 * The request headers sent to an upstream: the client's, filtered by the rules of headers.ts, then
 * Twitcher's own and the forwarding fields (X-Forwarded-*, RFC 7239 `Forwarded`, `Via`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import {
  connectionListed,
  type Headers,
  HOP_BY_HOP_HEADERS,
  KEPT_REQUEST_HEADERS,
  NON_CANONICAL_NAME,
  REQUEST_HEADER_RULES,
  type RequestHeaderRule,
} from './headers.js';
import { appendVia } from './via.js';

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

/** What the forwarding fields say, for one request. */
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
