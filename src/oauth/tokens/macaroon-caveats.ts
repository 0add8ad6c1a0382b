/**
 * The first-party caveats Twitcher understands (docs/macaroons.md), as `key op value`:
 *
 *   time < 2030-01-01T00:00:00Z        the request is made before that instant (RFC 3339)
 *   client = ID                         the OAuth2 client the macaroon was issued to
 *   scope = compute[,register]          the scopes it grants (commas or spaces)
 *   service = emu[,…]                   registered service names
 *   operation = Execute[,…]             OWS operations (case-insensitive)
 *   process = subset[,…]                WPS process identifiers
 *   layer = regions[,…]                 WMS/WMTS layers, WFS feature types, WCS coverages
 *   method = GET[,…]                    HTTP methods
 *   path prefix = /outputs              the path after /ows/proxy/{service}, by whole segments
 *   client address = 10.0.0.0/8[,…]     the client's address (CIDR ranges or addresses)
 *
 * Lists are comma-separated; every caveat must hold (several caveats of one key all apply, so a
 * holder can only narrow). Anything else — an unknown key, an unparsable value — is refused: fail
 * closed. `client` and `scope` say what the token is (read by the verifier); `time` and the rest
 * restrict the requests it may make, checked per request by `checkRestrictions`, a pure function.
 */

import { judgePath } from '../../proxy/normalize-path.js';
import { addressRangeProblem, createAddressMatcher } from '../../util/address-ranges.js';

/**
 * A caveat bound to the request (or the clock), parsed: `text` is the caveat as shown in errors;
 * `before` in epoch ms; operations in lower case, methods in upper case; `segments` percent-decoded.
 */
export type TokenRestriction =
  | { kind: 'time'; text: string; before: number }
  | { kind: 'service' | 'process' | 'layer'; text: string; values: string[] }
  | { kind: 'operation'; text: string; values: string[] }
  | { kind: 'method'; text: string; values: string[] }
  | { kind: 'path prefix'; text: string; segments: string[] }
  | { kind: 'client address'; text: string; ranges: string[] };

/** What the caveats of one macaroon say, once all parsed. */
export interface ParsedCaveats {
  /** Client ids allowed by every `client` caveat; undefined when there is none. */
  clientIds?: string[] | undefined;
  /** Scopes allowed by every `scope` caveat; undefined when there is none. */
  scopes?: string[] | undefined;
  restrictions: TokenRestriction[];
}

/** A caveat Twitcher does not understand or cannot parse. */
export class CaveatError extends Error {
  override readonly name = 'CaveatError';
}

/** What a request is, for the restrictions (plain values: see checkRestrictions). */
export interface RestrictionContext {
  /** The registered service name. */
  service: string;
  /** Canonical OWS operation (GetMap, Execute), when the request is one. */
  operation?: string | undefined;
  /** WPS process identifiers named by the request. */
  processes: readonly string[];
  /** Layers, feature types or coverages named by the request. */
  layers: readonly string[];
  /** Upper-case HTTP method. */
  method: string;
  /** The path after `/ows/proxy/{service}` as sent ('' or starting with '/'), still percent-encoded. */
  path: string;
  /** The client's address (after the trusted front proxies). */
  clientAddress: string | undefined;
  /** Epoch ms. */
  now: number;
}

/** `caveat`: the first unmet caveat as written (printable); `expired` when it is a `time` caveat. */
export type RestrictionResult = { ok: true } | { ok: false; caveat: string; expired: boolean };

const CAVEAT = /^\s*([A-Za-z]+(?: [A-Za-z]+)*)\s*(<|=)\s*(.*?)\s*$/s;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
// RFC 6749 §3.3 scope-token
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const METHOD = /^[A-Za-z]{1,20}$/;
const MAX_CAVEAT_LENGTH = 1024;

/** A caveat for an error message: printable ASCII only, bounded (it goes into headers). */
export function printableCaveat(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'");
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}

function list(value: string, what: string, separator: RegExp = /,/): string[] {
  const items = value.split(separator).map((v) => v.trim());
  if (value.trim() === '' || items.some((v) => v === '' || /[\x00-\x1f\x7f]/.test(v)))
    throw new CaveatError(`${what}: an empty or unprintable item`);
  return items;
}

function intersect(current: string[] | undefined, values: string[]): string[] {
  return current === undefined ? [...new Set(values)] : current.filter((v) => values.includes(v));
}

function parseTime(value: string): number {
  const m = RFC3339.exec(value);
  if (m) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
    const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
    const zone = m[8]!;
    const ms = Date.parse(value.toUpperCase().replace(' ', 'T'));
    if (
      month! >= 1 &&
      month! <= 12 &&
      day! >= 1 &&
      day! <= daysInMonth &&
      hour! <= 23 &&
      minute! <= 59 &&
      second! <= 59 &&
      (zone.length === 1 || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4)) <= 59)) &&
      Number.isFinite(ms)
    )
      return ms;
  }
  throw new CaveatError('time: not an RFC 3339 date-time with a time zone');
}

/**
 * Percent-decoded segments of a request path as `normalizePath` judges them (the form the upstream
 * resolves; a trailing `/` adds no segment); undefined when it refuses the path.
 */
function pathSegments(path: string): string[] | undefined {
  const judged = judgePath(path);
  return 'segments' in judged ? judged.segments : undefined;
}

/**
 * The segments of a `path prefix` caveat's value: written by a person, so a space or a non-ASCII
 * character may stand raw (`/outputs/job 1`, `/données`); everything else as in a request path.
 */
function prefixSegments(value: string): string[] | undefined {
  let encoded: string;
  try {
    encoded = value.replace(/[^\x21-\x7e]+/gu, (text) => encodeURIComponent(text));
  } catch {
    return undefined; // a lone surrogate
  }
  if (encoded === '' || !encoded.startsWith('/')) return undefined;
  return pathSegments(encoded);
}

type Op = '<' | '=';

/** How a key that restricts requests reads its value (the key is the restriction's kind). */
interface RestrictionParser {
  op: Op;
  parse(value: string, text: string): TokenRestriction;
}

/** The keys that restrict the requests a token may make, each with its operator and its reader. */
const RESTRICTION_PARSERS: ReadonlyMap<string, RestrictionParser> = new Map<string, RestrictionParser>([
  ['time', { op: '<', parse: (value, text) => ({ kind: 'time', text, before: parseTime(value) }) }],
  [
    'service',
    { op: '=', parse: (value, text) => ({ kind: 'service', text, values: lowerList(value, 'service') }) },
  ],
  [
    'process',
    { op: '=', parse: (value, text) => ({ kind: 'process', text, values: list(value, 'process') }) },
  ],
  ['layer', { op: '=', parse: (value, text) => ({ kind: 'layer', text, values: list(value, 'layer') }) }],
  [
    'operation',
    { op: '=', parse: (value, text) => ({ kind: 'operation', text, values: lowerList(value, 'operation') }) },
  ],
  ['method', { op: '=', parse: parseMethods }],
  ['path prefix', { op: '=', parse: parsePathPrefix }],
  ['client address', { op: '=', parse: parseClientAddresses }],
]);

function lowerList(value: string, what: string): string[] {
  return list(value, what).map((v) => v.toLowerCase());
}

function parseMethods(value: string, text: string): TokenRestriction {
  const methods = list(value, 'method');
  if (!methods.every((v) => METHOD.test(v))) throw new CaveatError('method: not an HTTP method');
  return { kind: 'method', text, values: methods.map((v) => v.toUpperCase()) };
}

function parsePathPrefix(value: string, text: string): TokenRestriction {
  const segments = prefixSegments(value);
  if (segments === undefined)
    throw new CaveatError(
      'path prefix: not an absolute path Twitcher would forward (dot segments, ";", encoded "/"...)',
    );
  return { kind: 'path prefix', text, segments };
}

function parseClientAddresses(value: string, text: string): TokenRestriction {
  const ranges = list(value, 'client address');
  const problem = ranges.map(addressRangeProblem).find((p) => p !== undefined);
  if (problem) throw new CaveatError(`client address: ${problem}`);
  return { kind: 'client address', text, ranges };
}

function expectOp(key: string, op: string, wanted: Op, text: string): void {
  if (op !== wanted) throw new CaveatError(`"${key}" takes "${wanted}": "${text}"`);
}

/**
 * Parses every caveat (UTF-8 predicates) of a macaroon. Throws `CaveatError` on the first one that
 * is not understood.
 */
export function parseCaveats(predicates: readonly string[]): ParsedCaveats {
  const out: ParsedCaveats = { restrictions: [] };
  for (const predicate of predicates) {
    const text = printableCaveat(predicate);
    if (predicate.length > MAX_CAVEAT_LENGTH) throw new CaveatError(`caveat too long: "${text}"`);
    const m = CAVEAT.exec(predicate);
    if (!m) throw new CaveatError(`not a caveat Twitcher understands: "${text}"`);
    try {
      readCaveat(out, m[1]!.toLowerCase(), m[2]!, m[3]!, text);
    } catch (err) {
      if (err instanceof CaveatError && !err.message.includes(text)) {
        throw new CaveatError(`${err.message} in "${text}"`);
      }
      throw err;
    }
  }
  return out;
}

/** Adds one caveat to what the others said: `client` and `scope` narrow the token, the rest its requests. */
function readCaveat(out: ParsedCaveats, key: string, op: string, value: string, text: string): void {
  if (key === 'client') {
    expectOp(key, op, '=', text);
    out.clientIds = intersect(out.clientIds, list(value, key));
  } else if (key === 'scope') {
    expectOp(key, op, '=', text);
    // `scope =` with nothing: a token granted no scope
    const scopes = value === '' ? [] : list(value, key, /[\s,]+/);
    if (!scopes.every((s) => SCOPE_TOKEN.test(s))) throw new CaveatError('scope: not a scope token');
    out.scopes = intersect(out.scopes, scopes);
  } else {
    const parser = RESTRICTION_PARSERS.get(key);
    if (parser === undefined) throw new CaveatError(`unknown caveat "${printableCaveat(key)}"`);
    expectOp(key, op, parser.op, text);
    out.restrictions.push(parser.parse(value, text));
  }
}

function named(requested: readonly string[], allowed: readonly string[]): boolean {
  // fail closed: a request that names none of these things is not one of the allowed ones
  return requested.length > 0 && requested.every((r) => allowed.includes(r));
}

function satisfied(r: TokenRestriction, ctx: RestrictionContext): boolean {
  switch (r.kind) {
    case 'time':
      return ctx.now < r.before;
    case 'service':
      return r.values.includes(ctx.service.toLowerCase());
    case 'operation':
      return ctx.operation !== undefined && r.values.includes(ctx.operation.toLowerCase());
    case 'process':
      return named(ctx.processes, r.values);
    case 'layer':
      return named(ctx.layers, r.values);
    case 'method':
      return r.values.includes(ctx.method.toUpperCase());
    case 'path prefix': {
      // whole segments: `/pub` is not a prefix of `/public`
      const path = pathSegments(ctx.path);
      return (
        path !== undefined && path.length >= r.segments.length && r.segments.every((s, i) => path[i] === s)
      );
    }
    case 'client address':
      return createAddressMatcher(r.ranges)(ctx.clientAddress);
  }
}

/**
 * Whether a request meets every restriction of a token; the first unmet one otherwise. Pure.
 *
 * @example
 * checkRestrictions(info.restrictions ?? [], { service: 'emu', operation: 'Execute', processes: ['hello'],
 *   layers: [], method: 'GET', path: '', clientAddress: '127.0.0.1', now: Date.now() });
 */
export function checkRestrictions(
  restrictions: readonly TokenRestriction[],
  ctx: RestrictionContext,
): RestrictionResult {
  for (const r of restrictions) {
    if (!satisfied(r, ctx)) return { ok: false, caveat: r.text, expired: r.kind === 'time' };
  }
  return { ok: true };
}
