/**
 * What the deployment recipes' tests share: the checkout's files, the TWITCHER_* variables a recipe
 * names, env files as Docker and systemd read them, and compose-style interpolation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/parse-value.js';
import { SETTINGS } from '../../src/config/settings.js';

/** The checkout (absolute, no trailing slash). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** A file of the checkout, by its path from the root. */
export function readRecipe(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

export function recipeExists(path: string): boolean {
  return existsSync(join(ROOT, path));
}

/** A YAML file with compose's merge keys (`<<: *anchor`). */
export function readYAML(path: string): unknown {
  return parse(readRecipe(path), { merge: true });
}

/** Every document of a multi-document YAML file. */
export function readYAMLDocuments(path: string): unknown[] {
  return parseAllDocuments(readRecipe(path)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

/** The variables Twitcher reads: one per setting, and TWITCHER_CONFIG (the config file). */
const KNOWN = new Set([...SETTINGS.map((s) => s.env), 'TWITCHER_CONFIG']);

/** Every TWITCHER_* name in a text, comments included (a commented example must be real too). */
export function twitcherVariablesIn(text: string): string[] {
  return [...new Set(text.match(/\bTWITCHER_[A-Z0-9_]+/g) ?? [])];
}

/** The names among `names` that no setting reads. */
export function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((n) => n.startsWith('TWITCHER_') && !KNOWN.has(n));
}

/**
 * KEY=VALUE lines as `docker --env-file`, compose's env_file and systemd's EnvironmentFile read the
 * simple values the recipes use: comments and blank lines skipped, a value in matching quotes unquoted.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not KEY=VALUE: ${line}`);
    const value = line.slice(eq + 1);
    env[line.slice(0, eq)] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return env;
}

/**
 * Compose's interpolation (`$$`, `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
 * `${NAME:?error}`, `${NAME?error}`); a required variable that is missing (or empty, with `:`) throws
 * with its message, as compose refuses to start.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      if (bare !== undefined) return vars[bare] ?? '';
      const value = vars[name as string];
      const missing = value === undefined || (colon === ':' && value === '');
      if (op === '-') return missing ? (arg ?? '') : (value as string);
      if (op === '?' && missing) throw new Error(`${name}: ${arg || 'required'}`);
      return value ?? '';
    },
  );
}

/** The configuration Twitcher would load from this environment alone (throws its ConfigError). */
export function configOf(env: Record<string, string>): Config {
  return loadConfig({ env });
}

/** A duration as the settings read it (`30s`, `45000`), in milliseconds. */
export function durationMs(raw: string): number {
  const parsed = parseDuration(raw);
  if ('error' in parsed) throw new Error(`${raw}: ${parsed.error}`);
  return parsed.value;
}

/** The environment a recipe's process gets: the recipe's variables and a PATH, nothing inherited. */
export function cleanEnv(vars: Record<string, string>): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', ...vars };
}

/** The secrets deploy/compose/example.env asks for, filled in as an operator would. */
export const COMPOSE_SECRETS: Record<string, string> = {
  POSTGRES_PASSWORD: 'c0ffee0123456789abcdef',
  TWITCHER_ADMIN_PASSWORD: 'deploy-test-admin-password',
};

/** docker-compose.yml with its variables interpolated from `vars`, parsed (merge keys resolved). */
export function readCompose(vars: Record<string, string | undefined>): ComposeFile {
  return parse(interpolate(readRecipe('docker-compose.yml'), vars), { merge: true }) as ComposeFile;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  env_file?: string | (string | { path: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  stop_grace_period?: string;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } } | null>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The env files a service names (paths from the compose file's directory, the checkout's root). */
export function envFilesOf(service: ComposeService): string[] {
  const files = service.env_file === undefined ? [] : [service.env_file].flat();
  return files.map((f) => (typeof f === 'string' ? f : f.path));
}

/** A service's environment as compose gives it to the container: its env files, then `environment`. */
export function composeServiceEnv(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  for (const file of envFilesOf(service)) Object.assign(env, parseEnvFile(readRecipe(file)));
  const given = service.environment ?? {};
  const pairs = Array.isArray(given)
    ? given.map((kv): [string, string] => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)])
    : Object.entries(given).map(([k, v]) => [k, v === null ? '' : String(v)] as [string, string]);
  for (const [k, v] of pairs) env[k] = v;
  return env;
}
