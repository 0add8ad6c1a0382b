/**
 * POST /provision and GET /provision through a real app on port 0: a dry run writes nothing, an
 * apply writes, a second apply changes nothing, every problem is listed at once and nothing is
 * applied, and only the administrator gets in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const DOCUMENT = {
  format: 'twitcher/v1',
  services: {
    emu: {
      url: 'http://127.0.0.1:5000/wps',
      type: 'wps',
      auth: 'acl',
      resources: { '/hello': 'process' },
    },
  },
  groups: { researchers: { priority: 5 } },
  users: { alice: { password: 'alice-password-1', groups: ['researchers'] } },
  permissions: [
    { service: 'emu', group: 'anonymous', permission: 'getcapabilities' },
    { service: 'emu', resource: '/hello', group: 'researchers', permission: 'execute' },
  ],
};

async function provision(
  app: TestApp,
  body: unknown,
  auth: string | null = app.adminAuth,
): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}/provision`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth && { authorization: auth }) },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: (await res.json()) as Record<string, unknown>,
  };
}

const lines = (changes: unknown) =>
  (changes as { action: string; kind: string; key: string }[]).map((c) => `${c.action} ${c.kind} ${c.key}`);

test('a dry run plans and writes nothing; apply writes; a second apply changes nothing', async (t) => {
  const app = await startTestApp(t);
  const dry = await provision(app, { document: DOCUMENT, dryRun: true });
  assert.equal(dry.status, 200);
  assert.equal(dry.body['applied'], false);
  assert.ok(lines(dry.body['changes']).includes('add service emu'), String(lines(dry.body['changes'])));
  assert.equal(await app.store.users.get('alice'), undefined);
  assert.equal(
    (await fetch(`${app.url}/services/emu`, { headers: { authorization: app.adminAuth } })).status,
    404,
  );

  const applied = await provision(app, { document: DOCUMENT });
  assert.equal(applied.status, 200);
  assert.equal(applied.body['applied'], true);
  assert.deepEqual(applied.body['changes'], dry.body['changes']);
  const alice = await app.store.users.get('alice');
  assert.ok(alice && (await verifyPassword('alice-password-1', alice.passwordHash)));
  const emu = await fetch(`${app.url}/services/emu`, { headers: { authorization: app.adminAuth } });
  assert.equal(emu.status, 200);
  assert.equal(((await emu.json()) as { auth: string }).auth, 'acl');

  const again = await provision(app, { document: DOCUMENT });
  assert.deepEqual(again.body, { applied: false, changes: [], notes: [] });
});

test("without the administrator's credentials: 401, nothing applied, nothing exported", async (t) => {
  const app = await startTestApp(t);
  const anonymous = await provision(app, { document: DOCUMENT }, null);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.type, /application\/problem\+json/);
  const wrong = await provision(
    app,
    { document: DOCUMENT },
    `Basic ${Buffer.from('admin:wrong').toString('base64')}`,
  );
  assert.equal(wrong.status, 401);
  assert.equal(await app.store.users.get('alice'), undefined);
  assert.equal((await fetch(`${app.url}/provision`)).status, 401);
});

test('422 lists every problem of the document and against the store; nothing is applied', async (t) => {
  const app = await startTestApp(t);
  const bad = {
    ...DOCUMENT,
    users: { alice: { password: 'alice-password-1', groups: ['nobody'], shoeSize: 42 } },
    permissions: [
      ...DOCUMENT.permissions,
      { service: 'missing', group: 'researchers', permission: 'execute' },
      { service: 'emu', group: 'researchers', permission: 'fly-sideways' },
    ],
  };
  const res = await provision(app, { document: bad });
  assert.equal(res.status, 422);
  assert.match(res.type, /application\/problem\+json/);
  assert.equal(res.body['code'], 'provisioning_failed');
  const errors = (res.body['errors'] as { field: string; message: string }[]).map((e) => e.field);
  assert.ok(errors.includes('request:users.alice.shoeSize'), String(errors));
  assert.ok(errors.includes('request:permissions.3.permission'), String(errors));
  assert.ok(
    errors.some((f) => f.startsWith('request:permissions.2')),
    String(errors),
  );
  assert.ok(errors.some((f) => f.startsWith('request:users.alice')) && errors.length >= 4, String(errors));
  assert.equal(await app.store.users.get('alice'), undefined);
  assert.equal(await app.store.groups.get('researchers'), undefined);
});

test('a document that is no native document is refused by the schema', async (t) => {
  const app = await startTestApp(t);
  const res = await provision(app, { document: { services: {} }, dryRun: 'yes' });
  assert.equal(res.status, 422);
  const fields = (res.body['errors'] as { field: string }[]).map((e) => e.field).sort();
  assert.equal(fields.length, 2, JSON.stringify(res.body));
});

test('GET /provision exports the store; secrets=false leaves the hashes out', async (t) => {
  const app = await startTestApp(t);
  await provision(app, { document: DOCUMENT });
  const get = async (query: string) =>
    (await (
      await fetch(`${app.url}/provision${query}`, { headers: { authorization: app.adminAuth } })
    ).json()) as {
      users: Record<string, Record<string, unknown>>;
      services: Record<string, unknown>;
    };
  const full = await get('');
  assert.match(String(full.users['alice']?.['passwordHash']), /^scrypt\$/);
  assert.deepEqual(full.users['alice']?.['groups'], ['researchers']);
  assert.equal(full.users['admin'], undefined);
  assert.deepEqual(Object.keys(full.services), ['emu']);
  const bare = await get('?secrets=false');
  assert.equal(bare.users['alice']?.['passwordHash'], undefined);
  assert.equal(
    (await fetch(`${app.url}/provision?secrets=no`, { headers: { authorization: app.adminAuth } })).status,
    422,
  );
});
