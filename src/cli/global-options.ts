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
    help: `Twitcher's URL (default ${DEFAULT_SERVER_URL}; env TWITCHER_URL)`,
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
  username: string | undefined;
  password: string | undefined;
  token: string | undefined;
  insecure: boolean;
  output: 'json' | 'table';
  debug: boolean;
  help: boolean;
  version: boolean;
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
  return {
    serverURL: text('serverurl', 'TWITCHER_URL') ?? DEFAULT_SERVER_URL,
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
