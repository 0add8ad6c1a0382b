import type { TwitcherClient } from '../client/index.js';
import type { CliIO } from './io.js';

/** One option of a command: a parseArgs option plus what --help says about it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder of the value in --help (string options). */
  metavar?: string;
  help: string;
  /**
   * The seeds' `nargs='+'`: the words after this option that are not options are more values of it
   * (`--scope compute register`). Only on commands without positionals, where it cannot be ambiguous.
   */
  greedy?: boolean;
  /** A boolean option that may be followed by one of these words, as the seeds wrote `--verify false`. */
  words?: readonly string[];
}

/** What a command's run() gets: its parsed arguments and a client already configured. */
export interface CommandArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface CommandContext {
  /** A client to the server; its construction is deferred so that usage errors never need it. */
  client(): TwitcherClient;
  /** Asks a yes/no question on the terminal (false when standard input is not one). */
  confirm(question: string): Promise<boolean>;
  /** Reads a secret on the terminal without echo. */
  askSecret(prompt: string): Promise<string>;
  interactive: boolean;
  /** twitcherctl's environment and streams: for commands that read local files or print text (apply, export). */
  io: CliIO;
}

/** What a command returns when it printed its own output (text, not JSON): main() prints nothing more. */
export interface Printed {
  printed: true;
  exitCode: number;
}

export function isPrinted(value: unknown): value is Printed {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Printed).printed === true &&
    typeof (value as Printed).exitCode === 'number'
  );
}

export interface Command {
  /** The words that name it: ['list'], ['clients', 'delete']. */
  path: string[];
  summary: string;
  /** Positionals, for the usage line: 'URL', 'NAME', 'ID'; the last one `variadic`: one or more (`FILE…`). */
  args: { name: string; help: string; variadic?: boolean }[];
  options: Record<string, OptionSpec>;
  examples: string[];
  /** More text in its --help. */
  notes?: string;
  /**
   * The credentials it needs: `admin` the administrator's password, `registry` the password or an
   * access token with the register scope, `none` (gentoken: the client's own id and secret).
   */
  auth: 'admin' | 'registry' | 'none';
  /** Checks the arguments before anything is asked or sent; throws UsageError. */
  check?(args: CommandArgs, ctx: Pick<CommandContext, 'interactive'>): void;
  /** Returns what is printed (JSON or a table), or `Printed` when it printed for itself. */
  run(ctx: CommandContext, args: CommandArgs): Promise<unknown>;
}

/** The value of a string option that may be given once. */
export function stringValue(args: CommandArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The values of a `multiple` string option. */
export function listValue(args: CommandArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
