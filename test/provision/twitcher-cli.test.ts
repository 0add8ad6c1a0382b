import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTwitcher } from '../helpers/twitcher-process.js';
import { buildSQLiteDatabase } from './python-twitcher-fixture.js';

const BIRDHOUSE = fileURLToPath(new URL('../fixtures/birdhouse-magpie/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'twitcher-provision-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `twitcher ARGS` to its end: exit code and output. */
async function twitcher(args: string[], env: Record<string, string>) {
  const p = runTwitcher(args, env);
  const code = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

const emuFiles = [
  join(BIRDHOUSE, 'optional-components__emu__providers.cfg.template'),
  join(BIRDHOUSE, 'optional-components__emu__permissions.cfg.template'),
];

describe('twitcher apply / export / import', () => {
  test('apply --dry-run prints the plan and writes nothing; apply; again: no changes; export', async () => {
    const env = {
      TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'a.sqlite')}`,
      EMU_NAME: 'emu',
      EMU_INTERNAL_PORT: '5000',
    };
    const dry = await twitcher(['apply', '--dry-run', ...emuFiles], env);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /^\+ service emu: wps, auth acl, http:\/\/emu:5000\/wps$/m);
    assert.match(dry.out, /^\+ permission group:anonymous execute-allow-recursive on emu$/m);
    assert.match(dry.out, /^Plan: 4 to add, 0 to change, 0 to remove \(dry run: nothing applied\)\.$/m);
    assert.match(dry.out, /providers\.cfg\.template:6:5: dropped: c4i/, 'what is not carried is said');

    const empty = await twitcher(['export'], env);
    assert.match(empty.out, /^services: \{\}$/m, 'the dry run wrote nothing');

    const applied = await twitcher(['apply', ...emuFiles], env);
    assert.equal(applied.code, 0, applied.err);
    assert.match(applied.out, /^Applied: 4 to add, 0 to change, 0 to remove\.$/m);
    const again = await twitcher(['apply', ...emuFiles], env);
    assert.match(again.out, /^No changes: the store matches the files\.$/m);

    const file = join(dir, 'export.yaml');
    const exported = await twitcher(['export', '--output', file], env);
    assert.equal(exported.code, 0, exported.err);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^format: twitcher\/v1$/m);
    assert.match(text, /^ {2}emu:\n {4}url: http:\/\/emu:5000\/wps$/m);
    // the exported file applies to another store and gives the same export
    const env2 = { TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'b.sqlite')}` };
    assert.equal((await twitcher(['apply', file], env2)).code, 0);
    assert.equal((await twitcher(['export'], env2)).out, text);
  });

  test('--strict refuses what cannot be carried; a bad file is refused with every problem', async () => {
    const env = {
      TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'c.sqlite')}`,
      EMU_NAME: 'emu',
      EMU_INTERNAL_PORT: '5000',
    };
    const strict = await twitcher(['apply', '--strict', ...emuFiles], env);
    assert.equal(strict.code, 1);
    assert.match(strict.err, /c4i: a flag of the Phoenix portal.*\(--strict\)/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'format: twitcher/v1\nservices:\n  emu:\n    url: nowhere\npermissions:\n  - service: emu\n',
    );
    const refused = await twitcher(['apply', bad], env);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /bad\.yaml:4:10: url /);
    assert.match(refused.err, /bad\.yaml:6:5: needs a user or a group/);
    const empty = await twitcher(['export'], env);
    assert.match(empty.out, /^services: \{\}$/m, 'nothing applied');
  });

  test('usage: apply without files, import without --database', async () => {
    const env = { TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'd.sqlite')}` };
    const none = await twitcher(['apply'], env);
    assert.equal(none.code, 2);
    assert.match(none.err, /name at least one provisioning file/);
    const noDb = await twitcher(['import', 'python-twitcher'], env);
    assert.equal(noDb.code, 2);
    assert.match(noDb.err, /--database URL/);
  });

  test('import python-twitcher brings services and clients, says tokens are not carried', async () => {
    const source = join(dir, 'python-twitcher.sqlite');
    buildSQLiteDatabase(source, 'd9cff565b8db');
    const env = { TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'e.sqlite')}` };
    const dry = await twitcher(
      ['import', 'python-twitcher', '--database', `sqlite:///${source}`, '--dry-run'],
      env,
    );
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /^\+ client demo-client: "Demo", scopes compute$/m);
    assert.match(dry.out, /token/i, 'the tokens left behind are counted');
    assert.doesNotMatch(dry.out + dry.err, /demo-secret-0123456789/, 'a secret is never printed');
    const done = await twitcher(['import', 'python-twitcher', '--database', source], env);
    assert.equal(done.code, 0, done.err);
    assert.match(done.out, /^Applied: /m);
    const exported = await twitcher(['export'], env);
    assert.match(exported.out, /^ {2}demo-client:$/m);
  });
});
