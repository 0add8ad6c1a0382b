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

/** Milliseconds (`1500`, `30s`, `5m`, `2h`). */
export function duration(): ScalarType<number> {
  return { kind: 'duration', parse: parseDuration };
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
