/**
 * KVP reading (OGC 06-121r3 §11.5.2): the known pairs of a query string or a form body, and their
 * single values, with the refusal of a key sent twice with different values (the proxy and the
 * upstream must not read different values); the `service` and `version` parameters.
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
]);
/** Keys whose values compare case-insensitively (OGC 06-121r3 §11.5.2). */
const CASELESS_VALUES: ReadonlySet<string> = new Set(['service', 'request']);

function plusToSpace(raw: string): string {
  return raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
}

/** A key as the upstream would read it; a malformed escape leaves it as sent (Python's unquote). */
function decodeKey(raw: string): string {
  const s = plusToSpace(raw);
  if (!s.includes('%')) return s.toLowerCase();
  try {
    return decodeURIComponent(s).toLowerCase();
  } catch {
    return s.toLowerCase();
  }
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

/** Adds the known pairs of an `a=b&c=d` string to `kvp`, in one linear pass. */
export function readKvp(source: string, kvp: Kvp): void {
  const length = source.length;
  let start = 0;
  let eq = source.indexOf('=');
  while (start <= length) {
    let end = source.indexOf('&', start);
    if (end < 0) end = length;
    if (end > start) {
      if (eq !== -1 && eq < start) eq = source.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      const key = decodeKey(source.slice(start, hasValue ? eq : end));
      if (KVP_KEYS.has(key)) {
        const raw = hasValue ? source.slice(eq + 1, end) : '';
        const values = kvp.get(key);
        if (values) values.push(raw);
        else kvp.set(key, [raw]);
      }
    }
    start = end + 1;
  }
}

/**
 * The trimmed value of `key`, '' when sent empty, undefined when absent. Different values for the same
 * key (in any key case, in the query and the form body) are refused.
 */
export function single(kvp: Kvp, key: string): string | undefined {
  const raws = kvp.get(key);
  if (raws === undefined) return undefined;
  const first = decodeValue(raws[0] ?? '', key).trim();
  const caseless = CASELESS_VALUES.has(key);
  for (let i = 1; i < raws.length; i++) {
    const other = decodeValue(raws[i] ?? '', key).trim();
    const same = caseless ? other.toLowerCase() === first.toLowerCase() : other === first;
    if (!same) {
      throw new TwitcherError('invalid_parameter', {
        description: `Parameter ${key} is given more than once with different values`,
        locator: key,
      });
    }
  }
  return first;
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
