/**
 * Regression: client token data `{"p": "é€"}` was accepted at registration, then every request on a
 * `passTokenData` service was a 502 (the value cannot be sent in an HTTP header). Token data is now
 * checked where it enters: what cannot travel in a header unchanged is a 422 `validation_failed`
 * naming the field, and what is accepted reaches the upstream byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hashRandomToken } from '../../src/oauth/tokens/random.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { adminRequest, registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const keyDir = mkdtempSync(join(tmpdir(), 'twitcher-token-data-'));
after(() => rmSync(keyDir, { recursive: true, force: true }));

const EXECUTE = '/ows/proxy/optin?service=WPS&request=Execute&version=1.0.0&identifier=hello';
/** Every visible ASCII character, and inner spaces: all of it travels. */
const VISIBLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');

/** Data that cannot travel in a header, and the field the answer must name. */
const REFUSED: [string, Record<string, unknown>, string][] = [
  ['non-ASCII (the reported case)', { p: 'é€' }, 'data.p'],
  ['Latin-1 only', { p: 'café' }, 'data.p'],
  ['CR LF (header injection)', { p: 'a\r\nX-Admin: yes' }, 'data.p'],
  ['LF', { p: 'a\nb' }, 'data.p'],
  ['NUL', { p: 'a\u0000b' }, 'data.p'],
  ['a tab', { p: 'a\tb' }, 'data.p'],
  ['DEL', { p: 'a\u007fb' }, 'data.p'],
  ['a leading space (a receiver strips it)', { p: ' a' }, 'data.p'],
  ['a trailing space', { p: 'a ' }, 'data.p'],
  ['too long', { p: 'x'.repeat(1025) }, 'data.p'],
  ['not a string', { p: 42 }, 'data.p'],
  ['a key with _ (dropped by proxies)', { user_id: '1' }, 'data.user_id'],
  ['a key with a space', { 'a b': '1' }, 'data.a b'],
  ['a key with a non-token character', { 'a:b': '1' }, 'data.a:b'],
  ['a non-ASCII key', { é: '1' }, 'data.é'],
  ['a key starting with -', { '-a': '1' }, 'data.-a'],
  ['a key too long', { ['k'.repeat(65)]: '1' }, `data.${'k'.repeat(65)}`],
  ['two keys of one header name', { Project: 'a', project: 'b' }, 'data.project'],
  ['too large as a whole', { a: 'x'.repeat(1000), b: 'x'.repeat(1000), c: 'x'.repeat(100) }, 'data'],
  ['not an object', { $: ['a'] }, 'data'],
];

/** The body of a client registration for a REFUSED row (`$` stands for the whole data). */
const dataOf = (row: Record<string, unknown>) => ('$' in row ? row['$'] : row);

function assertValidationFailed(res: { status: number; type: string; body: unknown }, field: string) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.match(res.type, /^application\/problem\+json/);
  const body = res.body as { code: string; errors?: { field: string; message: string }[] };
  assert.equal(body.code, 'validation_failed');
  assert.ok(
    body.errors?.some((e) => e.field === field),
    `${field} is named: ${JSON.stringify(body.errors)}`,
  );
}

async function setup(t: Parameters<typeof startTestApp>[0], overrides: Record<string, unknown> = {}) {
  const up = await startUpstream(t);
  const app = await startTestApp(t, { overrides });
  await registerService(app, { name: 'optin', url: `${up.url}/wps`, auth: 'token', passTokenData: true });
  return { up, app };
}

async function proxied(app: TestApp, token: string) {
  const res = await fetch(`${app.url}${EXECUTE}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('token data: refused at the admin API when it cannot travel in a header', () => {
  test('POST /clients: 422 validation_failed naming the field; nothing registered', async (t) => {
    const app = await startTestApp(t);
    for (const [why, row, field] of REFUSED) {
      const res = await adminRequest(app, 'POST', '/clients', { name: 'x', data: dataOf(row) });
      await t.test(why, () => assertValidationFailed(res, field));
    }
    assert.deepEqual(await app.store.clients.list(), []);
  });

  test('PATCH /clients/{id}: 422 naming the field; the data stays as it was', async (t) => {
    const app = await startTestApp(t);
    const c = await addClient(app, { data: { project: 'cmip6' } });
    for (const [why, row, field] of REFUSED) {
      const res = await adminRequest(app, 'PATCH', `/clients/${c.client_id}`, { data: dataOf(row) });
      await t.test(why, () => assertValidationFailed(res, field));
    }
    assert.deepEqual((await app.store.clients.get(c.client_id))?.data, { project: 'cmip6' });
  });

  test('POST /clients/{id}/tokens: 422 for extra data that cannot travel, alone or merged', async (t) => {
    const app = await startTestApp(t);
    const c = await addClient(app, { data: { a: 'x'.repeat(1000) } });
    for (const [why, row, field] of REFUSED) {
      const res = await adminRequest(app, 'POST', `/clients/${c.client_id}/tokens`, { data: dataOf(row) });
      await t.test(why, () => assertValidationFailed(res, field));
    }
    // each part fits, the merge does not
    const res = await adminRequest(app, 'POST', `/clients/${c.client_id}/tokens`, {
      data: { b: 'x'.repeat(1000), c: 'x'.repeat(100) },
    });
    assertValidationFailed(res, 'data');
  });

  test('/oauth/client (the Python Twitcher’s endpoint): 422 for JSON data that cannot travel', async (t) => {
    const app = await startTestApp(t);
    const res = await fetch(`${app.url}/oauth/client`, {
      method: 'POST',
      headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', data: { p: 'é€' } }),
    });
    assert.equal(res.status, 422);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    assert.deepEqual(await app.store.clients.list(), []);
  });
});

describe('token data: what is accepted reaches a passTokenData upstream unchanged', () => {
  for (const kind of ['random', 'signed', 'custom', 'macaroon']) {
    test(`${kind}: every visible ASCII character, inner spaces, an empty value; extra data over the client's`, async (t) => {
      const { up, app } = await setup(t, {
        'token.type': kind,
        'token.keyDir': keyDir,
        'token.secret': 'a-shared-secret-of-at-least-32-chars!',
      });
      const data = { Visible: VISIBLE, spaced: 'a  b c', empty: '', Project: 'cmip6' };
      const created = await adminRequest(app, 'POST', '/clients', { name: 'x', data });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body.data, data);
      const issued = await adminRequest(app, 'POST', `/clients/${created.body.client_id}/tokens`, {
        data: { project: 'cordex' },
      });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      assert.equal(await proxied(app, issued.body.access_token), 200);
      const seen = up.seen[0]?.headers;
      assert.equal(seen?.['x-twitcher-data-visible'], VISIBLE);
      assert.equal(seen?.['x-twitcher-data-spaced'], 'a  b c');
      assert.equal(seen?.['x-twitcher-data-empty'], '');
      // the key given at issue replaced the client's key of the same header name
      assert.equal(seen?.['x-twitcher-data-project'], 'cordex');
    });
  }
});

describe('token data stored before these checks', () => {
  test('a client whose stored data cannot travel gets no token (422), and PATCH repairs it', async (t) => {
    const { app } = await setup(t);
    const c = await addClient(app);
    // as an older Twitcher would have stored it
    await app.store.clients.update(c.client_id, { data: { p: 'é€' } });
    const refused = await fetchToken(app, c, 'compute');
    assert.equal(refused.status, 422);
    assert.equal(refused.body['error'], 'invalid_request');
    const patched = await adminRequest(app, 'PATCH', `/clients/${c.client_id}`, { data: { p: 'e' } });
    assert.equal(patched.status, 200);
    const allowed = await fetchToken(app, c, 'compute');
    assert.equal(allowed.status, 200);
    assert.equal(await proxied(app, String(allowed.body['access_token'])), 200);
  });

  test('a token carrying such data is 401 invalid_token, never a 502', async (t) => {
    const { up, app } = await setup(t);
    const c = await addClient(app);
    const stored = (token: string, data: Record<string, string>) =>
      app.store.tokens.insert({
        jti: token.slice(3, 19),
        tokenHash: hashRandomToken(token),
        clientId: c.client_id,
        scopes: ['compute'],
        data,
        issuedAt: Math.floor(Date.now() / 1000),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      });
    const bad = `tw_${'B'.repeat(43)}`;
    const good = `tw_${'G'.repeat(43)}`;
    await stored(bad, { p: 'é€' });
    await stored(good, { p: 'e' });
    assert.equal(await proxied(app, bad), 401);
    assert.equal(await proxied(app, good), 200);
    assert.equal(up.seen.length, 1);
  });
});
