/**
 * Red team of issue 13's admin API move to TypeBox + ajv: what the hand-written checks accepted must
 * still be accepted, and what they refused still refused (no coercion, no unknown member kept, the
 * credentials before any 422). Compared request by request with the base commit's app.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('red team 13: admin API validation', () => {
  let t: TestApp;
  let aliceAuth: string;

  const send = async (method: string, path: string, body?: unknown, auth: string | null = t.adminAuth) => {
    const headers: Record<string, string> = {};
    if (auth !== null) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(t.url + path, {
      method,
      headers,
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const svc = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    url: 'http://upstream.example/wps',
    type: 'wps',
    ...extra,
  });

  before(async () => {
    t = await startTestApp(undefined);
    assert.equal((await send('POST', '/services', svc('svc'))).status, 201);
    assert.equal(
      (await send('POST', '/users', { username: 'alice', password: 'alice-password-123' })).status,
      201,
    );
    aliceAuth = `Basic ${Buffer.from('alice:alice-password-123').toString('base64')}`;
  });
  after(() => t.close());

  // null stood for "absent" in the hand checks of these members
  test('allowed: a null service name is generated (POST) or taken from the path (PUT), as before', async () => {
    const created = await send('POST', '/services', svc('', { name: null }));
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.match(created.json.name, /^[a-z]+_[a-z]+$/);
    const put = await send('PUT', '/services/svc', svc('', { name: null }));
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json.name, 'svc');
  });

  test('denied: a service name that is not a string or null', async () => {
    for (const name of [5, true, ['svc'], {}]) {
      const res = await send('POST', '/services', svc('', { name }));
      assert.equal(res.status, 422, JSON.stringify(name));
      assert.deepEqual(res.json.errors, [{ field: 'name', message: 'must be a string' }]); // the base's message
    }
  });

  test('allowed: null client data is no data, as before', async () => {
    const res = await send('POST', '/clients', { name: 'c-null-data', data: null });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.deepEqual(res.json.data, {});
  });

  test('denied: client data that is not an object of strings or null', async () => {
    for (const data of [5, 'x', [], ['a'], { a: 1 }, { a: null }]) {
      const res = await send('POST', '/clients', { name: 'c-bad-data', data });
      assert.equal(res.status, 422, JSON.stringify(data));
    }
  });

  test('allowed: a null grant scope or access is the default (recursive, allow), as before', async () => {
    const res = await send('POST', '/permissions', {
      user: 'alice',
      service: 'svc',
      permission: 'getcapabilities',
      access: null,
      scope: null,
    });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.equal(res.json.access, 'allow');
    assert.equal(res.json.scope, 'recursive');
  });

  test('denied: a grant scope or access outside its words', async () => {
    for (const extra of [{ scope: 'all' }, { access: 'maybe' }, { access: true }, { scope: 1 }]) {
      const res = await send('POST', '/permissions', {
        user: 'alice',
        service: 'svc',
        permission: 'describeprocess',
        ...extra,
      });
      assert.equal(res.status, 422, JSON.stringify(extra));
    }
  });

  // found unchanged; kept as guards of the move
  test('denied: no coercion, unknown members refused (not dropped), __proto__ and constructor keys refused', async () => {
    const bodies: unknown[] = [
      svc('s-coerce', { public: 'true' }),
      svc('s-coerce2', { verify: 'false' }),
      svc('s-coerce3', { limits: { maxConcurrent: '5' } }),
      svc('s-extra', { owner: 'alice' }),
    ];
    for (const body of bodies)
      assert.equal((await send('POST', '/services', body)).status, 422, JSON.stringify(body));
    for (const raw of [
      '{"name":"s-proto","url":"http://u.example/","type":"wps","__proto__":{"auth":"public"}}',
      '{"name":"s-ctor","url":"http://u.example/","type":"wps","constructor":{"prototype":{"auth":"public"}}}',
    ]) {
      assert.equal((await send('POST', '/services', raw)).status, 400, raw);
    }
    const bob = { username: 'bob', password: 'bob-password-1234' };
    assert.equal((await send('PATCH', '/users/alice', { isAdmin: 'true' })).status, 422);
    assert.equal((await send('POST', '/users', { ...bob, password: 12345678901234 })).status, 422);
    for (const name of ['s-coerce', 's-coerce2', 's-coerce3', 's-extra', 's-proto', 's-ctor']) {
      assert.equal((await send('GET', `/services/${name}`)).status, 404, name);
    }
    assert.equal((await send('GET', '/users/bob')).status, 404);
  });

  test('allowed: the same bodies well typed', async () => {
    assert.equal(
      (await send('POST', '/services', svc('s-typed', { public: true, verify: false }))).status,
      201,
    );
    const bob = await send('POST', '/users', {
      username: 'bob',
      password: 'bob-password-1234',
    });
    assert.equal(bob.status, 201, JSON.stringify(bob.json));
  });

  test('denied: anonymous callers and users who are not the administrator get 401 before any 422', async () => {
    for (const [method, path, body] of [
      ['POST', '/services', { bogus: 1 }],
      ['POST', '/permissions', { user: 'alice', group: 'x' }],
      ['PATCH', '/users/alice', { isAdmin: true }],
      ['POST', '/clients', { name: 5 }],
    ] as const) {
      assert.equal((await send(method, path, body, null)).status, 401, `${method} ${path} anonymous`);
      assert.equal((await send(method, path, body, aliceAuth)).status, 401, `${method} ${path} alice`);
    }
  });

  test('denied: a grant to both a user and a group', async () => {
    assert.equal((await send('POST', '/groups', { name: 'team' })).status, 201);
    const res = await send('POST', '/permissions', {
      user: 'alice',
      group: 'team',
      service: 'svc',
      permission: 'execute',
      access: 'allow',
    });
    assert.equal(res.status, 422);
  });
});
