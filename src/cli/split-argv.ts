import { parseArgs } from 'node:util';
import { GLOBAL_OPTIONS } from './global-options.js';

/**
 * Splits `[global options] command [command options]` at the first word that is not an option or an
 * option's value, knowing which global options take one: in `-s URL gentoken -s SECRET` the first
 * `-s` is global and the second belongs to gentoken.
 */
export function splitArgv(argv: string[]): { global: string[]; rest: string[] } {
  const options = Object.fromEntries(
    Object.entries(GLOBAL_OPTIONS).map(([name, s]) => [
      name,
      { type: s.type, ...(s.short !== undefined && { short: s.short }) },
    ]),
  );
  // not strict: an unknown option is reported by the strict parse of the global part
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  if (first === undefined) return { global: argv, rest: [] };
  const at = first.kind === 'option-terminator' ? first.index + 1 : first.index;
  return { global: argv.slice(0, first.index), rest: argv.slice(at) };
}
