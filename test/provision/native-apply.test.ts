import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
import { TwitcherError } from '../../src/errors.js';
import { secretMatches } from '../../src/oauth/client-secret.js';
import { applyState } from '../../src/provision/apply.js';
import { exportStore, toYAML } from '../../src/provision/native/export.js';
import { readSources } from '../../src/provision/read-files.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';

const ADMIN = 'admin';
const HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(86);

const SITE = `format: twitcher/v1
services:
  emu:
    url: http://127.0.0.1:5000/wps
    type: wps
    auth: acl
    resources:
      /hello: process
      /outputs/2026: path
  thredds:
    url: http://127.0.0.1:8080/thredds
    type: thredds
    auth: acl
groups:
  researchers:
    priority: 5
    description: Climate researchers
users:
  alice:
    password: \${ALICE_PASSWORD}
    groups: [researchers]
  bob:
    passwordHash: ${HASH}
    certificateDN: CN=bob,O=Example
clients:
  portal:
    name: Portal
    secret: \${PORTAL_SECRET}
    scopes: [compute]
    data: {project: cmip6}
    owner: alice
permissions:
  - service: emu
    group: anonymous
    permission: getcapabilities
  - service: emu
    resource: /hello
    group: researchers
    permission: execute-allow-match
  - service: emu
    resource: /outputs
    user: bob
    permission: {name: read, access: deny, scope: recursive}
`;

const ENV = { ALICE_PASSWORD: 'alice-password-1', PORTAL_SECRET: 'portal-secret-value-1' };

async function fresh(t: { after(fn: () => Promise<void>): void }): Promise<Store> {
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  return store;
}

const read = (text: string, env: Record<string, string> = ENV, name = 'site.yaml') =>
  readSources([{ name, text }], env);

async function problems(fn: () => Promise<unknown>): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof TwitcherError, String(err));
    assert.equal(err.code, 'provisioning_failed');
    return (err.fields ?? []).map((f) => `${f.field}: ${f.message}`);
  }
  assert.fail('expected provisioning_failed');
}

test('apply makes the store match the file; a second apply changes nothing', async (t) => {
  const store = await fresh(t);
  const first = await applyState(store, read(SITE), { adminUsername: ADMIN });
  assert.equal(first.applied, true);
  const kinds = first.changes.map((c) => `${c.action} ${c.kind} ${c.key}`);
  assert.ok(kinds.includes('add service emu'));
  assert.ok(kinds.includes('add resource emu /outputs'), 'the parent path is created');
  assert.ok(kinds.includes('add membership alice in researchers'));
  assert.ok(kinds.includes('add permission group:researchers execute-allow-match on emu /hello'));

  const emu = await store.services.get('emu');
  assert.equal(emu?.auth, 'acl');
  const alice = await store.users.get('alice');
  assert.ok(alice && (await verifyPassword(ENV.ALICE_PASSWORD, alice.passwordHash)));
  assert.equal((await store.users.get('bob'))?.passwordHash, HASH);
  const portal = await store.clients.get('portal');
  assert.ok(portal && secretMatches(ENV.PORTAL_SECRET, portal.secretHash));
  assert.equal(portal.owner, 'alice');
  assert.deepEqual(portal.data, { project: 'cmip6' });
  assert.equal((await store.permissions.list({ service: 'emu' })).length, 3);

  const second = await applyState(store, read(SITE), { adminUsername: ADMIN });
  assert.deepEqual(second.changes, [], 'idempotent: nothing to change');
  assert.equal(second.applied, false);
});

test('a dry run lists the plan and writes nothing', async (t) => {
  const store = await fresh(t);
  const plan = await applyState(store, read(SITE), { adminUsername: ADMIN, dryRun: true });
  assert.ok(plan.changes.length > 10);
  assert.equal(plan.applied, false);
  assert.deepEqual(await store.services.list(), []);
  assert.equal(await store.users.get('alice'), undefined);
});

test('export → apply to an empty store → export gives the same file', async (t) => {
  const a = await fresh(t);
  await applyState(a, read(SITE), { adminUsername: ADMIN });
  const exported = toYAML(await exportStore(a, { adminUsername: ADMIN }));
  assert.match(exported, /^format: twitcher\/v1$/m);
  assert.doesNotMatch(exported, /alice-password-1|portal-secret-value-1/, 'no clear secret is exported');
  const b = await fresh(t);
  await applyState(b, read(exported, {}, 'export.yaml'), { adminUsername: ADMIN });
  assert.equal(toYAML(await exportStore(b, { adminUsername: ADMIN })), exported);
  // and the copy is the same site: alice's password works there
  const alice = await b.users.get('alice');
  assert.ok(alice && (await verifyPassword(ENV.ALICE_PASSWORD, alice.passwordHash)));
});

test('a change shows field by field; access and scope changes replace the permission', async (t) => {
  const store = await fresh(t);
  await applyState(store, read(SITE), { adminUsername: ADMIN });
  const changed = SITE.replace('http://127.0.0.1:5000/wps', 'http://127.0.0.1:5001/wps')
    .replace('execute-allow-match', 'execute-deny-match')
    .replace('priority: 5', 'priority: 7');
  const plan = await applyState(store, read(changed), { adminUsername: ADMIN });
  const byKind = Object.fromEntries(plan.changes.map((c) => [`${c.action} ${c.kind}`, c]));
  assert.deepEqual(byKind['change service']?.details, [
    'url: "http://127.0.0.1:5000/wps" → "http://127.0.0.1:5001/wps"',
  ]);
  assert.deepEqual(byKind['change group']?.details, ['priority: 5 → 7']);
  assert.deepEqual(byKind['change permission']?.details, ['was execute-allow-match']);
  assert.equal(plan.changes.length, 3);
  const perms = await store.permissions.list({ group: 'researchers' });
  assert.deepEqual(
    perms.map((p) => p.access),
    ['deny'],
  );
});

test('without --prune nothing is removed; with it, what the files no longer name goes', async (t) => {
  const store = await fresh(t);
  await applyState(store, read(SITE), { adminUsername: ADMIN });
  const smaller = `format: twitcher/v1
services:
  emu:
    url: http://127.0.0.1:5000/wps
    type: wps
    auth: acl
    resources:
      /hello: process
users:
  alice:
    password: \${ALICE_PASSWORD}
permissions:
  - service: emu
    group: anonymous
    permission: getcapabilities
`;
  const kept = await applyState(store, read(smaller), { adminUsername: ADMIN });
  assert.deepEqual(kept.changes, []);
  const pruned = await applyState(store, read(smaller), { adminUsername: ADMIN, prune: true });
  const removed = pruned.changes.filter((c) => c.action === 'remove').map((c) => `${c.kind} ${c.key}`);
  assert.deepEqual(removed.sort(), [
    'client portal',
    'group researchers',
    'membership alice in researchers',
    'permission group:researchers execute-allow-match on emu /hello',
    'resource emu /outputs',
    'service thredds',
    'user bob',
  ]);
  assert.deepEqual(
    (await store.services.list()).map((s) => s.name),
    ['emu'],
  );
  assert.ok(await store.groups.get('anonymous'), 'special groups stay');
  // the administrator is never pruned
  await store.users.create({ username: ADMIN, passwordHash: HASH, isAdmin: true });
  const again = await applyState(store, read(smaller), { adminUsername: ADMIN, prune: true });
  assert.deepEqual(again.changes, []);
});

test('every problem is reported at once, at its line, and nothing is applied', async (t) => {
  const store = await fresh(t);
  const bad = `format: twitcher/v1
services:
  emu:
    url: ftp://nowhere
    type: wps
    auth: acl
  other:
    url: http://127.0.0.1:1/wps
    type: wps
  third:
    url: http://127.0.0.1:1/wps
    colour: blue
users:
  carol:
    password: hunter2-in-clear
    groups: [nobody]
permissions:
  - service: emu
    group: anonymous
    permission: getmap
  - service: ghost
    group: anonymous
    permission: read
  - service: other
    resource: /missing
    user: dave
    permission: execute
`;
  const list = await problems(() => applyState(store, read(bad), { adminUsername: ADMIN }));
  const text = list.join('\n');
  assert.match(text, /site\.yaml:4:\d+: url /);
  assert.match(text, /site\.yaml:12:\d+: colour is not a known field/);
  assert.match(text, /password of "carol" is written in clear/);
  assert.match(text, /member of "nobody": no such group/);
  assert.match(text, /no service "emu"|a wps service takes/);
  assert.match(text, /no service "ghost"/);
  assert.match(text, /resource \/missing is neither in the files/);
  assert.match(text, /no user "dave"/);
  assert.deepEqual(await store.services.list(), [], 'nothing applied');
});

test('a file that does not parse is reported with its line and column', async (t) => {
  const store = await fresh(t);
  const list = await problems(() =>
    applyState(store, read('format: twitcher/v1\nservices:\n  emu: {url: [\n'), { adminUsername: ADMIN }),
  );
  assert.match(list.join('\n'), /^site\.yaml:\d+:\d+: does not parse as YAML or JSON/m);
});

test('a variable that is not set, a duplicate, the administrator in a file: refused', async (t) => {
  const store = await fresh(t);
  const list = await problems(() =>
    applyState(
      store,
      readSources(
        [
          { name: 'a.yaml', text: SITE },
          {
            name: 'b.yaml',
            text: 'format: twitcher/v1\nservices:\n  emu:\n    url: http://x/wps\nusers:\n  admin:\n    passwordHash: x\n',
          },
        ],
        { ALICE_PASSWORD: 'alice-password-1' },
      ),
      { adminUsername: ADMIN },
    ),
  );
  const text = list.join('\n');
  assert.match(text, /PORTAL_SECRET is not set/);
  assert.match(text, /b\.yaml:4:5: the service "emu" is defined twice \(also at a\.yaml:4:5\)/);
  assert.match(text, /"admin" is the administrator/);
});

test('clear passwords only with allowPlainPasswords; password files are read', async (t) => {
  const store = await fresh(t);
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-provision-'));
  writeFileSync(join(dir, 'carol.secret'), 'carol-password-9\n');
  const text = `format: twitcher/v1
users:
  carol:
    passwordFile: carol.secret
  dan:
    password: dan-password-in-clear
`;
  const name = join(dir, 'users.yaml');
  await problems(() => applyState(store, read(text, {}, name), { adminUsername: ADMIN }));
  await applyState(store, read(text, {}, name), { adminUsername: ADMIN, allowPlainPasswords: true });
  const carol = await store.users.get('carol');
  assert.ok(carol && (await verifyPassword('carol-password-9', carol.passwordHash)));
  const dan = await store.users.get('dan');
  assert.ok(dan && (await verifyPassword('dan-password-in-clear', dan.passwordHash)));
});

test('a step the store refuses rolls everything back', async (t) => {
  const store = await fresh(t);
  // a resource name the store refuses (control character), after valid entries
  const text = `format: twitcher/v1
services:
  emu:
    url: http://127.0.0.1:5000/wps
    type: wps
    auth: acl
    resources:
      "/bad\\u0001name": process
groups:
  g1: {}
`;
  const list = await problems(() => applyState(store, read(text), { adminUsername: ADMIN }));
  assert.match(list.join('\n'), /add resource emu/);
  assert.deepEqual(await store.services.list(), []);
  assert.equal(await store.groups.get('g1'), undefined);
});

test('a client is held to the admin API rules: known scopes, not empty, a redirect URI without fragment', async (t) => {
  const store = await fresh(t);
  const text = `format: twitcher/v1
clients:
  c1:
    secret: \${PORTAL_SECRET}
    scopes: [compute, teleport]
  c2:
    secret: \${PORTAL_SECRET}
    scopes: []
  c3:
    secret: \${PORTAL_SECRET}
    redirectURI: https://portal.example.org/cb#frag
`;
  const text2 = (await problems(() => applyState(store, read(text), { adminUsername: ADMIN }))).join('\n');
  assert.match(text2, /the scopes of "c1" unknown scope\(s\) teleport/);
  assert.match(text2, /the scopes of "c2" must not be empty/);
  assert.match(text2, /the redirectURI of "c3" must be an absolute URL without a fragment/);
  assert.deepEqual(await store.clients.list(), [], 'nothing applied');
  // the allowed twin: the same clients with their fields right
  const fixed = text
    .replace('[compute, teleport]', '[compute, register]')
    .replace('scopes: []', 'scopes: [compute]')
    .replace('#frag', '');
  await applyState(store, read(fixed), { adminUsername: ADMIN });
  assert.deepEqual((await store.clients.list()).map((c) => c.clientId).sort(), ['c1', 'c2', 'c3']);
});
