/**
 * KVP reading (OGC 06-121r3 §11.5.2): the known pairs of a query string or a form body, and their
 * single values, with the refusal of a key sent twice with different values (the proxy and the
 * upstream must not read different values); the `service` and `version` parameters.
 *
 * A key is read once: one percent-decoding, '+' as a space, ASCII lower case. Upstreams read keys
 * other ways: Java servers (GeoServer's case-insensitive KVP map, equalsIgnoreCase) change case with
 * Unicode rules (ſ is S, ı is I, the Kelvin sign is k), Python's lower() folds the Kelvin sign,
 * MapServer compares C strings (a key stops at NUL), and a filter or a proxy in between may decode
 * twice, trim or NFKC-normalise. A key that is not reserved as read here but is under any of those
 * readings would be ignored by Twitcher and obeyed by the upstream, so it is refused.
 */
import { TwitcherError } from '../errors.js';
import { isOWSService } from './operations.js';
import { invalid, quote } from './request-errors.js';
import type { OWSService } from './types.js';

/** Lower-case key -> raw (still percent-encoded) values, in order. Only the keys the parser reads. */
export type Kvp = Map<string, string[]>;

const KVP_KEYS: ReadonlySet<string> = new Set([
  'service',
  'request',
  'version',
  'wmtver',
  'exceptions',
  'identifier',
  'identifiers',
  'jobid',
  'layers',
  'query_layers',
  'layer',
  'layername',
  'typename',
  'typenames',
  'storedquery_id',
  'resourceid',
  'featureid',
  'coverage',
  'coverageid',
  'id',
  'recordids',
  // MapServer's CGI mode (mode=map draws any layer): read so that its lookalikes are refused too
  'mode',
  // not an OWS parameter, but the client's credential: a spelling an upstream reads as it (the
  // Kelvin sign in access_toKen) would neither be taken by Twitcher nor stripped before the upstream
  'access_token',
]);
/** Keys whose values compare case-insensitively (OGC 06-121r3 §11.5.2). */
const CASELESS_VALUES: ReadonlySet<string> = new Set(['service', 'request']);

function plusToSpace(raw: string): string {
  return raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** ASCII-only lower case: every upstream folds A-Z, not all fold the rest (see refuseLookalikeKey). */
function asciiLower(s: string): string {
  return NON_ASCII.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase();
}

/** A key as the upstream would read it; a malformed escape leaves it as sent (Python's unquote). */
function decodeKey(raw: string): string {
  const s = plusToSpace(raw);
  if (!s.includes('%')) return asciiLower(s);
  try {
    return asciiLower(decodeURIComponent(s));
  } catch {
    return asciiLower(s);
  }
}

// ---------------------------------------------------------------------------------------------------
// Keys that read as reserved ones elsewhere

/**
 * True for printable ASCII but '%' and '+': such a key reads the same everywhere up to ASCII case
 * (nothing to decode, trim, normalise or fold), so the lookalike check is skipped. On the hot path: a
 * loop, as fast as the two `includes` it replaces (a regular expression cost a quarter more).
 */
function isPlainKey(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x25 || c === 0x2b) return false;
  }
  return true;
}
/**
 * True when a key, as read by `decodeKey`, is printable ASCII with nothing left to decode ('%', '+')
 * and no space at its ends: further decoding, NFKC, case folding and trimming leave it as it is, so it
 * cannot read as a reserved key elsewhere (`my%20key`, OPeNDAP's `tas%5B0:1%5D`). Spares them the check.
 */
function isSettledKey(key: string): boolean {
  const last = key.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x20 ? i === 0 || i === last : c < 0x20 || c >= 0x7f || c === 0x25 || c === 0x2b) {
      return false;
    }
  }
  return true;
}
/** Runs of well-formed escapes, decoded as UTF-8 (bad bytes: U+FFFD); others stay as sent. */
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const CONTROL = /\p{Cc}/u;
const INVISIBLE = /[\p{Cc}\p{Default_Ignorable_Code_Point}]/gu;
/** Past this many decodings a key still changing is refused: no client encodes a name so deep. */
const MAX_DECODINGS = 16;

function decodeLenient(s: string): string {
  return s.replace(ESCAPE_RUN, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

/**
 * Case folding as the loosest upstream does it: lower/upper/lower round trips map ſ, ı, the Kelvin
 * sign and ligatures such as ﬅ to ASCII (Java's equalsIgnoreCase and toUpperCase, Python's casefold),
 * and İ, which lower-cases to i + U+0307 in full mapping, to i (Java's Character.toLowerCase).
 */
function foldCase(s: string): string {
  return s.toLowerCase().toUpperCase().toLowerCase().replaceAll('i\u0307', 'i');
}

/** The reserved key `s` reads as without controls and invisible characters and trimmed, or cut at NUL. */
function reservedReading(s: string): string | undefined {
  const stripped = s.replace(INVISIBLE, '').trim();
  if (KVP_KEYS.has(stripped)) return stripped;
  const nul = s.indexOf('\0');
  if (nul < 0) return undefined;
  const cString = s.slice(0, nul).replace(INVISIBLE, '').trim();
  return KVP_KEYS.has(cString) ? cString : undefined;
}

/** What a key not reserved as read by `decodeKey` reads as under the looser readings of upstreams. */
type LooserReading = { reserved: string } | { control: true } | { tooDeep: true } | undefined;

/**
 * A key (not reserved as read by `decodeKey`) as an upstream may read it: decoded again until stable
 * ('+' as a space each time), NFKC-normalised (fullwidth letters), case folded, with white space
 * trimmed (Unicode spaces included), controls and default-ignorable characters (zero-width space,
 * soft hyphen) dropped, or cut at NUL — a reserved key under one of those readings; or a key with a
 * control character inside it (white space at its ends aside), whatever it reads as: NUL ends the
 * name in a C upstream, sanitisers drop controls (so what the name becomes depends on who reads
 * it), and no OWS or vendor parameter name has one. A key made of white space only (a trailing
 * newline after a last '&' in a form body) names nothing anywhere and is let be.
 */
function looserReading(raw: string): LooserReading {
  let s = raw;
  let control = false;
  for (let round = 0; round < MAX_DECODINGS; round++) {
    const folded = foldCase(decodeLenient(plusToSpace(s)).normalize('NFKC'));
    const next = NON_ASCII.test(folded) ? folded.normalize('NFKC') : folded;
    const reserved = reservedReading(next);
    if (reserved !== undefined) return { reserved };
    control ||= CONTROL.test(next.trim());
    // Stable: nothing left to decode (NFKC and folding were applied to their own output already).
    if (next === s || !(next.includes('%') || next.includes('+'))) return control ? { control } : undefined;
    s = next;
  }
  return { tooDeep: true };
}

/** Refuses a key that an upstream can read as a reserved one (`looserReading`); the locator is that key. */
function refuseLookalikeKey(raw: string): void {
  const reading = looserReading(raw);
  if (reading === undefined) return;
  if ('reserved' in reading) {
    throw new TwitcherError('invalid_parameter', {
      description: `A parameter name that servers may read as ${reading.reserved} is refused: send ${reading.reserved}`,
      locator: reading.reserved,
    });
  }
  throw new TwitcherError('invalid_parameter', {
    description:
      'control' in reading
        ? 'A parameter name contains a control character'
        : 'A parameter name is percent-encoded too many times',
  });
}

/** The reserved key `rawKey` is or reads as under any upstream's reading, else undefined. */
function reservedReadingOf(rawKey: string): string | undefined {
  const plain = isPlainKey(rawKey);
  const key = plain ? rawKey.toLowerCase() : decodeKey(rawKey);
  if (KVP_KEYS.has(key)) return key;
  if (plain || isSettledKey(key)) return undefined;
  const reading = looserReading(rawKey);
  return reading !== undefined && 'reserved' in reading ? reading.reserved : undefined;
}

/**
 * Python's `parse_qsl` before 3.9.2 (and WebOb, and other frameworks on it) also split pairs on `;`:
 * `x=1;request=Execute` is a `request` there. A pair whose `;`-separated parts name a reserved key is
 * refused, so no reading of the separators changes what was judged.
 */
function refuseSemicolonKeys(pair: string): void {
  const parts = pair.split(';');
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    const reserved = reservedReadingOf(eq < 0 ? part : part.slice(0, eq));
    if (reserved !== undefined) {
      throw new TwitcherError('invalid_parameter', {
        description: `A parameter holds ";${reserved}=", which servers that split parameters on ";" read as ${reserved}: send it apart`,
        locator: reserved,
      });
    }
  }
}

/**
 * True when an `a=b&c=d` reading of `source` names a reserved key under any upstream's reading. For a
 * body that is another kind of document (XML) but that an upstream may read as a form because of its
 * label: MapServer reads a form-labelled body as KVP. Pairs are split on `&` only: an XML document
 * holds `&amp;request=` in every reference URL, which a `;` reading would take for a `request`.
 */
export function namesReservedKey(source: string): boolean {
  for (const pair of source.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && reservedReadingOf(pair.slice(0, eq)) !== undefined) return true;
  }
  return false;
}

export function decodeValue(raw: string, key: string): string {
  const s = plusToSpace(raw);
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new TwitcherError('invalid_parameter', {
      description: `Malformed percent-encoding in parameter ${key}`,
      locator: key,
    });
  }
}

/**
 * Adds the known pairs of an `a=b&c=d` string to `kvp`, in one linear pass. A key that an upstream may
 * read as a reserved one when Twitcher does not is refused (`refuseLookalikeKey`).
 */
export function readKvp(source: string, kvp: Kvp): void {
  const length = source.length;
  const semicolons = source.includes(';');
  let start = 0;
  let eq = source.indexOf('=');
  while (start <= length) {
    let end = source.indexOf('&', start);
    if (end < 0) end = length;
    if (end > start) {
      if (semicolons) refuseSemicolonKeys(source.slice(start, end));
      if (eq !== -1 && eq < start) eq = source.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const rawKey = source.slice(start, hasValue ? eq : end);
      const plain = isPlainKey(rawKey);
      const key = plain ? rawKey.toLowerCase() : decodeKey(rawKey);
      if (KVP_KEYS.has(key)) {
        const raw = hasValue ? source.slice(eq + 1, end) : '';
        const values = kvp.get(key);
        if (values) values.push(raw);
        else kvp.set(key, [raw]);
      } else if (!plain && !isSettledKey(key)) {
        refuseLookalikeKey(rawKey);
      }
    }
    start = end + 1;
  }
}

/**
 * The trimmed value of `key`, '' when sent empty, undefined when absent.
 *
 * A key given more than once (in any key case or encoding, in the query and the form body) must carry
 * the same decoded value each time, untrimmed; `service` and `request` values may differ in ASCII case
 * only. Upstreams pick different occurrences: PyWPS the first value of the last key spelling, MapServer
 * the last pair, GeoServer the last key spelling (and it refuses different values itself). With equal
 * values whichever they pick is what Twitcher judged; values differing in ASCII case name the same
 * operation for every upstream (each matches operation names case-insensitively or not at all). Unicode
 * case (the Kelvin sign, ſ) counts as a difference: upstreams do not agree on it.
 */
export function single(kvp: Kvp, key: string): string | undefined {
  const raws = kvp.get(key);
  if (raws === undefined) return undefined;
  const first = decodeValue(raws[0] ?? '', key);
  if (raws.length > 1) {
    const caseless = CASELESS_VALUES.has(key);
    const comparable = caseless ? asciiLower(first) : first;
    for (let i = 1; i < raws.length; i++) {
      const other = decodeValue(raws[i] ?? '', key);
      if ((caseless ? asciiLower(other) : other) !== comparable) {
        throw new TwitcherError('invalid_parameter', {
          description: `Parameter ${key} is given more than once with different values`,
          locator: key,
        });
      }
    }
  }
  return first.trim();
}

/** A `service` value (case-insensitive); '' or absent gives undefined; an unknown one is refused. */
export function serviceValue(value: string | undefined): OWSService | undefined {
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (!isOWSService(lower)) throw invalid('service', `Unknown service ${quote(value)}`);
  return lower;
}

/** `version`, else the WMS 1.0 `wmtver`, '' when neither (both given and different: refused). */
export function kvpVersion(kvp: Kvp): string {
  const version = single(kvp, 'version');
  const wmtver = single(kvp, 'wmtver');
  if (version && wmtver && version !== wmtver) {
    throw invalid('version', 'Parameters version and wmtver differ');
  }
  return version || wmtver || '';
}
