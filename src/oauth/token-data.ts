/**
 * Token data: key/value pairs that an administrator attaches to a client (and to a token at issue)
 * and that upstreams registered with `passTokenData` receive as request headers named
 * `{token.dataHeaderPrefix}{key}`. Everything here is checked where the data enters (client
 * registration, client update, issue through the admin API), so that whatever a token carries can
 * travel in an HTTP header unchanged: nothing is encoded on the way, and no request fails later.
 */
import type { FieldError } from '../errors.js';

/**
 * Keys become header names: a subset of RFC 9110 §5.6.2 `tchar` — letters, digits and `-` — without
 * `_` (front proxies such as nginx drop or merge header names with `_`, and so does Twitcher's proxy).
 */
const DATA_KEY = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
/**
 * Values are header field values (RFC 9110 §5.5) restricted to visible ASCII and spaces, neither
 * first nor last (a receiver strips them): no obs-text, whose reading differs between receivers, and
 * no control character (CR, LF, NUL, HTAB…).
 */
const DATA_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
export const MAX_DATA_ENTRIES = 32;
export const MAX_DATA_VALUE = 1024;
/**
 * Keys and values together: every token kind but `random` carries the data inside the token, whose
 * size is bounded (token-shape.ts MAX_TOKEN_LENGTH, 8 KiB), and upstream servers bound their header
 * section (8 to 16 KiB is usual).
 */
export const MAX_DATA_TOTAL = 2048;

/** Why one entry cannot travel in a header, or undefined. */
function entryProblem(key: string, value: unknown): string | undefined {
  if (!DATA_KEY.test(key))
    return 'keys are 1 to 64 letters, digits and - (not _), starting with a letter or digit: they become header names';
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > MAX_DATA_VALUE) return `must be at most ${MAX_DATA_VALUE} characters`;
  if (!DATA_VALUE.test(value))
    return 'must be visible ASCII characters and spaces (not first or last): it becomes a header value';
  return undefined;
}

/**
 * Every reason why `data` cannot travel as headers (`field` prefixes the names of the fields at
 * fault): not an object, too many entries, a bad key or value, two keys that differ only in case
 * (header names do not), too large as a whole.
 */
export function tokenDataProblems(data: unknown, field: string): FieldError[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return [{ field, message: 'must be an object of strings' }];
  const errors: FieldError[] = [];
  const entries = Object.entries(data);
  if (entries.length > MAX_DATA_ENTRIES)
    errors.push({ field, message: `must have at most ${MAX_DATA_ENTRIES} entries` });
  const seen = new Map<string, string>();
  let total = 0;
  for (const [key, value] of entries) {
    const problem = entryProblem(key, value);
    if (problem) {
      errors.push({ field: `${field}.${key}`, message: problem });
      continue;
    }
    const same = seen.get(key.toLowerCase());
    if (same !== undefined)
      errors.push({ field: `${field}.${key}`, message: `is the same header name as ${same}` });
    seen.set(key.toLowerCase(), key);
    total += key.length + (value as string).length;
  }
  if (total > MAX_DATA_TOTAL)
    errors.push({ field, message: `keys and values must total at most ${MAX_DATA_TOTAL} characters` });
  return errors;
}

/** Reads token data from a request body (absent or null: none); adds its problems to `errors`. */
export function parseTokenData(value: unknown, field: string, errors: FieldError[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  const problems = tokenDataProblems(value, field);
  errors.push(...problems);
  return problems.length > 0 ? {} : { ...(value as Record<string, string>) };
}

/**
 * The data of a token: the client's, with the data given at issue over it. A key given at issue
 * replaces the client's key of the same header name, whatever its case.
 */
export function mergeTokenData(
  client: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const replaced = new Set(Object.keys(extra).map((k) => k.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(client)) if (!replaced.has(key.toLowerCase())) out[key] = value;
  return { ...out, ...extra };
}
