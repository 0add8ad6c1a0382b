import { parseArgs } from 'node:util';
import type { CommandArgs, OptionSpec } from './command.js';
import { UsageError } from './usage-error.js';

/** `-s/--serverurl` as --help and the messages write an option. */
export function optionLabel(name: string, spec: OptionSpec | undefined): string {
  return spec?.short ? `-${spec.short}/--${name}` : `--${name}`;
}

function findSpec(options: Record<string, OptionSpec>, flag: string): [string, OptionSpec] | undefined {
  const bare = flag.replace(/^-+/, '').split('=')[0] ?? '';
  return Object.entries(options).find(([name, spec]) => name === bare || spec.short === bare);
}

/** node:util's messages are long and name no fix; these say what to do, in one line. */
function usageErrorOf(
  err: unknown,
  options: Record<string, OptionSpec>,
  where: string,
  globals: Record<string, OptionSpec>,
): UsageError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-[^' ,]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const global = where === '' ? undefined : findSpec(globals, flag);
    if (global) {
      return new UsageError(
        `${flag} is a global option: put it before the command (twitcherctl ${flag} … ${where} …)`,
      );
    }
    return new UsageError(`unknown option ${flag}; see twitcherctl ${where}${where ? ' ' : ''}--help`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const found = findSpec(options, flag);
    const label = found ? optionLabel(found[0], found[1]) : flag;
    if (found?.[1].type === 'boolean') return new UsageError(`option ${label} takes no value`);
    return new UsageError(`option ${label} needs a value (${found?.[1].metavar ?? 'VALUE'})`);
  }
  return new UsageError(message);
}

/**
 * Parses a command's (or the global) options strictly: unknown options and missing values are
 * usage errors. Applies the seeds' habits that parseArgs has no word for: `--scope a b` (greedy)
 * and `--verify false` (words).
 */
export function parseOptions(
  argv: string[],
  options: Record<string, OptionSpec>,
  where: string,
  globals: Record<string, OptionSpec>,
): CommandArgs {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, s]) => [
      name,
      {
        type: s.type,
        ...(s.short !== undefined && { short: s.short }),
        ...((s.multiple === true || s.greedy === true) && { multiple: true }),
      },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs<{ options: typeof config; tokens: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw usageErrorOf(err, options, where, globals);
  }
  // booleans are never `multiple` here, so a list is always of strings
  const values = { ...parsed.values } as CommandArgs['values'];
  const positionals: string[] = [];
  let greedy: string | undefined;
  let wordsOf: string | undefined;
  for (const token of parsed.tokens) {
    if (token.kind === 'option') {
      const spec = options[token.name];
      greedy = spec?.greedy === true ? token.name : undefined;
      wordsOf = spec?.words !== undefined && token.value === undefined ? token.name : undefined;
    } else if (token.kind === 'positional') {
      const wordOption = wordsOf;
      wordsOf = undefined;
      if (wordOption !== undefined && options[wordOption]?.words?.includes(token.value)) {
        values[wordOption] = token.value;
      } else if (greedy !== undefined) {
        const list = values[greedy];
        values[greedy] = [...(Array.isArray(list) ? list : []), token.value];
      } else {
        positionals.push(token.value);
      }
    } else {
      greedy = undefined; // after `--`, everything is a positional
      wordsOf = undefined;
    }
  }
  return { values, positionals };
}
