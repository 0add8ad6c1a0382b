/**
 * `twitcherctl apply FILE…` and `twitcherctl export`: declarative provisioning of a remote server.
 * The files are read HERE, where twitcherctl runs: `${VAR}` from its environment, `passwordFile` and
 * `secretFile` from its disk, Magpie's files expanded; clear passwords and (with --strict) what
 * cannot be carried are refused here too. What the files give is sent to `POST /provision` as a
 * document in the native format's partial mode; the server checks it against its store and applies
 * it in one transaction. The plan is printed as `twitcher apply` prints it.
 *
 * The provisioning readers are loaded only by these two commands (the others stay light).
 */
import type { TwitcherClient } from '../../client/index.js';
import { TwitcherClientError } from '../../client/index.js';
import type { DesiredState, Note } from '../../provision/model.js';
import type { Command, CommandArgs, Printed } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { CliIO } from '../io.js';

export interface ApplyFlags {
  dryRun: boolean;
  prune: boolean;
  strict: boolean;
  allowPlainPasswords: boolean;
  verbose: boolean;
}

/**
 * Reads `paths` where twitcherctl runs, refuses what must be refused here, sends the state and
 * prints the notes and the plan (stdout) or every problem (stderr). The exit code: 0 applied or
 * planned, 1 refused. Failures other than a refusal of the files (unreachable, 401) are thrown.
 */
export async function applyFiles(
  client: TwitcherClient,
  paths: readonly string[],
  flags: ApplyFlags,
  io: Pick<CliIO, 'env' | 'stdout' | 'stderr'>,
): Promise<number> {
  const [{ loadSourceFiles, readSources }, { stateToDocument, documentOrigins }, { mergeStates }, plan] =
    await Promise.all([
      import('../../provision/read-files.js'),
      import('../../provision/native/write-state.js'),
      import('../../provision/merge.js'),
      import('../../provision/format-plan.js'),
    ]);
  const loaded: Note[] = [];
  const files = loadSourceFiles(paths, loaded);
  const read = readSources(files, io.env);
  const notes = [...loaded, ...read.notes].map((n) =>
    flags.strict && n.severity === 'dropped'
      ? { ...n, severity: 'error' as const, message: `${n.message} (--strict)` }
      : n,
  );
  if (!flags.allowPlainPasswords) notes.push(...plainSecrets(read.state));
  // what the files say against each other (the same service twice, two passwords for a user), at
  // their lines: the document merges a name given twice, so the server could not see it
  mergeStates([read.state], notes);
  const refuse = (summary: string, problems: readonly { field: string; message: string }[]): number => {
    for (const n of notes.filter((x) => x.severity === 'dropped')) io.stderr.write(`${plan.formatNote(n)}\n`);
    const lines = problems.map((p) => `  ${p.field}: ${p.message}`);
    io.stderr.write(`twitcherctl: ${[summary, ...lines].join('\n')}\n`);
    return EXIT.refused;
  };
  const errors = notes.filter((n) => n.severity === 'error');
  if (errors.length > 0) {
    return refuse(
      `${errors.length} problem${errors.length === 1 ? '' : 's'} in the files; nothing was sent to ${client.url}.`,
      errors.map((n) => ({ field: n.origin, message: n.message })),
    );
  }
  let result: Awaited<ReturnType<TwitcherClient['provision']['apply']>>;
  try {
    result = await client.provision.apply(stateToDocument(read.state), {
      dryRun: flags.dryRun,
      prune: flags.prune,
    });
  } catch (err) {
    if (!(err instanceof TwitcherClientError) || err.code !== 'provisioning_failed') throw err;
    // the server names the document's entries (request:users.alice): name the files' lines instead
    const origins = documentOrigins(read.state);
    return refuse(
      err.message,
      err.fields.map((f) => ({ field: localOrigin(f.field, origins), message: f.message })),
    );
  }
  const text = plan.formatResult(
    { ...result, notes: [...notes, ...result.notes] },
    { dryRun: flags.dryRun, verbose: flags.verbose },
  );
  io.stdout.write(text);
  return EXIT.ok;
}

/** Clear passwords and secrets written in the files, refused unless --allow-plain-passwords. */
function plainSecrets(state: DesiredState): Note[] {
  const notes: Note[] = [];
  for (const u of state.users) {
    if (u.password?.plain !== undefined && u.password.literal) {
      notes.push({
        severity: 'error',
        origin: u.origin,
        message: `the password of "${u.username}" is written in clear in the file: use passwordHash (twitcher hash-password), \${VARIABLE} or passwordFile, or --allow-plain-passwords`,
      });
    }
  }
  for (const c of state.clients) {
    if (c.secret?.plain !== undefined && c.secret.literal) {
      notes.push({
        severity: 'error',
        origin: c.origin,
        message: `the secret of "${c.clientId}" is written in clear in the file: use secretHash, \${VARIABLE} or secretFile, or --allow-plain-passwords`,
      });
    }
  }
  return notes;
}

/** `request:users.alice.groups` → the origin of users.alice in the files, when known. */
function localOrigin(field: string, origins: ReadonlyMap<string, string>): string {
  const path = field.startsWith('request:') ? field.slice('request:'.length) : undefined;
  if (path === undefined) return field;
  let best: string | undefined;
  for (const key of origins.keys()) {
    if ((path === key || path.startsWith(`${key}.`)) && key.length > (best?.length ?? -1)) best = key;
  }
  return best === undefined ? field : (origins.get(best) as string);
}

/** The store as a document: YAML (a file for `apply`, as `twitcher export` writes it) or JSON. */
export async function exportDocument(
  client: TwitcherClient,
  options: { output: string | undefined; json: boolean; secrets: boolean },
  io: Pick<CliIO, 'stdout'>,
): Promise<number> {
  const doc = await client.provision.export({ secrets: options.secrets });
  const { toYAML } = await import('../../provision/native/export.js');
  const text = options.json ? `${JSON.stringify(doc, null, 2)}\n` : toYAML(doc);
  if (options.output === undefined) io.stdout.write(text);
  else {
    const { writeFileSync } = await import('node:fs');
    // it may hold password hashes: readable by its owner only, as `twitcher export` writes it
    writeFileSync(options.output, text, { mode: 0o600 });
  }
  return EXIT.ok;
}

const flag = (args: CommandArgs, name: string) => args.values[name] === true;

export const apply: Command = {
  path: ['apply'],
  summary: "Make the server match provisioning files read here (Twitcher's format or Magpie's)",
  args: [
    {
      name: 'FILE…',
      help: "provisioning files or directories (Twitcher's format or Magpie's)",
      variadic: true,
    },
  ],
  options: {
    'dry-run': { type: 'boolean', help: 'print the plan only, change nothing' },
    prune: { type: 'boolean', help: 'also remove what the files do not name' },
    strict: { type: 'boolean', help: 'refuse what cannot be carried (Magpie hooks, Phoenix flags…)' },
    'allow-plain-passwords': {
      type: 'boolean',
      help: 'accept passwords and secrets written in clear in the files',
    },
    verbose: { type: 'boolean', short: 'v', help: 'also print how each entry was carried' },
  },
  auth: 'admin',
  examples: [
    'twitcherctl apply --dry-run site.yaml',
    'ALICE_PASSWORD=… twitcherctl apply site.yaml providers.cfg permissions.cfg',
    'twitcherctl apply --prune --strict /etc/twitcher/provision/',
  ],
  notes:
    `The files are read where twitcherctl runs: \${VAR} from its environment, passwordFile and secretFile ` +
    'from its disk. The plan is printed as by `twitcher apply` (+ add, ~ change, - remove); every ' +
    'problem is printed at once on stderr and nothing is applied (exit code 1).',
  async run(ctx, args): Promise<Printed> {
    const exitCode = await applyFiles(
      ctx.client(),
      args.positionals,
      {
        dryRun: flag(args, 'dry-run'),
        prune: flag(args, 'prune'),
        strict: flag(args, 'strict'),
        allowPlainPasswords: flag(args, 'allow-plain-passwords'),
        verbose: flag(args, 'verbose'),
      },
      ctx.io,
    );
    return { printed: true, exitCode };
  },
};

export const exportCommand: Command = {
  path: ['export'],
  summary: "Print the server's store as a provisioning file (YAML; --json for JSON)",
  args: [],
  options: {
    output: { type: 'string', metavar: 'FILE', help: 'write it to FILE (mode 600) instead of stdout' },
    json: { type: 'boolean', help: 'JSON instead of YAML' },
    'no-secrets': {
      type: 'boolean',
      help: 'leave password and client secret hashes out (applying it keeps the ones the store has)',
    },
  },
  auth: 'admin',
  examples: ['twitcherctl export --output site.yaml', 'twitcherctl export --json --no-secrets'],
  notes:
    "YAML, unlike the other commands' JSON: the output is a file for `twitcherctl apply` (and the same " +
    'file `twitcher export` writes on the server). -o/--output (global) does not apply to it.',
  async run(ctx, args): Promise<Printed> {
    const output = args.values['output'];
    const exitCode = await exportDocument(
      ctx.client(),
      {
        output: typeof output === 'string' ? output : undefined,
        json: flag(args, 'json'),
        secrets: !flag(args, 'no-secrets'),
      },
      ctx.io,
    );
    return { printed: true, exitCode };
  },
};
