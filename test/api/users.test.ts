import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ensureAdmin } from '../../src/auth/admin-credentials.js';
import { verifyPassword } from '../../src/auth/password.js';
import { loadConfig } from '../../src/config/load.js';
import { TwitcherError } from '../../src/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { startTestApp } from '../helpers/app.js';

describe('admin API: /users', () => {
  test('add, list, get, change the password, remove; the password is stored as an scrypt hash', async (t) => {
    const app = await startTestApp(t);
    const h = { authorization: app.adminAuth, 'content-type': 'application/json' };
    let res = await fetch(`${app.url}/users`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ username: 'alice', password: 'alice-password-1' }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), '/users/alice');
    const stored = await app.store.users.get('alice');
    assert.match(stored?.passwordHash ?? '', /^scrypt\$/);
    assert.equal(await verifyPassword('alice-password-1', stored?.passwordHash ?? ''), true);
    const list = (await (await fetch(`${app.url}/users`, { headers: h })).json()) as { username: string }[];
    // the configured administrator (TWITCHER_ADMIN_PASSWORD) is not a stored user
    assert.deepEqual(
      list.map((u) => u.username),
      ['alice'],
    );
    assert.ok(!JSON.stringify(list).includes('scrypt'));
    res = await fetch(`${app.url}/users/alice`, {
      method: 'PATCH',
      headers: h,
      body: JSON.stringify({ password: 'another-pass-2' }),
    });
    assert.equal(res.status, 204);
    assert.equal(
      await verifyPassword('another-pass-2', (await app.store.users.get('alice'))?.passwordHash ?? ''),
      true,
    );
    res = await fetch(`${app.url}/users/alice`, {
      method: 'DELETE',
      headers: { authorization: app.adminAuth },
    });
    assert.equal(res.status, 204);
    assert.equal((await fetch(`${app.url}/users/alice`, { headers: h })).status, 404);
  });

  test('bad names and passwords are 422, a taken name 409, the administrator cannot be removed', async (t) => {
    const app = await startTestApp(t);
    const h = { authorization: app.adminAuth, 'content-type': 'application/json' };
    const post = (body: unknown) =>
      fetch(`${app.url}/users`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    for (const username of ['', 'a:b', 'new\nline', 'with space', 'x'.repeat(129)]) {
      assert.equal(
        (await post({ username, password: 'long-enough-1' })).status,
        422,
        JSON.stringify(username),
      );
    }
    assert.equal((await post({ username: 'bob', password: 'short' })).status, 422);
    assert.equal((await post({ username: 'bob', password: 'long-enough-1', admin: true })).status, 422);
    assert.equal((await post({ username: 'bob', password: 'long-enough-1' })).status, 201);
    assert.equal((await post({ username: 'bob', password: 'long-enough-2' })).status, 409);
    const res = await fetch(`${app.url}/users/admin`, {
      method: 'DELETE',
      headers: { authorization: app.adminAuth },
    });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { code: string }).code, 'conflict');
  });

  test("the administrator's name, in any case, is refused: 409 duplicate_name on create and on update", async (t) => {
    const app = await startTestApp(t);
    const h = { authorization: app.adminAuth, 'content-type': 'application/json' };
    const post = (username: string) =>
      fetch(`${app.url}/users`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ username, password: 'long-enough-1' }),
      });
    for (const username of ['admin', 'Admin', 'ADMIN', 'aDmIn']) {
      const res = await post(username);
      assert.equal(res.status, 409, username);
      const problem = (await res.json()) as { code: string; detail: string };
      assert.equal(problem.code, 'duplicate_name');
      assert.match(problem.detail, /administrator/);
      assert.equal(await app.store.users.get(username), undefined);
    }
    // twin: names that only look alike are ordinary users
    for (const username of ['admin2', 'admins', 'the-admin'])
      assert.equal((await post(username)).status, 201);
    // a user stored under such a name before this was refused can be removed, not changed
    await app.store.users.create({ username: 'Admin', passwordHash: 'scrypt$x', isAdmin: false });
    const patch = (name: string, body: unknown) =>
      fetch(`${app.url}/users/${name}`, { method: 'PATCH', headers: h, body: JSON.stringify(body) });
    let res = await patch('Admin', { password: 'another-pass-2' });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { code: string }).code, 'duplicate_name');
    assert.equal((await app.store.users.get('Admin'))?.passwordHash, 'scrypt$x');
    res = await patch('Admin', { certificate_dn: 'CN=admin,O=Twitcher' });
    assert.equal(res.status, 409);
    assert.equal((await app.store.users.get('Admin'))?.certificateDN, undefined);
    assert.equal((await patch('admin2', { password: 'another-pass-2' })).status, 204);
    res = await fetch(`${app.url}/users/Admin`, {
      method: 'DELETE',
      headers: { authorization: app.adminAuth },
    });
    assert.equal(res.status, 204);
  });

  test('regression: a user named like the administrator no longer stops the next start', async (t) => {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    // the first start without a configured password: the administrator is generated and stored
    const config = loadConfig({
      env: {},
      overrides: { 'database.url': 'sqlite::memory:', 'log.level': 'silent' },
    });
    assert.ok((await ensureAdmin(config, store)).generatedPassword);
    const app = await startTestApp(t, { store });
    const res = await fetch(`${app.url}/users`, {
      method: 'POST',
      headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'long-enough-1' }),
    });
    assert.equal(res.status, 409);
    assert.equal((await store.users.get('admin'))?.isAdmin, true);
    // the next start finds its administrator and runs
    const again = await ensureAdmin(config, store);
    assert.equal(again.generatedPassword, undefined);
    // twin: the state the API used to allow is what stopped it
    const other = await openStore('sqlite::memory:');
    t.after(() => other.close());
    await other.users.create({ username: 'admin', passwordHash: 'scrypt$x', isAdmin: false });
    await assert.rejects(
      ensureAdmin(config, other),
      (err) => err instanceof TwitcherError && err.code === 'duplicate_name',
    );
  });

  test('without the administrator credentials: 401', async (t) => {
    const app = await startTestApp(t);
    assert.equal((await fetch(`${app.url}/users`)).status, 401);
    const res = await fetch(`${app.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'eve', password: 'long-enough-1' }),
    });
    assert.equal(res.status, 401);
    assert.equal(await app.store.users.get('eve'), undefined);
  });
});
