/**
 * The types of the settings table, each with its parser: `integer({min: 0, max: 65535})` parses to
 * `number`, `oneOf(['ca', 'off'])` to `'ca' | 'off'`, `json(check)` to what `check` gives.
 */
import {
  decodeJson,
  parseBoolean,
  parseBytes,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parseString,
  parseUrl,
} from './parse-value.js';
import type { JsonType, Parsed, ScalarType } from './setting.js';

/** A string, with an optional least length and pattern (`patternHint` names it in problems). */
export function string(
  rules: { minLength?: number; pattern?: RegExp; patternHint?: string } = {},
): ScalarType<string> {
  return { kind: 'string', ...rules, parse: (raw) => parseString(rules, raw) };
}

/** An integer between `min` and `max`. */
export function integer(range: { min: number; max: number }): ScalarType<number> {
  return { kind: 'integer', ...range, parse: (raw) => parseInteger(range, raw) };
}

/** `true` or `false` (`yes`/`no`, `on`/`off`, `1`/`0` from the environment). */
export function boolean(): ScalarType<boolean> {
  return { kind: 'boolean', parse: parseBoolean };
}

/** One of `values`. */
export function oneOf<const V extends string>(values: readonly V[]): ScalarType<V> {
  return { kind: 'enum', values, parse: (raw) => parseEnum(values, raw) };
}

/** An absolute URL of one of `schemes`. */
export function url(schemes: readonly string[]): ScalarType<string> {
  return { kind: 'url', schemes, parse: (raw) => parseUrl(schemes, raw) };
}

/** The longest timer Node keeps (2^31 - 1 ms, 24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds (`1500`, `30s`, `5m`, `2h`). `timer`: the value is waited for with a Node timer, so
 * past 24 days it is refused (a longer timer would fire at once).
 */
export function duration(rules: { timer?: boolean } = {}): ScalarType<number> {
  if (!rules.timer) return { kind: 'duration', parse: parseDuration };
  return {
    kind: 'duration',
    parse: (raw) => {
      const parsed = parseDuration(raw);
      return 'value' in parsed && parsed.value > MAX_TIMER_MS
        ? {
            error:
              'must be at most 24 days (576h): it is waited for with a timer, and Node fires a longer one at once',
          }
        : parsed;
    },
  };
}

/** Bytes (`1048576`, `512KiB`, `8MiB`). */
export function bytes(): ScalarType<number> {
  return { kind: 'bytes', parse: parseBytes };
}

/** A list of strings (comma-separated in the environment). */
export function list(): ScalarType<string[]> {
  return { kind: 'list', parse: parseList };
}

/** A mapping or list (JSON in the environment), whose whole value `check` validates and types. */
export function json<T>(check: (value: unknown) => Parsed<T>): JsonType<T> {
  return { kind: 'json', decode: decodeJson, check };
}
