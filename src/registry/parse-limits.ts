import { parseDuration } from '../config/parse-value.js';
import type { FieldError } from '../errors.js';
import { LIMIT_NAMES, type ServiceLimits } from './service.js';

export const MAX_CONCURRENT_RANGE = { min: 1, max: 100_000 } as const;
/** Timeouts, in milliseconds: 1 ms to 24 h. */
export const TIMEOUT_RANGE = { min: 1, max: 24 * 3_600_000 } as const;

const KNOWN = new Set<string>(LIMIT_NAMES);

/**
 * Checks the `limits` of a service input: absent, null or `{}` is none; a member given as null is
 * not overridden. `maxConcurrent` is an integer; the timeouts are milliseconds or durations written
 * as in the configuration (`1500`, `"30s"`, `"5m"`, `"2h"`), returned in milliseconds. Every bad
 * member is reported, named `limits.{member}`.
 *
 * @example
 * parseServiceLimits({ maxConcurrent: 8, headersTimeout: '2m' }); // { limits: { maxConcurrent: 8, headersTimeout: 120000 } }
 */
export function parseServiceLimits(raw: unknown): { limits: ServiceLimits } | { fields: FieldError[] } {
  if (raw === undefined || raw === null) return { limits: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      fields: [{ field: 'limits', message: `must be an object with members ${LIMIT_NAMES.join(', ')}` }],
    };
  }
  const input = raw as Record<string, unknown>;
  const fields: FieldError[] = Object.keys(input)
    .filter((k) => !KNOWN.has(k))
    .map((k) => ({ field: `limits.${k}`, message: `is not a known limit (${LIMIT_NAMES.join(', ')})` }));
  const limits: ServiceLimits = {};
  for (const name of LIMIT_NAMES) {
    const value = input[name];
    if (value === undefined || value === null) continue;
    const parsed = name === 'maxConcurrent' ? parseMaxConcurrent(value) : parseTimeout(value);
    if ('error' in parsed) fields.push({ field: `limits.${name}`, message: parsed.error });
    else limits[name] = parsed.value;
  }
  return fields.length > 0 ? { fields } : { limits };
}

function parseMaxConcurrent(value: unknown): { value: number } | { error: string } {
  const { min, max } = MAX_CONCURRENT_RANGE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return { error: `must be an integer from ${min} to ${max}` };
  }
  return { value };
}

function parseTimeout(value: unknown): { value: number } | { error: string } {
  const parsed = parseDuration(value);
  if ('error' in parsed) return parsed;
  if (parsed.value < TIMEOUT_RANGE.min || parsed.value > TIMEOUT_RANGE.max) {
    return { error: 'must be from 1 ms to 24 h' };
  }
  return parsed;
}
