/**
 * The parsers of raw setting values (from a file: any JSON/YAML value; from the environment: a
 * string), one per kind of setting. `setting-types.ts` binds them to the types of the table.
 */
import type { Parsed } from './setting.js';

/** A string, with an optional least length and pattern. */
export function parseString(
  type: { minLength?: number | undefined; pattern?: RegExp | undefined; patternHint?: string | undefined },
  raw: unknown,
): Parsed<string> {
  if (typeof raw !== 'string') return { error: 'must be a string' };
  if (type.minLength !== undefined && raw.length < type.minLength) {
    return {
      error: type.minLength === 1 ? 'must not be empty' : `must have at least ${type.minLength} characters`,
    };
  }
  if (type.pattern && !type.pattern.test(raw))
    return { error: `must be ${type.patternHint ?? type.pattern.source}` };
  return { value: raw };
}

/** An integer between `min` and `max` (a string of digits from the environment). */
export function parseInteger(type: { min: number; max: number }, raw: unknown): Parsed<number> {
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n)) return { error: 'must be an integer' };
  if (n < type.min || n > type.max) return { error: `must be between ${type.min} and ${type.max}` };
  return { value: n };
}

/** `true`/`false`, or from a string `true|1|yes|on` and `false|0|no|off` in any case. */
export function parseBoolean(raw: unknown): Parsed<boolean> {
  if (typeof raw === 'boolean') return { value: raw };
  if (typeof raw === 'string' && /^(true|1|yes|on)$/i.test(raw)) return { value: true };
  if (typeof raw === 'string' && /^(false|0|no|off)$/i.test(raw)) return { value: false };
  return { error: 'must be true or false' };
}

/** One of `values`, typed as such. */
export function parseEnum<V extends string>(values: readonly V[], raw: unknown): Parsed<V> {
  const value = values.find((v) => v === raw);
  return value === undefined ? { error: `must be one of ${values.join(', ')}` } : { value };
}

/** An absolute URL of one of `schemes`, without credentials, query or fragment; trailing slashes dropped. */
export function parseUrl(schemes: readonly string[], raw: unknown): Parsed<string> {
  if (typeof raw !== 'string') return { error: 'must be a URL' };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { error: 'must be an absolute URL' };
  }
  const scheme = u.protocol.slice(0, -1);
  if (!schemes.includes(scheme)) return { error: `must be a ${schemes.join(' or ')} URL` };
  if (u.username || u.password) return { error: 'must not carry credentials' };
  if (u.search || u.hash) return { error: 'must not have a query or a fragment' };
  return { value: raw.replace(/\/+$/, '') };
}

/** A list of strings, or a comma-separated string; entries trimmed (empty ones of a string dropped). */
export function parseList(raw: unknown): Parsed<string[]> {
  if (Array.isArray(raw)) {
    const items: unknown[] = raw;
    if (items.every((x) => typeof x === 'string')) return { value: items.map((x) => x.trim()) };
  }
  if (typeof raw === 'string') {
    return {
      value: raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    };
  }
  return { error: 'must be a list of strings (or a comma-separated string)' };
}

/** JSON text from the environment, decoded; a value from a file is taken as it is. */
export function decodeJson(raw: unknown): Parsed<unknown> {
  if (typeof raw !== 'string') return { value: raw };
  try {
    const value: unknown = JSON.parse(raw);
    return { value };
  } catch {
    return { error: 'must be valid JSON' };
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `1500` (ms), `"30s"`, `"5m"`, `"2h"`, `"250ms"` → milliseconds. */
export function parseDuration(raw: unknown): Parsed<number> {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return { value: raw };
  if (typeof raw === 'string') {
    const m = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(raw);
    if (m) return { value: Number(m[1]) * (DURATION_UNITS[m[2] ?? 'ms'] ?? 1) };
  }
  return { error: 'must be a duration such as 1500 (milliseconds), 30s, 5m or 2h' };
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** `1048576`, `"8MiB"`, `"500kb"` → bytes. */
export function parseBytes(raw: unknown): Parsed<number> {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw > 0) return { value: raw };
  if (typeof raw === 'string') {
    const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw);
    const unit = BYTE_UNITS[(m?.[2] ?? '').toLowerCase()];
    if (m && unit !== undefined && Number(m[1]) > 0) return { value: Number(m[1]) * unit };
  }
  return { error: 'must be a size such as 1048576, 512KiB or 8MiB' };
}
