/**
 * The shape of one setting. Each setting's type carries the parser of its raw values, so the value
 * type of every setting is known at compile time: `settings.ts` derives from the table a typed
 * `SettingValue<P>` per dotted path, and `Config` is built from it with no casts.
 */

/** A raw value parsed, or why it is refused (the loader prefixes where it came from). */
export type Parsed<T> = { value: T } | { error: string };

/** What the docs say of a setting's type (`render-docs.ts`). */
export type SettingKind =
  | { kind: 'string'; minLength?: number; pattern?: RegExp; patternHint?: string }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'url'; schemes: readonly string[] }
  | { kind: 'duration' }
  | { kind: 'bytes' }
  | { kind: 'list' };

/** A single value (or a list of strings): one parser, its problems name the source of the value. */
export type ScalarType<T> = SettingKind & { readonly parse: (raw: unknown) => Parsed<T> };

/**
 * A structured value (a mapping or list; JSON in the environment). Decoding problems name the source
 * of the value, as for a scalar; the whole value is then checked among the rules between settings
 * (load.ts), and its problems name the setting.
 */
export interface JsonType<T> {
  readonly kind: 'json';
  readonly decode: (raw: unknown) => Parsed<unknown>;
  readonly check: (value: unknown) => Parsed<T>;
}

/** The type of a setting whose parsed values are `T`. */
export type SettingType<T> = ScalarType<T> | JsonType<T>;

/**
 * One setting: `T` is the type of its parsed values, `V` that of its default (`T`, or `undefined`
 * for a setting that is unset unless given). Declared with `withDefault` or `optional`.
 */
export interface Setting<T, V> {
  /** Environment variable that overrides the file. */
  readonly env: string;
  readonly type: SettingType<T>;
  /** Default value (already parsed), or undefined for "unset". */
  readonly default: V;
  /** How the default is described in the docs when it is computed. */
  readonly defaultDoc?: string;
  /** Never printed or logged. */
  readonly secret?: boolean;
  readonly doc: string;
}

/** A setting of the table with its dotted path, whatever its value type (docs, iteration). */
export type NamedSetting = Setting<unknown, unknown> & { readonly path: string };

type SettingInit<T> = Omit<Setting<T, never>, 'default'>;

/** A setting that always has a value: its default when it is not given. */
export function withDefault<T>(setting: SettingInit<T> & { readonly default: NoInfer<T> }): Setting<T, T> {
  return setting;
}

/** A setting that is unset (undefined) unless given. */
export function optional<T>(setting: SettingInit<T>): Setting<T, undefined> {
  return { ...setting, default: undefined };
}
