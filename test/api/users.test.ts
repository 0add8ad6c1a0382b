import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
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
