import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('OAuth: client registration', () => {
  test("/oauth/client answers the Python Twitcher's shape; the secret is shown once and stored hashed", async (t) => {
    const app = await startTestApp(t);
    const res = await fetch(`${app.url}/oauth/client?name=demo&redirect_uri=http://localhost/cb`, {
      headers: { authorization: app.adminAuth },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const c = (await res.json()) as Record<string, unknown>;
    assert.equal(c['name'], 'demo');
    assert.match(String(c['client_id']), /^[0-9a-f]{32}$/);
    assert.ok(String(c['client_secret']).length >= 40);
    assert.deepEqual(c['scope'], ['compute']);
    const stored = await app.store.clients.get(String(c['client_id']));
    assert.ok(stored && stored.secretHash !== c['client_secret']);
    const listed = (await (
      await fetch(`${app.url}/clients`, { headers: { authorization: app.adminAuth } })
    ).json()) as object[];
    assert.ok(!JSON.stringify(listed).includes(String(c['client_secret'])));
  });

  test('/oauth/client without admin credentials is 401 and registers nothing', async (t) => {
    const app = await startTestApp(t);
    const res = await fetch(`${app.url}/oauth/client?name=demo`);
    assert.equal(res.status, 401);
    assert.ok(res.headers.get('www-authenticate'));
    assert.deepEqual(await app.store.clients.list(), []);
  });

  test('admin API: list, get, patch scopes and data, delete; unknown scope refused', async (t) => {
    const app = await startTestApp(t);
    const h = { authorization: app.adminAuth, 'content-type': 'application/json' };
    const c = await addClient(app, { scopes: ['compute'], data: { project: 'cmip6' } });
    let res = await fetch(`${app.url}/clients/${c.client_id}`, {
      method: 'PATCH',
      headers: h,
      body: JSON.stringify({ scopes: ['compute', 'register'], data: { project: 'cordex', 'user-id': '7' } }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { scopes: string[] }).scopes, ['compute', 'register']);
    res = await fetch(`${app.url}/clients`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ scopes: ['admin'] }),
    });
    assert.equal(res.status, 422);
    res = await fetch(`${app.url}/clients`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ data: { 'bad key': 'x' } }),
    });
    assert.equal(res.status, 422);
    res = await fetch(`${app.url}/clients/${c.client_id}`, {
      method: 'DELETE',
      headers: { authorization: app.adminAuth },
    });
    assert.equal(res.status, 204);
    res = await fetch(`${app.url}/clients/${c.client_id}`, { headers: { authorization: app.adminAuth } });
    assert.equal(res.status, 404);
  });
});

describe('OAuth: token endpoint (client credentials)', () => {
  test('Basic client authentication gives a Bearer token with no-store', async (t) => {
    const app = await startTestApp(t);
    const c = await addClient(app);
    const { status, body, headers } = await fetchToken(app, c, 'compute');
    assert.equal(status, 200);
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['expires_in'], 3600);
    assert.equal(body['scope'], 'compute');
    assert.match(String(body['access_token']), /^tw_/);
    assert.equal(headers.get('cache-control'), 'no-store');
  });

  test('form parameters and the query-string form of the Python Twitcher work too', async (t) => {
    const app = await startTestApp(t);
    const c = await addClient(app);
    let res = await fetch(`${app.url}/oauth/token`, {
      method: 'POST',
      headers: FORM,
      body: form({
        grant_type: 'client_credentials',
        client_id: c.client_id,
        client_secret: c.client_secret,
      }),
    });
    assert.equal(res.status, 200);
    res = await fetch(
      `${app.url}/oauth/token?grant_type=client_credentials&client_id=${c.client_id}&client_secret=${c.client_secret}`,
    );
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { token_type: string }).token_type, 'Bearer');
  });

  test('a wrong secret and an unknown client are the same invalid_client 401 with WWW-Authenticate', async (t) => {
    const app = await startTestApp(t);
    const c = await addClient(app);
    for (const creds of [
      { client_id: c.client_id, client_secret: 'wrong' },
      { client_id: 'nobody', client_secret: c.client_secret },
    ]) {
      const { status, body, headers } = await fetchToken(app, creds);
      assert.equal(status, 401);
      assert.equal(body['error'], 'invalid_client');
      assert.ok(headers.get('www-authenticate')?.startsWith('Basic'));
    }
  });

  test('unknown grant types, missing and duplicated parameters, and two client authentications are refused', async (t) => {
    const app = await startTestApp(t);
    const c = await addClient(app);
    const basic = `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`;
    const post = (body: string, extra: Record<string, string> = {}) =>
      fetch(`${app.url}/oauth/token`, {
        method: 'POST',
        headers: { ...FORM, authorization: basic, ...extra },
        body,
      });
    let res = await post(form({ grant_type: 'password' }));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'unsupported_grant_type');
    res = await post('');
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    res = await post('grant_type=client_credentials&grant_type=client_credentials');
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    res = await post(form({ grant_type: 'client_credentials', client_secret: c.client_secret }));
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
  });

  test('a scope the client may not ask for is invalid_scope; register only when granted and asked for', async (t) => {
    const app = await startTestApp(t);
    const plain = await addClient(app);
    let r = await fetchToken(app, plain, 'register');
    assert.equal(r.status, 400);
    assert.equal(r.body['error'], 'invalid_scope');
    r = await fetchToken(app, plain, 'compute magic');
    assert.equal(r.body['error'], 'invalid_scope');
    const admin = await addClient(app, { scopes: ['compute', 'register'] });
    r = await fetchToken(app, admin);
    assert.equal(r.body['scope'], 'compute');
    r = await fetchToken(app, admin, 'compute register');
    assert.equal(r.body['scope'], 'compute register');
  });

  test('nothing is stored for a refused request', async (t) => {
    const app = await startTestApp(t);
    const c = await addClient(app);
    await fetchToken(app, { client_id: c.client_id, client_secret: 'wrong' });
    await fetchToken(app, c, 'register');
    const n = await app.store.tokens.purgeExpired(Number.MAX_SAFE_INTEGER);
    assert.equal(n, 0);
  });
});
