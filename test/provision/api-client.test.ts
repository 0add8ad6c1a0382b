/**
 * TwitcherClient.provision against a real server: export → apply to a fresh server → export gives
 * the same document (the round trip over the API), and a refusal carries every problem.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TwitcherClient, TwitcherClientError } from '../../src/client/index.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';

const HASH = `scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$${'A'.repeat(86)}`;

const DOCUMENT = {
  format: 'twitcher/v1',
  services: {
    emu: { url: 'http://127.0.0.1:5000/wps', type: 'wps', auth: 'acl', resources: { '/hello': 'process' } },
    thredds: { url: 'http://127.0.0.1:8080/thredds', type: 'thredds', auth: 'acl' },
  },
  groups: { researchers: { priority: 5, description: 'Climate researchers' } },
  users: {
    alice: { password: 'alice-password-1', groups: ['researchers'] },
    bob: { passwordHash: HASH, certificateDN: 'CN=bob,O=Example' },
  },
  clients: { portal: { name: 'Portal', secret: 'portal-secret-value-1', owner: 'alice' } },
  resources: { thredds: { '/birdhouse/data': 'path' } },
  permissions: [
    { service: 'emu', group: 'anonymous', permission: 'getcapabilities' },
    { service: 'emu', resource: '/hello', group: 'researchers', permission: 'execute-allow-match' },
    { service: 'thredds', resource: '/birdhouse', user: 'bob', permission: 'read-deny' },
  ],
};

function clientOf(t: { after(fn: () => Promise<void>): void }, app: TestApp, password = ADMIN_PASSWORD) {
  const client = new TwitcherClient({ url: app.url, password });
  t.after(() => client.close());
  return client;
}

test('export → apply to a fresh server → export gives the same document', async (t) => {
  const first = clientOf(t, await startTestApp(t));
  const applied = await first.provision.apply(DOCUMENT);
  assert.equal(applied.applied, true);
  const exported = await first.provision.export();
  assert.deepEqual(Object.keys(exported.services), ['emu', 'thredds']);
  assert.deepEqual((exported.services['thredds'] as { resources: unknown }).resources, {
    '/birdhouse': 'path',
    '/birdhouse/data': 'path',
  });

  const second = clientOf(t, await startTestApp(t));
  const plan = await second.provision.apply(exported, { dryRun: true });
  assert.equal(plan.applied, false);
  assert.ok(plan.changes.every((c) => c.action === 'add'));
  await second.provision.apply(exported);
  assert.deepEqual(await second.provision.export(), exported);
  assert.deepEqual((await second.provision.apply(exported)).changes, []);
});

test('a partial document keeps what the store has: a group named without fields keeps its priority', async (t) => {
  const client = clientOf(t, await startTestApp(t));
  await client.provision.apply(DOCUMENT);
  const result = await client.provision.apply({
    format: 'twitcher/v1',
    groups: { researchers: {} },
    users: { alice: { groups: ['researchers'] } },
  });
  assert.deepEqual(result.changes, []);
  const exported = await client.provision.export({ secrets: false });
  assert.deepEqual(exported.groups['researchers'], { priority: 5, description: 'Climate researchers' });
  assert.equal((exported.users['alice'] as Record<string, unknown>)['passwordHash'], undefined);
});

test('a refusal is a TwitcherClientError listing every problem; the wrong password gets 401', async (t) => {
  const app = await startTestApp(t);
  const client = clientOf(t, app);
  const bad = {
    ...DOCUMENT,
    permissions: [
      { service: 'missing', group: 'researchers', permission: 'read' },
      { service: 'emu', group: 'nobody', permission: 'execute' },
    ],
  };
  await assert.rejects(client.provision.apply(bad), (err: unknown) => {
    assert.ok(err instanceof TwitcherClientError);
    assert.equal(err.code, 'provisioning_failed');
    assert.equal(err.status, 422);
    assert.deepEqual(
      err.fields.map((f) => f.field),
      ['request:permissions.0', 'request:permissions.1'],
    );
    return true;
  });
  assert.equal(await app.store.users.get('alice'), undefined);
  const intruder = clientOf(t, app, 'wrong-password');
  await assert.rejects(intruder.provision.export(), (err: unknown) => {
    assert.ok(err instanceof TwitcherClientError);
    assert.equal(err.status, 401);
    return true;
  });
});
