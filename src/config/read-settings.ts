/**
 * The settings as given (environment > overrides > file > default), read through the typed table:
 * `get('server.port')` is a `number`, and a misspelt path does not compile. Values are parsed where
 * they are read (parsing is pure and cheap), so each is typed by its own setting's parser.
 */
import { ConfigError } from './config-error.js';
import type { Parsed, Setting } from './setting.js';
import { SETTING_TABLE, SETTINGS, type SettingPath, type SettingValue } from './settings.js';

/** Where settings come from. */
export interface SettingSources {
  /** The environment: each setting's `TWITCHER_*` variable, when not empty. */
  env: Record<string, string | undefined>;
  /** Settings given in code (tests), by dotted path. */
  overrides: Record<string, unknown>;
  /** The config file, flattened to dotted paths. */
  file: Record<string, unknown>;
  /** The config file's name, for problems. */
  fileName: string;
}

/** A typed view of the settings of one configuration. */
export interface SettingReader {
  /** The problem of each setting given a value it refuses (a JSON one: that does not decode), in table order. */
  readonly problems: readonly string[];
  /** A setting's value; undefined where it was refused (its problem is reported apart). */
  peek<P extends SettingPath>(path: P): SettingValue<P> | undefined;
  /** The problem of a JSON setting's whole value (`token.trustedIssuers [0] must be an object`), or undefined. */
  jsonProblem(path: SettingPath): string | undefined;
  /** A setting's value; throws a ConfigError where it was refused (read once there are no problems). */
  get<P extends SettingPath>(path: P): SettingValue<P>;
}

/** Reads the settings of `sources`. */
export function readSettings(sources: SettingSources): SettingReader {
  const problems: string[] = [];
  for (const setting of SETTINGS) {
    const given = givenValue(setting.path, setting.env, sources);
    if (given === undefined) continue;
    const t = setting.type;
    const parsed = t.kind === 'json' ? t.decode(given.raw) : t.parse(given.raw);
    if ('error' in parsed) problems.push(`${given.source} ${parsed.error}`);
  }
  const read = <P extends SettingPath>(path: P) => readValue(path, SETTING_TABLE[path], sources);
  return {
    problems,
    peek(path) {
      const value = read(path);
      return 'error' in value ? undefined : value.value;
    },
    jsonProblem(path) {
      const setting = SETTING_TABLE[path];
      if (setting.type.kind !== 'json') return undefined;
      const given = givenValue(path, setting.env, sources);
      // as the rules between settings always did: a value that does not decode is checked as unset
      const decoded = given === undefined ? { value: setting.default } : setting.type.decode(given.raw);
      const checked = setting.type.check('error' in decoded ? undefined : decoded.value);
      return 'error' in checked ? `${path} ${checked.error}` : undefined;
    },
    get(path) {
      const value = read(path);
      if ('error' in value) throw new ConfigError([value.error]);
      return value.value;
    },
  };
}

/** The raw value given for a setting and where it came from, or undefined (its default). */
function givenValue(
  path: string,
  env: string,
  sources: SettingSources,
): { raw: unknown; source: string } | undefined {
  const fromEnv = sources.env[env];
  if (fromEnv !== undefined && fromEnv !== '') return { raw: fromEnv, source: env };
  let given: { raw: unknown; source: string } | undefined;
  if (path in sources.overrides) given = { raw: sources.overrides[path], source: path };
  else if (path in sources.file) given = { raw: sources.file[path], source: `${sources.fileName}: ${path}` };
  // null in a file (`port:` with no value) or in the overrides means "the default"
  return given?.raw === null ? undefined : given;
}

/** A setting's value: parsed (a JSON one: decoded and checked whole), or its default when not given. */
function readValue<T, V>(path: string, setting: Setting<T, V>, sources: SettingSources): Parsed<T | V> {
  const given = givenValue(path, setting.env, sources);
  if (given === undefined) return { value: setting.default };
  const t = setting.type;
  if (t.kind !== 'json') {
    const parsed = t.parse(given.raw);
    return 'error' in parsed ? { error: `${given.source} ${parsed.error}` } : parsed;
  }
  const decoded = t.decode(given.raw);
  if ('error' in decoded) return { error: `${given.source} ${decoded.error}` };
  const checked = t.check(decoded.value);
  return 'error' in checked ? { error: `${path} ${checked.error}` } : checked;
}
