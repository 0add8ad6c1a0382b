/**
 * `twitcher apply`, `twitcher export` and `twitcher import python-twitcher`: the provisioning
 * commands of the server's CLI, run against the store of the configuration (no server needed).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openConfiguredStore } from '../app/assemble-deps.js';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import { type ApplyResult, applyState } from './apply.js';
import { describeProblems } from './describe-problems.js';
import { formatNote, formatResult } from './format-plan.js';
import type { Note, ReadResult } from './model.js';
import { exportStore, toYAML } from './native/export.js';
import { readPythonTwitcherDatabase } from './python-twitcher/read-database.js';
import { readProvisioningFiles } from './read-files.js';

export const PROVISION_USAGE = `  apply FILE…       make the store match provisioning files (Twitcher's format or Magpie's):
                      --dry-run  print the plan only   --prune  also remove what the files do not name
                      --strict   refuse what cannot be carried   --allow-plain-passwords
                      -v, --verbose  also print how each entry was carried
  export            print the store as a provisioning file (--output FILE, --json, --no-secrets)
  import python-twitcher --database URL
                    bring the services and OAuth clients of a Python Twitcher database
                    (SQLite file or postgres://…; --dry-run, --strict)`;

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

/** Runs a provisioning command; the exit status (0 done, 1 refused, 2 usage). */
export async function runProvisionCommand(
  command: 'apply' | 'export' | 'import',
  args: string[],
  config: Config,
  io: CliIO,
): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean' },
        prune: { type: 'boolean' },
        strict: { type: 'boolean' },
        'allow-plain-passwords': { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        output: { type: 'string', short: 'o' },
        json: { type: 'boolean' },
        'no-secrets': { type: 'boolean' },
        database: { type: 'string' },
      },
    });
  } catch (err) {
    io.err(`twitcher ${command}: ${(err as Error).message}\n`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (command === 'apply' && positionals.length === 0) {
    io.err('twitcher apply: name at least one provisioning file (or directory)\n');
    return 2;
  }
  if (command === 'import' && (positionals[0] !== 'python-twitcher' || typeof v['database'] !== 'string')) {
    io.err('twitcher import: usage: twitcher import python-twitcher --database URL [--dry-run] [--strict]\n');
    return 2;
  }
  const store = await openConfiguredStore(config);
  try {
    if (command === 'export') {
      const doc = await exportStore(store, {
        adminUsername: config.admin.username,
        secrets: !v['no-secrets'],
      });
      const text = v['json'] ? `${JSON.stringify(doc, null, 2)}\n` : toYAML(doc);
      if (typeof v['output'] === 'string') writeFileSync(v['output'], text, { mode: 0o600 });
      else io.out(text);
      return 0;
    }
    let read: ReadResult;
    let digest: string | undefined;
    if (command === 'import') {
      const notes: Note[] = [];
      const state = await readPythonTwitcherDatabase(v['database'] as string, notes);
      read = { state, notes };
    } else {
      ({ read, digest } = readProvisioningFiles(positionals, io.env));
    }
    return await report(store, read, config, io, {
      dryRun: v['dry-run'] === true,
      prune: v['prune'] === true,
      strict: v['strict'] === true,
      allowPlainPasswords: v['allow-plain-passwords'] === true,
      verbose: v['verbose'] === true || command === 'import',
      digest,
    });
  } finally {
    await store.close();
  }
}

async function report(
  store: Store,
  read: ReadResult,
  config: Config,
  io: CliIO,
  o: {
    dryRun: boolean;
    prune: boolean;
    strict: boolean;
    allowPlainPasswords: boolean;
    verbose: boolean;
    digest: string | undefined;
  },
): Promise<number> {
  let result: ApplyResult;
  try {
    result = await applyState(store, read, { ...o, adminUsername: config.admin.username });
  } catch (err) {
    if (!(err instanceof TwitcherError) || err.code !== 'provisioning_failed') throw err;
    for (const n of read.notes.filter((x) => x.severity === 'dropped')) io.err(`${formatNote(n)}\n`);
    io.err(`twitcher: ${describeProblems(err)}\n`);
    return 1;
  }
  io.out(formatResult(result, { dryRun: o.dryRun, verbose: o.verbose }));
  return 0;
}
