import type { OptionSpec } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_SERVER_URL = 'http://localhost:8000';

/** The options that come BEFORE the command (the Python twitcherctl's, plus -t, -o and --version). */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  serverurl: {
    type: 'string',
    short: 's',
    metavar: 'URL',
    help: `Twitcher's URL (default ${DEFAULT_SERVER_URL}; env TWITCHER_SERVER)`,
  },
  username: {
    type: 'string',
    short: 'u',
    metavar: 'NAME',
    help: "the administrator's user name (default admin; env TWITCHER_USERNAME)",
  },
  password: {
    type: 'string',
    short: 'p',
    metavar: 'PASSWORD',
    help: "the administrator's password (env TWITCHER_PASSWORD; asked for on a terminal when missing)",
  },
  token: {
    type: 'string',
    short: 't',
    metavar: 'TOKEN',
    help: 'an access token with the register scope, for the service commands (env TWITCHER_TOKEN)',
  },
  insecure: {
    type: 'boolean',
    short: 'k',
    help: "do not verify the server's TLS certificate (like curl -k)",
  },
  output: { type: 'string', short: 'o', metavar: 'FORMAT', help: 'json (default) or table' },
  debug: { type: 'boolean', help: 'print the settings used and, on failure, the stack trace' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', help: "print twitcherctl's version" },
};

export interface GlobalSettings {
  serverURL: string;
  /** Lines for stderr about the environment read (TWITCHER_URL for the server's URL). */
  warnings: string[];
  username: string | undefined;
  password: string | undefined;
  token: string | undefined;
  insecure: boolean;
  output: 'json' | 'table';
  debug: boolean;
  help: boolean;
  version: boolean;
}

/**
 * The server's URL: -s, then TWITCHER_SERVER, then TWITCHER_URL (read before TWITCHER_SERVER existed,
 * kept so that scripts go on working), then the default. TWITCHER_URL is also `twitcher serve`'s public
 * URL (server.url): exported for twitcherctl, it made a server started in the same shell rewrite its
 * capabilities to twitcherctl's address; hence its own variable, and a word when TWITCHER_URL is read.
 */
function readServerURL(
  option: string | undefined,
  env: Record<string, string | undefined>,
): { serverURL: string; warnings: string[] } {
  const server = env['TWITCHER_SERVER'] || undefined;
  const legacy = env['TWITCHER_URL'] || undefined;
  if (option !== undefined) return { serverURL: option, warnings: [] };
  if (server !== undefined) {
    const warnings =
      legacy !== undefined && legacy !== server
        ? [
            `TWITCHER_SERVER (${server}) is used, not TWITCHER_URL (${legacy}), which is the server's own public URL`,
          ]
        : [];
    return { serverURL: server, warnings };
  }
  if (legacy !== undefined) {
    return {
      serverURL: legacy,
      warnings: [
        "the server's URL is read from TWITCHER_URL; set TWITCHER_SERVER instead (TWITCHER_URL is also the public URL of a 'twitcher serve' started from this shell)",
      ],
    };
  }
  return { serverURL: DEFAULT_SERVER_URL, warnings: [] };
}

/** Global options, then the environment, then the defaults. */
export function readGlobalOptions(argv: string[], env: Record<string, string | undefined>): GlobalSettings {
  const { values, positionals } = parseOptions(argv, GLOBAL_OPTIONS, '', GLOBAL_OPTIONS);
  if (positionals.length > 0) throw new Error('global options are parsed before the command only');
  const text = (name: string, envName: string): string | undefined => {
    const v = values[name];
    const fromEnv = env[envName];
    if (typeof v === 'string') return v;
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const output = typeof values['output'] === 'string' ? values['output'] : 'json';
  if (output !== 'json' && output !== 'table') {
    throw new UsageError(`-o/--output is json or table, not "${output}"`);
  }
  const serverurl = values['serverurl'];
  return {
    ...readServerURL(typeof serverurl === 'string' ? serverurl : undefined, env),
    username: text('username', 'TWITCHER_USERNAME'),
    password: text('password', 'TWITCHER_PASSWORD'),
    token: text('token', 'TWITCHER_TOKEN'),
    insecure: values['insecure'] === true,
    output,
    debug: values['debug'] === true,
    help: values['help'] === true,
    version: values['version'] === true,
  };
}
