import { checkBaseURL, TwitcherClient } from '../client/index.js';
import { type Command, type CommandArgs, type CommandContext, isPrinted } from './command.js';
import { COMMANDS, GROUPS } from './commands/index.js';
import { EXIT } from './exit-codes.js';
import { GLOBAL_OPTIONS, type GlobalSettings, readGlobalOptions } from './global-options.js';
import { commandHelp, groupHelp, mainHelp } from './help.js';
import { type CliIO, interactive } from './io.js';
import { formatOutput } from './output.js';
import { parseOptions } from './parse-options.js';
import { askSecret, confirm } from './prompt.js';
import { reportError } from './report-error.js';
import { splitArgv } from './split-argv.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

type Resolved = { help: string } | { command: Command; argv: string[] };

/** Finds the command named by the first words of `rest` (or the help that was asked for). */
function resolveCommand(rest: string[], wantsHelp: boolean): Resolved {
  const [first, second] = rest;
  if (first === undefined) {
    if (wantsHelp) return { help: mainHelp() };
    throw new UsageError("missing command; 'twitcherctl --help' lists them");
  }
  if (first === 'help') {
    const words = rest.slice(1);
    if (words.length === 0) return { help: mainHelp() };
    return resolveCommand([...words, '--help'], true);
  }
  if (first in GROUPS) {
    const subs = COMMANDS.filter((c) => c.path[0] === first);
    if (second === undefined || second === '--help' || second === '-h' || wantsHelp) {
      const command = subs.find((c) => c.path[1] === second);
      if (command === undefined && (second === undefined || second.startsWith('-') || wantsHelp)) {
        if (second === undefined && !wantsHelp) {
          throw new UsageError(`${first} needs a command: ${first} ${subs.map((c) => c.path[1]).join('|')}`);
        }
        return { help: groupHelp(first) };
      }
    }
    const command = subs.find((c) => c.path[1] === second);
    if (command === undefined) {
      throw new UsageError(
        `unknown command "${first} ${second}"; ${first} has ${subs.map((c) => c.path[1]).join(', ')}`,
      );
    }
    return { command, argv: rest.slice(2) };
  }
  const command = COMMANDS.find((c) => c.path.length === 1 && c.path[0] === first);
  if (command === undefined) {
    throw new UsageError(`unknown command "${first}"; 'twitcherctl --help' lists the commands`);
  }
  return { command, argv: rest.slice(1) };
}

function checkPositionals(command: Command, args: CommandArgs): void {
  const words = command.path.join(' ');
  const missing = command.args[args.positionals.length];
  if (missing !== undefined) {
    throw new UsageError(
      `${words} needs ${missing.name} (${missing.help}): twitcherctl ${words} ${command.args.map((a) => a.name).join(' ')}`,
    );
  }
  const extra = command.args.at(-1)?.variadic ? undefined : args.positionals[command.args.length];
  if (extra !== undefined) {
    throw new UsageError(`unexpected argument "${extra}" for ${words}; see twitcherctl ${words} --help`);
  }
}

/** Whether the command will need the administrator's password that nobody gave. */
function needsPassword(command: Command, settings: GlobalSettings): boolean {
  if (settings.password !== undefined || command.auth === 'none') return false;
  return command.auth === 'admin' || settings.token === undefined;
}

/** twitcherctl: returns the exit code. Everything it prints goes through `io`. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let command: Command | undefined;
  let debug = argv.includes('--debug');
  let client: TwitcherClient | undefined;
  try {
    const { global, rest } = splitArgv(argv);
    const settings = readGlobalOptions(global, io.env);
    for (const warning of settings.warnings) io.stderr.write(`twitcherctl: ${warning}\n`);
    debug = settings.debug;
    if (settings.version) {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const resolved = resolveCommand(rest, settings.help);
    if ('help' in resolved) {
      io.stdout.write(`${resolved.help}\n`);
      return EXIT.ok;
    }
    command = resolved.command;
    const words = command.path.join(' ');
    const args = parseOptions(
      resolved.argv,
      { ...command.options, help: { type: 'boolean', short: 'h', help: '' } },
      words,
      GLOBAL_OPTIONS,
    );
    if (args.values['help'] === true) {
      io.stdout.write(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    checkPositionals(command, args);
    const isTerminal = interactive(io);
    command.check?.(args, { interactive: isTerminal });
    // checked here, before any prompt: a malformed URL is a usage error
    const url = checkBaseURL(settings.serverURL);
    let password = settings.password;
    if (needsPassword(command, settings) && isTerminal) {
      password = await askSecret(io, `Password of ${settings.username ?? 'admin'} at ${url}: `);
    }
    client = new TwitcherClient({
      url: settings.serverURL,
      insecure: settings.insecure,
      ...(settings.username !== undefined && { username: settings.username }),
      ...(password !== undefined && { password }),
      ...(settings.token !== undefined && { token: settings.token }),
    });
    if (debug) {
      const auth = [password !== undefined && 'password', settings.token !== undefined && 'token'].filter(
        Boolean,
      );
      io.stderr.write(
        `twitcherctl: ${words} at ${client.url} (credentials: ${auth.join(', ') || 'none'}${settings.insecure ? ', TLS not verified' : ''})\n`,
      );
    }
    const ready = client;
    const ctx: CommandContext = {
      client: () => ready,
      confirm: (question) => confirm(io, question),
      askSecret: (prompt) => askSecret(io, prompt),
      interactive: isTerminal,
      io,
    };
    const result = await command.run(ctx, args);
    if (isPrinted(result)) return result.exitCode;
    io.stdout.write(`${formatOutput(result, settings.output)}\n`);
    return EXIT.ok;
  } catch (err) {
    const report = reportError(err, command);
    io.stderr.write(`twitcherctl: ${report.line}\n`);
    if (debug && err instanceof Error)
      io.stderr.write(
        `${err.stack ?? ''}\n${err.cause instanceof Error ? `cause: ${err.cause.stack}\n` : ''}`,
      );
    return report.exitCode;
  } finally {
    await client?.close();
  }
}
