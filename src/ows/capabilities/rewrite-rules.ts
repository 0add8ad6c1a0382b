/**
 * Which upstream URLs in a response body become proxy URLs, precomputed as byte patterns.
 *
 * URLs are ASCII (the WHATWG URL parser punycodes hosts and percent-encodes paths), so the rewrite
 * works on raw bytes of any ASCII-compatible charset without decoding. `rewrite-stream.ts` applies
 * the rules; this file only decides them.
 *
 * Three kinds of rule, tried longest pattern first at every position:
 * - `rewrite`: an upstream URL prefix, replaced by the proxy URL.
 * - `keep`: a URL that already points at the proxy. It maps to itself so that a shorter rewrite
 *   pattern that is a prefix of it (MapServer's forwarded `http://public:8000/ows` vs the proxy's
 *   `http://public:8000/ows/proxy/x`) cannot fire inside it. Keep rules match as plain prefixes,
 *   with no boundary check: leaving a URL alone is never harmful.
 * - `foreign`: a URL on the upstream origin outside the registered upstream path (PyWPS's
 *   `/outputs/` beside `/wps`). The proxy routes `{proxyURL}/{extra}` to `{upstreamURL}/{extra}`,
 *   so such a URL has no proxy spelling: rewriting `http://up:5000/outputs/x` to
 *   `{proxyURL}/outputs/x` would reach `http://up:5000/wps/outputs/x`, a different resource. It is
 *   left untouched and counted so that the proxy can warn once per service ("register the service
 *   at the origin `http://up:5000`, or set the upstream's public URL").
 *
 * The upstream origin root (`upstreamOrigin + '/'`) therefore maps to `proxyURL + '/'` only when the
 * service is registered at the origin itself; then `/wps` and `/outputs/` are both extra paths and
 * nothing is foreign. For a service registered below the root, the origin root is foreign.
 */
import { TwitcherError } from '../../errors.js';
import { DEFAULT_PORTS, effectivePort } from '../../util/default-port.js';

export type RewriteRuleKind = 'rewrite' | 'keep' | 'foreign';

export interface RewriteRule {
  readonly kind: RewriteRuleKind;
  /** The bytes to find. */
  readonly pattern: Buffer;
  /** The bytes written instead; the pattern itself for `keep` and `foreign`. */
  readonly replacement: Buffer;
  /** The byte after the pattern must be a URL boundary (see `BOUNDARY_BYTES`) or end of data. */
  readonly boundary: boolean;
  /**
   * Stricter: the byte after the pattern must END the URL (`TERMINAL_BYTES`: no path, query or
   * fragment may follow). Used for the bare upstream origin (a provider-site link).
   */
  readonly terminal?: boolean;
}

/** Rules that share a prefix: one native `indexOf` per group finds all their candidates. */
export interface RewriteGroup {
  /** Longest common prefix of the group's patterns. */
  readonly prefix: Buffer;
  /**
   * What `indexOf` searches for: `prefix` from `needleOffset` on. The offset skips the scheme
   * (`http://`), whose leading `h` is one of the most frequent bytes in XML (`href`, namespaces),
   * so the native search spends less time on false first-byte hits.
   */
  readonly needle: Buffer;
  readonly needleOffset: number;
  /** Longest pattern first. */
  readonly rules: readonly RewriteRule[];
}

export interface RewriteRules {
  /** Every rule, longest pattern first. */
  readonly rules: readonly RewriteRule[];
  /** The rules grouped by shared prefix (one native scan per group); two groups never match at one position. */
  readonly groups: readonly RewriteGroup[];
  /** Longest pattern length: a streaming rewriter holds back at most this many bytes (+ boundary). */
  readonly maxLength: number;
  /** Whether the `\/` (JSON-escaped) variants are included. */
  readonly json: boolean;
}

export interface RewriteRulesOptions {
  /** The registered upstream base URL, e.g. `http://127.0.0.1:5000/wps`. Query and fragment are ignored. */
  upstreamURL: string;
  /** The service's public proxy URL, e.g. `http://127.0.0.1:8000/ows/proxy/emu`. */
  proxyURL: string;
  /**
   * The public origin sent to the upstream as X-Forwarded-Proto/-Host/-Port, e.g.
   * `http://127.0.0.1:8000`. Adds the URLs MapServer builds from those headers.
   */
  publicOrigin?: string | undefined;
  /** Add the `\/`-escaped variant of every pattern (JSON bodies). */
  json?: boolean | undefined;
  /**
   * Extra URL prefixes never rewritten (plain prefix match), e.g. the proxy's route root
   * `http://127.0.0.1:8000/ows/proxy/` so that links to other proxied services survive.
   */
  keep?: readonly string[] | undefined;
  /**
   * What the bare upstream origin (`http://up:5000` or `http://up:5000/`, nothing after it) becomes:
   * a provider-site link such as PyWPS's `ows:ProviderSite`, which no service path covers. Without
   * it such a link stays (and names the internal host).
   */
  originRoot?: string | undefined;
  /**
   * Other registered services on the same upstream origin, each mapped to its own proxy URL: PyWPS
   * answers from `/wps` but writes status documents and outputs under `/outputs/`; registering
   * `/outputs` as a service of its own (Birdhouse's `wpsoutputs`) makes those URLs proxy URLs too,
   * under that service's own access rule, instead of foreign ones.
   */
  siblings?: readonly { upstreamURL: string; proxyURL: string }[] | undefined;
}

/** Bytes that may follow a matched URL prefix: `/ ? # " ' < > & ; ) \` and ASCII whitespace. */
export const BOUNDARY_BYTES: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const ch of '/?#"\'<>&;)\\ \t\n\r\f\v') table[ch.charCodeAt(0)] = 1;
  return table;
})();

/** Bytes that end a URL in markup or JSON: a quote, `<`, `>`, white space, `&`, `;`, `)`, `\`. */
export const TERMINAL_BYTES: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const ch of '"\'<>&;)\\ \t\n\r\f\v') table[ch.charCodeAt(0)] = 1;
  return table;
})();

function parseHttpURL(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new TwitcherError('internal_error', { detail: `rewrite rules: ${what} is not a URL`, cause });
  }
  if (DEFAULT_PORTS[url.protocol] === undefined) {
    throw new TwitcherError('internal_error', { detail: `rewrite rules: ${what} is not an http(s) URL` });
  }
  return url;
}

/** `scheme://host` with the default port both omitted and spelled out (`http://h` and `http://h:80`). */
function originVariants(url: URL): string[] {
  const base = `${url.protocol}//${url.host}`;
  // The WHATWG parser drops a default port, so an empty `port` means "the default one".
  return url.port === '' ? [base, `${base}:${DEFAULT_PORTS[url.protocol]}`] : [base];
}

/** The path without trailing slashes: `/wps/` → `/wps`, `/` → ``. */
function basePath(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

function jsonEscape(s: string): string {
  return s.replaceAll('/', '\\/');
}

function commonPrefixLength(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

interface Candidate {
  kind: RewriteRuleKind;
  pattern: string;
  replacement: string;
  terminal?: boolean;
}

/** The rules for one service: its upstream URL prefixes become its proxy URL (see the file's comment). */
export function buildRewriteRules(opts: RewriteRulesOptions): RewriteRules {
  const json = opts.json === true;
  const candidates = candidatesOf(opts);
  const rules = toRules(json ? withJSONSpellings(candidates) : candidates);
  return { rules, groups: groupRules(rules), maxLength: rules[0]?.pattern.length ?? 0, json };
}

/** Every pattern, in priority order: on equal patterns the first one wins (keep > rewrite > foreign). */
function candidatesOf(opts: RewriteRulesOptions): Candidate[] {
  const upstream = parseHttpURL(opts.upstreamURL, 'upstreamURL');
  const proxy = parseHttpURL(opts.proxyURL, 'proxyURL');
  const publicURL =
    opts.publicOrigin === undefined ? undefined : parseHttpURL(opts.publicOrigin, 'publicOrigin');

  const upPath = basePath(upstream);
  const proxyPath = basePath(proxy);
  const proxyBase = `${proxy.protocol}//${proxy.host}${proxyPath}`;

  const candidates: Candidate[] = [];
  const keep = (p: string) => candidates.push({ kind: 'keep', pattern: p, replacement: p });
  const rewrite = (p: string, to = proxyBase) =>
    candidates.push({ kind: 'rewrite', pattern: p, replacement: to });

  for (const origin of originVariants(proxy)) keep(origin + proxyPath);
  for (const prefix of opts.keep ?? []) if (prefix !== '') keep(prefix);

  for (const origin of originVariants(upstream)) rewrite(origin + upPath);
  if (opts.originRoot !== undefined && upPath !== '') {
    for (const origin of originVariants(upstream)) {
      for (const p of [origin, `${origin}/`]) {
        candidates.push({ kind: 'rewrite', pattern: p, replacement: opts.originRoot, terminal: true });
      }
    }
  }
  for (const sibling of opts.siblings ?? []) {
    const su = parseHttpURL(sibling.upstreamURL, 'siblings.upstreamURL');
    const sp = parseHttpURL(sibling.proxyURL, 'siblings.proxyURL');
    const to = `${sp.protocol}//${sp.host}${basePath(sp)}`;
    for (const origin of originVariants(su)) rewrite(origin + basePath(su), to);
  }

  if (publicURL !== undefined) {
    // MapServer builds `{proto}://{X-Forwarded-Host}` and appends a port even when the forwarded
    // host already carries one: its own (`public:8000:5001`) or the forwarded one (`public:8000:8000`).
    const ports = new Set([effectivePort(upstream), effectivePort(publicURL)]);
    for (const origin of originVariants(publicURL)) {
      for (const port of ports) rewrite(`${origin}:${port}${upPath}`);
      // A bare public origin (upstream registered at its root) would capture every URL on the
      // proxy host, other services' included: only the path-qualified form is safe.
      if (upPath !== '') rewrite(origin + upPath);
    }
  }

  if (upPath !== '') {
    const excluded = new Set([proxy.origin, publicURL?.origin]);
    if (!excluded.has(upstream.origin)) {
      for (const origin of originVariants(upstream)) {
        candidates.push({ kind: 'foreign', pattern: origin, replacement: origin });
      }
    }
  }
  return candidates;
}

/** Each candidate followed by its `\/`-escaped spelling (JSON bodies). */
function withJSONSpellings(candidates: readonly Candidate[]): Candidate[] {
  return candidates.flatMap((c) => [
    c,
    {
      kind: c.kind,
      pattern: jsonEscape(c.pattern),
      replacement: jsonEscape(c.replacement),
      ...(c.terminal && { terminal: true }),
    },
  ]);
}

/** The candidates as byte rules: first of equal patterns only, useless keep rules out, longest first. */
function toRules(candidates: readonly Candidate[]): RewriteRule[] {
  const seen = new Set<string>();
  let rules: RewriteRule[] = [];
  for (const c of candidates) {
    const key = `${c.terminal ? 't' : 'p'}${c.pattern}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rules.push({
      kind: c.kind,
      pattern: Buffer.from(c.pattern, 'latin1'),
      replacement: Buffer.from(c.replacement, 'latin1'),
      boundary: c.kind !== 'keep',
      ...(c.terminal && { terminal: true }),
    });
  }

  // A keep rule only matters when another rule is a prefix of it; dropping the others keeps the
  // number of anchors (native scans per chunk) down.
  const active = rules.filter((r) => r.kind !== 'keep');
  rules = rules.filter(
    (r) =>
      r.kind !== 'keep' ||
      active.some((o) => o.pattern.length <= r.pattern.length && r.pattern.indexOf(o.pattern) === 0),
  );

  rules.sort((a, b) => b.pattern.length - a.pattern.length);
  return rules;
}

/** Grouping by a shared prefix is worth it only when the prefix reaches past `https://` into the host. */
const MIN_SHARED_PREFIX = 'https://'.length + 1;

/**
 * Groups the rules so that each group has a long shared prefix and two groups never match at the
 * same position. When all patterns share a prefix that reaches into the host (the usual case:
 * upstream, public and proxy on one host), there is a single group and a single native scan per
 * chunk. Otherwise rules are grouped by their first `k` bytes (k = shortest pattern length), e.g.
 * plain vs `\/`-escaped spellings, or two hosts.
 */
function groupRules(rules: readonly RewriteRule[]): RewriteGroup[] {
  if (rules.length === 0) return [];
  const shared = sharedPrefixLength(rules);
  const k = shared >= MIN_SHARED_PREFIX ? shared : Math.min(...rules.map((r) => r.pattern.length));
  const byKey = new Map<string, RewriteRule[]>();
  for (const rule of rules) {
    const key = rule.pattern.toString('latin1', 0, k);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [rule]);
    else list.push(rule);
  }
  return [...byKey.values()].map((list) => {
    const prefix = Buffer.from(list[0]!.pattern.subarray(0, sharedPrefixLength(list)));
    const needleOffset = schemeLength(prefix);
    return { prefix, needle: prefix.subarray(needleOffset), needleOffset, rules: list };
  });
}

function sharedPrefixLength(rules: readonly RewriteRule[]): number {
  const first = rules[0]!.pattern;
  let length = first.length;
  for (const rule of rules) length = Math.min(length, commonPrefixLength(first, rule.pattern));
  return length;
}

/** Length of `scheme://` (or the JSON `scheme:\/\/`) at the start of `prefix` when a host byte follows, else 0. */
function schemeLength(prefix: Buffer): number {
  for (const sep of ['://', ':\\/\\/']) {
    const at = prefix.indexOf(sep, 0, 'latin1');
    if (at > 0 && at + sep.length < prefix.length) return at + sep.length;
  }
  return 0;
}
