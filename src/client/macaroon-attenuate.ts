/**
 * Narrowing a Twitcher macaroon, offline: the caveats of Twitcher's vocabulary (docs/macaroons.md)
 * are written here and appended with the HMAC chain; no key and no server are needed, and the result
 * can only do less than the token it came from.
 */
import { isIP } from 'node:net';
import { addFirstPartyCaveat } from './macaroon-chain.js';
import { decodeMacaroon, encodeMacaroon } from './macaroon-codec.js';

/**
 * What a narrowed macaroon may still do. Each field adds one caveat; lists allow any of their
 * values; a request must meet every caveat (those already in the token too).
 *
 * @example
 * const narrower: MacaroonRestrictions = { service: 'emu', process: ['subset'], expiresIn: 600 };
 */
export interface MacaroonRestrictions {
  /** Registered service names (`service = …`). */
  service?: string | readonly string[];
  /** OWS operations, e.g. Execute, GetMap (`operation = …`, case-insensitive). */
  operation?: string | readonly string[];
  /** WPS process identifiers (`process = …`). */
  process?: string | readonly string[];
  /** Layers, feature types, coverages (`layer = …`). */
  layer?: string | readonly string[];
  /** HTTP methods (`method = …`). */
  method?: string | readonly string[];
  /** The path after `/ows/proxy/{service}`, by whole segments (`path prefix = /outputs`). */
  pathPrefix?: string;
  /** Client addresses or CIDR ranges (`client address = …`). */
  clientAddress?: string | readonly string[];
  /** Scopes (`scope = …`). */
  scope?: string | readonly string[];
  /** Seconds from now (`time < …`). */
  expiresIn?: number;
  /** An instant (`time < …`). */
  expiresAt?: Date;
}

/**
 * A narrowing that cannot be written: an empty or malformed value.
 *
 * @example
 * try {
 *   attenuateMacaroon(token, { pathPrefix: 'outputs' });
 * } catch (err) {
 *   if (err instanceof MacaroonCaveatError) console.error(err.message); // path prefix must start with /
 * }
 */
export class MacaroonCaveatError extends Error {
  override readonly name = 'MacaroonCaveatError';
}

function fail(message: string): never {
  throw new MacaroonCaveatError(message);
}

function items(value: string | readonly string[], key: string, valid?: (v: string) => boolean): string {
  const list = (typeof value === 'string' ? [value] : [...value]).map((v) => v.trim());
  if (list.length === 0) fail(`${key}: no value`);
  for (const v of list) {
    if (v === '' || v.includes(',') || /[\x00-\x1f\x7f]/.test(v))
      fail(`${key}: "${v}" is empty or holds a comma`);
    if (valid && !valid(v)) fail(`${key}: "${v}" is not valid`);
  }
  return `${key} = ${list.join(',')}`;
}

function addressRange(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** RFC 3339 in UTC, whole seconds. */
function rfc3339(date: Date): string {
  if (Number.isNaN(date.getTime())) fail('expiry: not a valid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The caveat predicates for `restrictions`, in Twitcher's vocabulary.
 *
 * @example
 * macaroonCaveats({ process: 'subset', expiresIn: 600 }, new Date('2030-01-01T00:00:00Z'));
 * // ['process = subset', 'time < 2030-01-01T00:10:00Z']
 */
export function macaroonCaveats(restrictions: MacaroonRestrictions, now: Date = new Date()): string[] {
  const r = restrictions;
  const out: string[] = [];
  if (r.service !== undefined) out.push(items(r.service, 'service'));
  if (r.operation !== undefined) out.push(items(r.operation, 'operation'));
  if (r.process !== undefined) out.push(items(r.process, 'process'));
  if (r.layer !== undefined) out.push(items(r.layer, 'layer'));
  if (r.method !== undefined) out.push(items(r.method, 'method', (m) => /^[A-Za-z]{1,20}$/.test(m)));
  if (r.pathPrefix !== undefined) {
    const p = r.pathPrefix.trim();
    const segments = p.split('/').slice(1);
    if (!p.startsWith('/') || segments.some((s) => s === '.' || s === '..') || /[\x00-\x1f\x7f]/.test(p))
      fail(`path prefix: "${p}" must start with / and hold no dot segment`);
    out.push(`path prefix = ${p}`);
  }
  if (r.clientAddress !== undefined) out.push(items(r.clientAddress, 'client address', addressRange));
  if (r.scope !== undefined)
    out.push(items(r.scope, 'scope', (s) => /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$/.test(s)));
  if (r.expiresIn !== undefined) {
    if (!Number.isFinite(r.expiresIn) || r.expiresIn <= 0) fail('expiresIn: a positive number of seconds');
    out.push(`time < ${rfc3339(new Date(Math.floor(now.getTime() / 1000 + r.expiresIn) * 1000))}`);
  }
  if (r.expiresAt !== undefined) out.push(`time < ${rfc3339(r.expiresAt)}`);
  return out;
}

/**
 * Narrows a Twitcher macaroon offline: the same token with more caveats (written in the token's own
 * serialisation version). Takes restrictions, or caveat predicates as written in the vocabulary.
 * Throws `MacaroonFormatError` when `token` is not a macaroon, `MacaroonCaveatError` for a bad value.
 *
 * @example
 * import { attenuateMacaroon } from 'twitcher/client';
 *
 * const forTheWorkflow = attenuateMacaroon(token, { service: 'emu', process: 'subset', expiresIn: 600 });
 * const sameThing = attenuateMacaroon(token, ['service = emu', 'process = subset']);
 */
export function attenuateMacaroon(
  token: string,
  restrictions: MacaroonRestrictions | readonly string[],
  options: { now?: Date } = {},
): string {
  const predicates = Array.isArray(restrictions)
    ? [...(restrictions as readonly string[])]
    : macaroonCaveats(restrictions as MacaroonRestrictions, options.now);
  if (predicates.length === 0) fail('nothing to narrow: give at least one caveat');
  let m = decodeMacaroon(token);
  for (const predicate of predicates) m = addFirstPartyCaveat(m, predicate);
  return encodeMacaroon(m);
}

/**
 * The first-party caveats of a macaroon, as text (third-party caveats as `third-party caveat at …`).
 *
 * @example
 * macaroonCaveatsOf(token); // ['client = 0f6c…', 'scope = compute', 'time < 2030-01-01T01:00:00Z', 'process = subset']
 */
export function macaroonCaveatsOf(token: string): string[] {
  return decodeMacaroon(token).caveats.map((c) =>
    c.verificationId === undefined ? c.id.toString('utf8') : `third-party caveat at ${c.location ?? ''}`,
  );
}
