/**
 * The configuration: defaults < file < overrides < environment, every problem reported at once,
 * then built into a frozen `Config`.
 */
import { buildConfig } from './build-config.js';
import type { Config } from './config.js';
import { ConfigError } from './config-error.js';
import { crossSettingProblems } from './cross-checks.js';
import { readConfigFile } from './read-file.js';
import { readSettings } from './read-settings.js';
import { isSettingPath } from './settings.js';

/** Thrown with every problem at once (defined apart so the settings reader can throw it too). */
export { ConfigError };

/** Where a configuration comes from besides the defaults. */
export interface LoadConfigOptions {
  /** Path of a YAML or JSON config file (`--config FILE` or `TWITCHER_CONFIG`). */
  file?: string | undefined;
  /** The environment (only `TWITCHER_*` variables are read). */
  env?: Record<string, string | undefined>;
  /** Settings given in code (tests): applied after the file, before the environment. */
  overrides?: Record<string, unknown>;
}

/** Reads, merges (defaults < file < overrides < environment), validates and freezes a configuration. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? {};
  const problems: string[] = [];
  const file = options.file ?? env['TWITCHER_CONFIG'];
  const fromFile = file ? readConfigFile(file, problems) : {};
  const overrides = options.overrides ?? {};
  for (const key of Object.keys(fromFile)) {
    if (!isSettingPath(key)) problems.push(`${file}: unknown setting "${key}"`);
  }
  for (const key of Object.keys(overrides)) {
    if (!isSettingPath(key)) problems.push(`unknown setting "${key}"`);
  }
  const settings = readSettings({ env, overrides, file: fromFile, fileName: file ?? '' });
  problems.push(...settings.problems, ...crossSettingProblems(settings));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(buildConfig(settings.get));
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object') {
    for (const v of Object.values(obj)) deepFreeze(v);
    Object.freeze(obj);
  }
  return obj;
}
