import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ADMIN_PASSWORD, startTestApp } from '../helpers/app.js';
import { runTwitcherctl } from '../helpers/twitcherctl.js';

// The twitcherctl samples of README.md, docs/tutorial.md and docs/cli.md are real runs: in a ```sh
// block, the `# ` lines right under a `twitcherctl …` line are what it prints. Each document's sampled
// commands run in order against a fresh server, and their output must be the documented one, once
// generated values (ids, secrets, tokens, times) are set aside. A JSON sample must be indented as
// twitcherctl prints it.

/** A walk-through runs every twitcherctl line (the later ones need the earlier ones); a reference only its samples. */
const DOCS = [
  { doc: 'README.md', walkThrough: true, setup: [] },
  { doc: 'docs/tutorial.md', walkThrough: true, setup: [] },
  // the list sample shows a service with a limit, before the page registers one
  {
    doc: 'docs/cli.md',
    walkThrough: false,
    setup: ['register', 'http://localhost:5000/wps', '--name', 'emu', '--max-concurrent', '8'],
  },
];

/** Values a run generates: compared by presence, never by value. */
const GENERATED = new Set([
  'client_id',
  'client_secret',
  'access_token',
  'exp',
  'iat',
  'jti',
  'created_at',
  'time',
]);
const SET_ASIDE = '<generated>';

interface Sample {
  doc: string;
  line: number;
  command: string;
  /** The documented output, `# ` removed (none: the command is run, its output not shown). */
  output: string | undefined;
}

function readSamples(doc: string, walkThrough: boolean): { samples: Sample[]; inline: string[] } {
  const lines = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8').split('\n');
  const samples: Sample[] = [];
  const inline: string[] = [];
  let inShell = false;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line.startsWith('```')) {
      inShell = !inShell && line.trim() === '```sh';
      continue;
    }
    if (!inShell || !/^twitcherctl\s/.test(line)) continue;
    const [command = '', comment] = line.split(/\s+#\s/, 2);
    if (comment !== undefined && /^\s*[[{]/.test(comment)) inline.push(`${doc}:${i + 1}: ${line}`);
    const output: string[] = [];
    while ((lines[i + 1] ?? '').startsWith('# ') || lines[i + 1] === '#') {
      output.push((lines[i + 1] ?? '').replace(/^# ?/, ''));
      i += 1;
    }
    // JSON or a table (-o table) is output; anything else (`#   └─ server URL`) a remark
    const isOutput = /^[[{]|^[A-Z]+ {2}/.test(output[0] ?? '');
    if (isOutput || walkThrough) {
      const text = isOutput ? output.join('\n') : undefined;
      samples.push({ doc, line: i + 1 - output.length, command: command.trim(), output: text });
    }
  }
  return { samples, inline };
}

/** A shell line's words (single and double quotes; no expansion). */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

const isPlaceholder = (word: string) => word.includes('…') || word.startsWith('$') || /^[A-Z_]+$/.test(word);

/** The documented command with its placeholders (`CLIENT_ID`, `4c1e…`, `$TOKEN`) filled from earlier runs. */
function fill(args: string[], seen: Map<string, string>): string[] {
  return args.map((word, i) => {
    if (!isPlaceholder(word)) return word;
    const before = args[i - 1] ?? '';
    const key =
      before === '-i' || before === '--client-id' || ['get', 'delete', 'issue'].includes(before)
        ? 'client_id'
        : before === '-s' || before === '--client-secret'
          ? 'client_secret'
          : 'access_token';
    const value = seen.get(key);
    assert.ok(value !== undefined, `no ${key} printed before "${word}" is used`);
    return value;
  });
}

function setAside(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(setAside);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, GENERATED.has(k) && v !== null ? SET_ASIDE : setAside(v)]),
  );
}

const run = runTwitcherctl;

/** The sample as the doc shows it, and the run as it would be shown, both with generated values set aside. */
function compare(sample: Sample, printed: string): void {
  if (sample.output === undefined) return;
  const where = `${sample.doc}:${sample.line} (${sample.command})`;
  if (!/^[[{]/.test(sample.output)) {
    assert.equal(sample.output, printed.trimEnd(), `${where}: the output is not the documented one`);
    return;
  }
  let documented: unknown;
  try {
    documented = JSON.parse(sample.output);
  } catch (err) {
    assert.fail(`${where}: the sample is not JSON (${(err as Error).message})`);
  }
  assert.equal(
    sample.output,
    JSON.stringify(documented, null, 2),
    `${where}: not indented as twitcherctl prints`,
  );
  const actual = JSON.parse(printed) as unknown;
  assert.deepEqual(
    setAside(documented),
    setAside(actual),
    `${where}: the output is not the documented one; it printed\n${JSON.stringify(actual, null, 2)}`,
  );
}

describe('twitcherctl samples in the documentation are what it prints', () => {
  for (const { doc, walkThrough, setup } of DOCS) {
    test(doc, async (t) => {
      const { samples, inline } = readSamples(doc, walkThrough);
      assert.deepEqual(
        inline,
        [],
        'a JSON sample on the command line: twitcherctl prints it indented, on lines of its own',
      );
      assert.ok(
        samples.some((s) => s.output !== undefined),
        `${doc} has no twitcherctl sample`,
      );
      const app = await startTestApp(t);
      const env = { TWITCHER_SERVER: app.url, TWITCHER_PASSWORD: ADMIN_PASSWORD };
      const seen = new Map<string, string>();
      if (setup.length > 0)
        assert.equal((await run(setup, env)).code, 0, `setup: twitcherctl ${setup.join(' ')}`);
      for (const sample of samples) {
        const args = fill(words(sample.command).slice(1), seen);
        const result = await run(args, env);
        assert.equal(
          result.code,
          0,
          `${sample.doc}:${sample.line} (${sample.command}) failed: ${result.stderr}`,
        );
        compare(sample, result.stdout);
        if (result.stdout.startsWith('{')) {
          for (const [k, v] of Object.entries(JSON.parse(result.stdout) as Record<string, unknown>)) {
            if (typeof v === 'string' && GENERATED.has(k)) seen.set(k, v);
          }
        }
      }
    });
  }

  test('a changed output is caught (the comparison is no formality)', () => {
    const sample: Sample = {
      doc: 'x',
      line: 1,
      command: 'twitcherctl get emu',
      output: '{\n  "name": "emu"\n}',
    };
    compare(sample, '{"name":"emu"}');
    assert.throws(() => compare(sample, '{"name":"emu","auth":"token"}'), /not the documented one/);
    assert.throws(() => compare({ ...sample, output: '{"name": "emu"}' }, '{"name":"emu"}'), /not indented/);
    // a generated value is set aside, but not its absence
    const secret: Sample = { ...sample, output: '{\n  "client_secret": "Qm9v…"\n}' };
    compare(secret, '{"client_secret":"abc"}');
    assert.throws(() => compare(secret, '{}'), /not the documented one/);
  });
});
