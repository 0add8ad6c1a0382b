/**
 * twitcherctl apply / export against a real server on port 0: the files are read where twitcherctl
 * runs (its environment, its disk, Magpie's format), what must be refused is refused before anything
 * is sent, the server's refusals are printed at the files' lines, and export → apply to a fresh
 * server → export gives the same document.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { runTwitcherctl } from '../helpers/twitcherctl.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcherctl-provision-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `twitcherctl ARGS` in-process, against `app`, with only the given environment. */
const ctl = (app: TestApp, args: string[], env: Record<string, string> = {}): Promise<Run> =>
  runTwitcherctl(args, { TWITCHER_SERVER: app.url, TWITCHER_PASSWORD: ADMIN_PASSWORD, ...env });

const SITE = file(
  'site.yaml',
  `format: twitcher/v1
groups:
  researchers: {priority: 5}
users:
  alice:
    password: \${ALICE_PASSWORD}
    groups: [researchers]
permissions:
  - {service: emu, group: researchers, permission: execute}
`,
);

// Birdhouse's emu files (optional-components/emu), as a deployment has them beside its docker compose
const PROVIDERS = file(
  'providers.cfg',
  `providers:
  \${EMU_NAME}:
    url: http://emu:\${EMU_INTERNAL_PORT}/wps
    title: \${EMU_NAME}
    public: true
    c4i: false
    type: wps
    sync_type: wps
`,
);
const PERMISSIONS = file(
  'permissions.cfg',
  `permissions:
  - service: \${EMU_NAME}
    permission: getcapabilities
    group: anonymous
    action: create
  - service: \${EMU_NAME}
    permission: execute
    group: anonymous
    action: create
`,
);
const ENV = { ALICE_PASSWORD: 'alice-password-1', EMU_NAME: 'emu', EMU_INTERNAL_PORT: '5000' };

test("apply reads variables from twitcherctl's environment and Magpie's files where it runs", async (t) => {
  const app = await startTestApp(t);
  const dry = await ctl(app, ['apply', '--dry-run', SITE, PROVIDERS, PERMISSIONS], ENV);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^\+ service emu: /m);
  assert.match(dry.stdout, /^\+ user alice/m);
  assert.match(dry.stdout, /^\+ permission group:researchers execute-allow-recursive on emu/m);
  assert.match(dry.stdout, /^Plan: \d+ to add, 0 to change, 0 to remove \(dry run: nothing applied\)\.$/m);
  // what cannot be carried is shown, at the file's line
  assert.match(dry.stdout, /providers\.cfg:\d+:\d+: dropped: /);
  assert.equal(await app.store.users.get('alice'), undefined);

  const applied = await ctl(app, ['apply', SITE, PROVIDERS, PERMISSIONS], ENV);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /^Applied: \d+ to add, 0 to change, 0 to remove\.$/m);
  const alice = await app.store.users.get('alice');
  assert.ok(alice && (await verifyPassword('alice-password-1', alice.passwordHash)));
  assert.equal((await app.store.services.get('emu'))?.url, 'http://emu:5000/wps');

  const again = await ctl(app, ['apply', SITE, PROVIDERS, PERMISSIONS], ENV);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^No changes: the store matches the files\.$/m);
});

test('a variable twitcherctl does not have is refused before anything is sent', async (t) => {
  const app = await startTestApp(t);
  const run = await ctl(app, ['apply', SITE, PROVIDERS, PERMISSIONS], {
    EMU_NAME: 'emu',
    EMU_INTERNAL_PORT: '5000',
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /site\.yaml:\d+:\d+: the environment variable ALICE_PASSWORD is not set/);
  assert.match(run.stderr, /nothing was sent to/);
  assert.equal(run.stdout, '');
  assert.equal(await app.store.services.get('emu'), undefined);
});

test('a password written in clear is refused without --allow-plain-passwords, applied with it', async (t) => {
  const app = await startTestApp(t);
  const clear = file(
    'clear.yaml',
    'format: twitcher/v1\nusers:\n  bob: {password: bob-password-123}\nclients:\n  portal: {secret: portal-secret-value-1}\n',
  );
  const refused = await ctl(app, ['apply', clear]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^twitcherctl: 2 problems in the files; nothing was sent to /m);
  assert.match(refused.stderr, /clear\.yaml:3:\d+: the password of "bob" is written in clear in the file/);
  assert.match(refused.stderr, /clear\.yaml:5:\d+: the secret of "portal" is written in clear in the file/);
  assert.equal(await app.store.users.get('bob'), undefined);

  const allowed = await ctl(app, ['apply', '--allow-plain-passwords', clear]);
  assert.equal(allowed.code, 0, allowed.stderr);
  const bob = await app.store.users.get('bob');
  assert.ok(bob && (await verifyPassword('bob-password-123', bob.passwordHash)));
});

test("the server's refusal lists every problem at the files' lines; nothing is applied", async (t) => {
  const app = await startTestApp(t);
  const bad = file(
    'bad.yaml',
    `format: twitcher/v1
users:
  carol:
    passwordHash: not-a-hash
    groups: [nobody]
permissions:
  - {service: missing, user: carol, permission: read}
`,
  );
  const run = await ctl(app, ['apply', bad]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^twitcherctl: \d+ problems? /m);
  const problems = run.stderr.split('\n').filter((l) => l.startsWith('  '));
  assert.equal(problems.length, 3, run.stderr);
  assert.ok(
    problems.some((l) => /bad\.yaml:4:\d+: the passwordHash of "carol"/.test(l)),
    run.stderr,
  );
  assert.ok(
    problems.some((l) => /bad\.yaml:4:\d+: "carol" is a member of "nobody"/.test(l)),
    run.stderr,
  );
  assert.ok(
    problems.some((l) => /bad\.yaml:7:\d+: .*no service "missing"/.test(l)),
    run.stderr,
  );
  assert.ok(!run.stderr.includes('request:'), run.stderr);
  assert.equal(await app.store.users.get('carol'), undefined);
});

test('--strict refuses what cannot be carried', async (t) => {
  const app = await startTestApp(t);
  const run = await ctl(app, ['apply', '--strict', PROVIDERS], ENV);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /providers\.cfg:\d+:\d+: .*\(--strict\)/);
  assert.equal(await app.store.services.get('emu'), undefined);
});

test('apply needs a file and the administrator', async (t) => {
  const app = await startTestApp(t);
  const none = await ctl(app, ['apply']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /apply needs FILE…/);
  const wrong = await ctl(app, ['apply', SITE, PROVIDERS, PERMISSIONS], {
    ...ENV,
    TWITCHER_PASSWORD: 'wrong',
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /HTTP 401/);
  assert.equal(await app.store.users.get('alice'), undefined);
});

test('export → apply to a fresh server → export gives the same document', async (t) => {
  const first = await startTestApp(t);
  assert.equal((await ctl(first, ['apply', SITE, PROVIDERS, PERMISSIONS], ENV)).code, 0);
  const exported = join(dir, 'exported.yaml');
  const out = await ctl(first, ['export', '--output', exported]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, '');
  assert.equal(statSync(exported).mode & 0o777, 0o600);
  const text = readFileSync(exported, 'utf8');
  assert.match(text, /^format: twitcher\/v1$/m);
  assert.match(text, /passwordHash: scrypt\$/);

  const second = await startTestApp(t);
  const applied = await ctl(second, ['apply', exported]);
  assert.equal(applied.code, 0, applied.stderr);
  const again = await ctl(second, ['export']);
  assert.equal(again.stdout, text);

  const json = await ctl(second, ['export', '--json', '--no-secrets']);
  const doc = JSON.parse(json.stdout) as { users: Record<string, Record<string, unknown>> };
  assert.deepEqual(doc.users['alice'], { admin: false, certificateDN: null, groups: ['researchers'] });
});

test('files that disagree are refused at their lines before anything is sent', async (t) => {
  const app = await startTestApp(t);
  const other = file(
    'other.yaml',
    `format: twitcher/v1\ngroups:\n  researchers: {priority: 7}\nusers:\n  alice:\n    password: \${OTHER_PASSWORD}\n`,
  );
  const run = await ctl(app, ['apply', SITE, other], { ...ENV, OTHER_PASSWORD: 'another-password-2' });
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /other\.yaml:\d+:\d+: the group "researchers" has priority 7 here and 5 at .*site\.yaml/,
  );
  assert.match(run.stderr, /other\.yaml:\d+:\d+: the user "alice" is given two passwords/);
  assert.equal(await app.store.groups.get('researchers'), undefined);
});
