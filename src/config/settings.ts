/**
 * Every setting of Twitcher, in one table: its place in the config file, its environment variable,
 * its type, its default and its documentation, one file per section under `settings/`. `load.ts`
 * reads it; `docs/configuration.md` is generated from it (`npm run docs:config`), so the two cannot
 * drift. The table is typed per path: `SettingValue<'server.port'>` is `number`, and a misspelt path
 * does not compile.
 */
import type { NamedSetting, Setting } from './setting.js';
import { ADMIN_SETTINGS } from './settings/admin.js';
import { AUTHZ_SETTINGS } from './settings/authz.js';
import { CERTS_SETTINGS } from './settings/certs.js';
import { CLIENT_CERTS_SETTINGS } from './settings/client-certs.js';
import { DATABASE_SETTINGS } from './settings/database.js';
import { LOG_SETTINGS } from './settings/log.js';
import { METRICS_SETTINGS } from './settings/metrics.js';
import { PROVISION_SETTINGS } from './settings/provision.js';
import { PROTECTED_PATH_SETTINGS, PROXY_SETTINGS } from './settings/proxy.js';
import { RATELIMIT_SETTINGS } from './settings/ratelimit.js';
import { SERVER_SETTINGS, TLS_SETTINGS } from './settings/server.js';
import { TOKEN_SETTINGS } from './settings/token.js';

/** The settings by dotted path, in the order of the docs. */
const BY_PATH = {
  ...SERVER_SETTINGS,
  ...TLS_SETTINGS,
  ...CLIENT_CERTS_SETTINGS,
  ...DATABASE_SETTINGS,
  ...PROTECTED_PATH_SETTINGS,
  ...ADMIN_SETTINGS,
  ...CERTS_SETTINGS,
  ...LOG_SETTINGS,
  ...TOKEN_SETTINGS,
  ...PROXY_SETTINGS,
  ...AUTHZ_SETTINGS,
  ...METRICS_SETTINGS,
  ...RATELIMIT_SETTINGS,
  ...PROVISION_SETTINGS,
};

type Table = typeof BY_PATH;

/** The dotted path of a setting (`server.port`). */
export type SettingPath = keyof Table;

type ParsedOf<P extends SettingPath> = Table[P] extends Setting<infer T, unknown> ? T : never;
type DefaultOf<P extends SettingPath> = Table[P]['default'];

/** The value of the setting at `P`: what its parser gives, or its default (undefined when it has none). */
export type SettingValue<P extends SettingPath> = ParsedOf<P> | DefaultOf<P>;

/**
 * The table seen per path: indexed with a generic `P`, it gives `Setting<ParsedOf<P>, DefaultOf<P>>`,
 * so that a reader generic in the path returns `SettingValue<P>` with no cast.
 */
export const SETTING_TABLE: { readonly [P in SettingPath]: Setting<ParsedOf<P>, DefaultOf<P>> } = BY_PATH;

/** Every setting with its path, in the order of the docs. */
export const SETTINGS: readonly NamedSetting[] = Object.entries(BY_PATH).map(
  ([path, setting]): NamedSetting => ({ path, ...setting }),
);

/** Whether `path` names a setting. */
export function isSettingPath(path: string): path is SettingPath {
  return Object.hasOwn(BY_PATH, path);
}
