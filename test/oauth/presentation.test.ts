import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hashRandomToken } from '../../src/oauth/tokens/random.js';
import { startTestApp } from '../helpers/app.js';
import { addClient, fetchToken, newToken } from '../helpers/oauth.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const EXECUTE = '?service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name=x';
const keyDir = mkdtempSync(join(tmpdir(), 'twitcher-keys-'));
after(() => rmSync(keyDir, { recursive: true, force: true }));

async function setup(t: Parameters<typeof startTestApp>[0], overrides: Record<string, unknown> = {}) {
  const up = await startUpstream(t);
  const app = await startTestApp(t, { overrides });
  await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
  return { up, app };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('OAuth: tokens on the proxy', () => {
  test('Execute with Authorization: Bearer is forwarded, and the token never reaches the upstream', async (t) => {
    const { up, app } = await setup(t);
    const token = await newToken(app);
    const res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) });
    assert.equal(res.status, 200);
    assert.ok(!JSON.stringify(up.seen).includes(token));
    assert.equal(up.seen[0]?.headers.authorization, undefined);
  });

  test('the access_token query parameter and form field work and are stripped', async (t) => {
    const { up, app } = await setup(t);
    const token = await newToken(app);
    let res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}&access_token=${token}`);
    assert.equal(res.status, 200);
    res = await fetch(`${app.url}/ows/proxy/emu`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `service=WPS&request=Execute&version=1.0.0&identifier=hello&access_token=${token}`,
    });
    assert.equal(res.status, 200);
    assert.equal(up.seen.length, 2);
    assert.ok(!JSON.stringify(up.seen.map((s) => [s.url, s.body.toString()])).includes(token));
  });

  test('no token: 401 with a Bearer challenge; a bad token: 401 invalid_token; two tokens: 400', async (t) => {
    const { up, app } = await setup(t);
    const token = await newToken(app);
    let res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="twitcher"');
    res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer('tw_not-a-real-token') });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.match(await res.text(), /ExceptionReport/);
    res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}&access_token=${token}`, { headers: bearer(token) });
    assert.equal(res.status, 400);
    assert.equal(up.seen.length, 0);
  });

  test('an expired token is 401 invalid_token', async (t) => {
    const { app } = await setup(t);
    const c = await addClient(app);
    const token = `tw_${'A'.repeat(43)}`;
    await app.store.tokens.insert({
      jti: 'expired-1',
      tokenHash: hashRandomToken(token),
      clientId: c.client_id,
      scopes: ['compute'],
      data: {},
      issuedAt: 1000,
      expiresAt: 2000,
    });
    const res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) });
    assert.equal(res.status, 401);
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /error="invalid_token", error_description="The access token expired\."/,
    );
  });

  test('a token without the compute scope is 403 insufficient_scope in an ExceptionReport', async (t) => {
    const { up, app } = await setup(t);
    const token = await newToken(app, ['register'], 'register');
    const res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="compute"/);
    assert.match(res.headers.get('content-type') ?? '', /xml/);
    assert.match(await res.text(), /ExceptionReport/);
    assert.equal(up.seen.length, 0);
  });

  test('a public operation does not look at the token (a stale one does not break GetCapabilities)', async (t) => {
    const { app } = await setup(t);
    const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`, {
      headers: bearer('tw_stale'),
    });
    assert.equal(res.status, 200);
  });

  test('a revoked token is refused at once; introspection says active, then inactive', async (t) => {
    const { app } = await setup(t);
    const c = await addClient(app);
    const token = String((await fetchToken(app, c)).body['access_token']);
    const basic = `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`;
    const introspect = async () =>
      (await (
        await fetch(`${app.url}/oauth/introspect`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: `token=${token}`,
        })
      ).json()) as Record<string, unknown>;
    const before = await introspect();
    assert.equal(before['active'], true);
    assert.equal(before['client_id'], c.client_id);
    assert.equal(before['scope'], 'compute');
    assert.equal((await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) })).status, 200);
    const res = await fetch(`${app.url}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
    });
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) })).status, 401);
    assert.deepEqual(await introspect(), { active: false });
  });

  test("a client cannot revoke or introspect another client's token", async (t) => {
    const { app } = await setup(t);
    const token = await newToken(app);
    const other = await addClient(app);
    const basic = `Basic ${Buffer.from(`${other.client_id}:${other.client_secret}`).toString('base64')}`;
    const res = await fetch(`${app.url}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
    });
    assert.equal(res.status, 400);
    assert.equal((await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) })).status, 200);
  });
});

describe('OAuth: the register scope on the admin API', () => {
  test('a token with register may register services; a compute token may not; Basic still works', async (t) => {
    const app = await startTestApp(t);
    const reg = await newToken(app, ['compute', 'register'], 'register');
    const compute = await newToken(app);
    const body = JSON.stringify({ name: 'emu', url: 'http://127.0.0.1:5000/wps' });
    const h = { 'content-type': 'application/json' };
    let res = await fetch(`${app.url}/services`, {
      method: 'POST',
      headers: { ...h, ...bearer(compute) },
      body,
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'insufficient_scope');
    res = await fetch(`${app.url}/services`, {
      method: 'POST',
      headers: { ...h, ...bearer('tw_bogus') },
      body,
    });
    assert.equal(res.status, 401);
    res = await fetch(`${app.url}/services`, { method: 'POST', headers: { ...h, ...bearer(reg) }, body });
    assert.equal(res.status, 201);
    res = await fetch(`${app.url}/clients`, { headers: bearer(reg) });
    assert.equal(res.status, 401, 'the register scope opens the registry only');
  });
});

describe('OAuth: data carried with a token', () => {
  test('passed as headers to upstreams that opt in, never to others; client-sent ones dropped', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'optin', url: `${up.url}/a`, auth: 'token', passTokenData: true });
    await registerService(app, { name: 'plain', url: `${up.url}/b`, auth: 'token' });
    const c = await addClient(app, { data: { project: 'cmip6', 'User-Id': '42' } });
    const res = await fetch(`${app.url}/clients/${c.client_id}/tokens`, {
      method: 'POST',
      headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { workflow: 'w17' } }),
    });
    assert.equal(res.status, 201);
    const token = String(((await res.json()) as { access_token: string }).access_token);
    const forged = { 'x-twitcher-data-project': 'forged', 'X-Twitcher-Data-Admin': 'yes' };
    await rawRequest(app.url, `/ows/proxy/optin${EXECUTE}`, { headers: { ...bearer(token), ...forged } });
    await rawRequest(app.url, `/ows/proxy/plain${EXECUTE}`, { headers: { ...bearer(token), ...forged } });
    const [optin, plain] = up.seen;
    assert.equal(optin?.headers['x-twitcher-data-project'], 'cmip6');
    assert.equal(optin?.headers['x-twitcher-data-user-id'], '42');
    assert.equal(optin?.headers['x-twitcher-data-workflow'], 'w17');
    assert.equal(optin?.headers['x-twitcher-data-admin'], undefined);
    assert.deepEqual(
      Object.keys(plain?.headers ?? {}).filter((k) => k.startsWith('x-twitcher-data-')),
      [],
    );
  });
});

describe('OAuth: signed and custom tokens', () => {
  const kinds: [string, Record<string, unknown>][] = [
    ['signed', { 'token.type': 'signed', 'token.keyDir': keyDir }],
    ['custom', { 'token.type': 'custom', 'token.secret': 'a-shared-secret-of-at-least-32-chars!' }],
  ];
  for (const [kind, overrides] of kinds) {
    test(`${kind} tokens: issued as JWTs, accepted on the proxy, refused when tampered with or revoked`, async (t) => {
      const { app } = await setup(t, overrides);
      const c = await addClient(app);
      const token = String((await fetchToken(app, c)).body['access_token']);
      assert.equal(token.split('.').length, 3);
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
      assert.equal(payload['sub'], c.client_id);
      assert.equal(payload['scope'], 'compute');
      assert.equal(payload['iss'], app.config.server.url);
      assert.equal(
        (await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) })).status,
        200,
      );
      const forgedPayload = Buffer.from(JSON.stringify({ ...payload, scope: 'compute register' })).toString(
        'base64url',
      );
      const [h, , s] = token.split('.');
      const res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, {
        headers: bearer(`${h}.${forgedPayload}.${s}`),
      });
      assert.equal(res.status, 401);
      const revoke = await fetch(`${app.url}/tokens/revoke`, {
        method: 'POST',
        headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      assert.equal(revoke.status, 204);
      assert.equal(
        (await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: bearer(token) })).status,
        401,
      );
    });
  }

  test('signed tokens: the key is published at /.well-known/jwks.json with its certificate', async (t) => {
    const { app } = await setup(t, { 'token.type': 'signed', 'token.keyDir': keyDir });
    const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; alg: string; x5c?: string[]; d?: string }[];
    };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]?.alg, 'RS256');
    assert.ok(jwks.keys[0]?.x5c?.length);
    assert.equal(jwks.keys[0]?.d, undefined, 'the private key must not be published');
  });
});
