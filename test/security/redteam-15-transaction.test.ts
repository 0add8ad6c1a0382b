/**
 * Red team of issue 15: `apply --prune` against what a site must keep, and a store refusal in the
 * middle of a plan. A plan that adds a group and a user, meets a step the store refuses (a resource
 * name the store does not take, which the reader lets through), and would remove a deny, must leave
 * the store as it was: one transaction, on SQLite and on PostgreSQL. `--prune` of an empty file
 * keeps the administrator and the special groups.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { TwitcherError } from '../../src/errors.js';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { openStore } from '../../src/store/open-store.js';
import { openPostgresStore } from '../../src/store/postgres/open-postgres.js';
import type { Store } from '../../src/store/types.js';
import { startTestApp } from '../helpers/app.js';

const SITE = `format: twitcher/v1
services:
  tds:
    url: http://127.0.0.1:9/thredds
    type: thredds
    auth: acl
    resources:
      /secure: path
groups:
  staff: {}
permissions:
  - {service: tds, group: anonymous, permission: read}
  - {service: tds, resource: /secure, group: anonymous, permission: read-deny}
`;

/** The site without its deny, with a new group and user, and a resource the store refuses last. */
const REFUSED = `format: twitcher/v1
services:
  tds:
    url: http://127.0.0.1:9/thredds
    type: thredds
    auth: acl
    resources:
      /secure: path
      /%20padded: path
groups:
  staff: {}
  newcomers: {}
users:
  carol:
    passwordHash: scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$${'A'.repeat(86)}
permissions:
  - {service: tds, group: anonymous, permission: read}
`;

const apply = (store: Store, text: string, options: { prune?: boolean; dryRun?: boolean } = {}) =>
  applyState(store, readSources([{ name: 'site.yaml', text }], {}), { adminUsername: 'admin', ...options });

async function state(store: Store): Promise<string[]> {
  const perms = await store.permissions.list({ service: 'tds' });
  return [
    ...perms.map((p) => `${p.grantee.group ?? p.grantee.user} ${p.permission}-${p.access}`).sort(),
    ...(await store.groups.list()).map((g) => `group ${g.name}`).sort(),
    ...(await store.users.list()).map((u) => `user ${u.username}`).sort(),
  ];
}

function transactionCases(open: (t: test.TestContext) => Promise<Store | undefined>) {
  test('a store refusal mid-plan leaves nothing, the deny the plan removes included (denied), the same file without it applies (allowed)', async (t) => {
    const store = await open(t);
    if (!store) return;
    await apply(store, SITE);
    const before = await state(store);
    assert.ok(before.includes('anonymous read-deny'));
    const plan = await apply(store, REFUSED, { prune: true, dryRun: true });
    const order = plan.changes.map((c) => `${c.action} ${c.kind} ${c.key}`);
    const refused = order.indexOf('add resource tds / padded');
    // what runs before the refused step: written in the transaction, then rolled back
    assert.ok(refused > order.indexOf('add group newcomers'), order.join('\n'));
    assert.ok(refused > order.indexOf('add user carol'), order.join('\n'));
    assert.ok(order.includes('remove permission group:anonymous read-deny-recursive on tds /secure'));
    const err = await apply(store, REFUSED, { prune: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof TwitcherError && err.code === 'provisioning_failed', String(err));
    assert.match(err.description, /Nothing was applied/);
    assert.deepEqual(await state(store), before, 'nothing of the plan is left');
    // the twin: without the refused resource the same plan applies, the deny with it
    await apply(store, REFUSED.replace('      /%20padded: path\n', ''), { prune: true });
    const after = await state(store);
    assert.ok(!after.includes('anonymous read-deny') && after.includes('group newcomers'), after.join());
  });
}

describe('red team 15: one transaction, SQLite', () => {
  transactionCases(async (t) => {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    return store;
  });
});

describe('red team 15: one transaction, PostgreSQL', () => {
  const url = process.env['TWITCHER_TEST_POSTGRES_URL'];
  transactionCases(async (t) => {
    if (!url) {
      const reason = 'TWITCHER_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)';
      if (process.env['TWITCHER_REQUIRE_PEERS'] === '1') throw new Error(`PostgreSQL required: ${reason}`);
      t.skip(reason);
      return undefined;
    }
    const schema = `twitcher_rt15_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    const store = await openPostgresStore({ connectionString: u.toString(), poolSize: 2 });
    t.after(async () => {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    return store;
  });
});

describe('red team 15: --prune keeps what a site must keep', () => {
  test('an empty file with --prune removes a user and a group of the store (allowed), never the administrator or the special groups (denied)', async (t) => {
    const app = await startTestApp(t);
    const adminName = app.config.admin.username;
    await apply(
      app.store,
      `format: twitcher/v1\ngroups:\n  staff: {}\nusers:\n  dave:\n    groups: [staff]\n`,
    );
    const { changes } = await applyState(
      app.store,
      readSources([{ name: 'empty.yaml', text: 'format: twitcher/v1\n' }], {}),
      { adminUsername: adminName, prune: true },
    );
    const removed = changes.map((c) => `${c.action} ${c.kind} ${c.key}`);
    assert.ok(removed.includes('remove user dave') && removed.includes('remove group staff'), removed.join());
    for (const kept of ['administrators', 'anonymous', 'authenticated']) {
      assert.ok(await app.store.groups.get(kept), `group ${kept} kept`);
    }
    assert.ok(!removed.some((r) => r.includes(adminName)), removed.join());
    const login = await fetch(`${app.url}/services`, { headers: { authorization: app.adminAuth } });
    assert.equal(login.status, 200, 'the administrator still signs in');
  });
});
