import type { Command, OptionSpec } from './command.js';
import { COMMANDS, GROUPS } from './commands/index.js';
import { GLOBAL_OPTIONS } from './global-options.js';

const EXIT_CODES = 'Exit codes: 0 done, 1 refused by the server, 2 usage error, 3 server unreachable.';

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'string' ? ` ${s.metavar ?? 'VALUE'}` : ''}`;
    const more = s.greedy ? ' …' : s.multiple ? ' (repeat it)' : '';
    return [`${flag}${more}`, s.help] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`);
}

/** `twitcherctl --help`. */
export function mainHelp(): string {
  const width = Math.max(
    ...COMMANDS.map((c) => c.path.join(' ').length + 1 + c.args.map((a) => a.name).join(' ').length),
  );
  const commands = COMMANDS.map((c) => {
    const words = [...c.path, ...c.args.map((a) => a.name)].join(' ');
    return `  ${words.padEnd(width)}  ${c.summary}`;
  });
  return [
    'Usage: twitcherctl [GLOBAL OPTIONS] COMMAND [COMMAND OPTIONS]',
    '',
    'Control a Twitcher server from the shell: its service registry, OAuth2 clients and access tokens,',
    'users, groups, permissions and audit log; narrow macaroons offline.',
    '',
    'Global options go BEFORE the command, command options after it. In',
    '  twitcherctl -s https://twitcher.example.org gentoken -i ID -s SECRET',
    "the first -s is the server URL and the second gentoken's client secret (as in the Python twitcherctl).",
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Commands:',
    ...commands,
    '',
    "Output is JSON (the seeds' examples) unless -o table. A command needing the administrator asks for the",
    'password on a terminal when -p and TWITCHER_PASSWORD are missing.',
    EXIT_CODES,
    '',
    'Example:',
    '  export TWITCHER_SERVER=http://localhost:8000 TWITCHER_PASSWORD=…',
    '  twitcherctl register http://localhost:5000/wps --name emu',
    '',
    "Run 'twitcherctl COMMAND --help' for a command's options and examples.",
  ].join('\n');
}

/** `twitcherctl clients --help`. */
export function groupHelp(group: string): string {
  const commands = COMMANDS.filter((c) => c.path[0] === group);
  return [
    `Usage: twitcherctl [GLOBAL OPTIONS] ${group} ${commands.map((c) => c.path[1]).join('|')} …`,
    '',
    `${GROUPS[group] ?? group}.`,
    '',
    'Commands:',
    ...commands.map(
      (c) => `  ${[...c.path, ...c.args.map((a) => a.name)].join(' ').padEnd(24)}  ${c.summary}`,
    ),
    '',
    'Example:',
    ...commands.slice(0, 1).flatMap((c) => c.examples.slice(0, 1).map((e) => `  ${e}`)),
    '',
    `Run 'twitcherctl ${group} COMMAND --help' for a command's options and examples.`,
  ].join('\n');
}

/** `twitcherctl COMMAND --help`. */
export function commandHelp(command: Command): string {
  const words = command.path.join(' ');
  const args = command.args.map((a) => ` ${a.name}`).join('');
  const hasOptions = Object.keys(command.options).length > 0;
  return [
    `Usage: twitcherctl [GLOBAL OPTIONS] ${words}${args}${hasOptions ? ' [OPTIONS]' : ''}`,
    '',
    `${command.summary}.`,
    ...(command.args.length > 0
      ? ['', 'Arguments:', ...command.args.map((a) => `  ${a.name.padEnd(10)}  ${a.help}`)]
      : []),
    '',
    'Options:',
    ...optionLines({ ...command.options, help: { type: 'boolean', short: 'h', help: 'this help' } }),
    ...(command.notes ? ['', command.notes] : []),
    '',
    command.examples.length > 1 ? 'Examples:' : 'Example:',
    ...command.examples.map((e) => `  ${e}`),
    '',
    "Global options (-s/--serverurl, -u, -p, -t, -k, -o, --debug) go before the command: see 'twitcherctl --help'.",
    EXIT_CODES,
  ].join('\n');
}
