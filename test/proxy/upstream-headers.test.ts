import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { addClient } from '../helpers/oauth.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

/** Headers an upstream may trust, as a hostile client spells them on the wire. */
const FORGED: Record<string, string> = {
  'X-Ssl-Client-Verify': 'SUCCESS',
  'x-ssl-client-i-dn': 'CN=Forged CA',
  'X-SSL-CLIENT-ESCAPED-CERT': 'forged',
  'X-Ssl-Client-Serial': '01',
  'X-Ssl-Client-Fingerprint': 'ab:cd',
  X_SSL_CLIENT_VERIFY: 'SUCCESS',
  X_SSL_CLIENT_S_DN: 'CN=admin',
  X_Forwarded_For: '6.6.6.6',
  'X.Remote.User': 'admin',
  'X-Remote-User': 'admin',
  'Remote-User': 'admin',
  'X-Forwarded-User': 'admin',
  'X-Auth-Request-Email': 'admin@example.org',
  'X-Original-URL': '/admin',
  'X-Rewrite-URL': '/admin',
  'True-Client-IP': '6.6.6.6',
  'X-Real-IP': '6.6.6.6',
  'X-HTTP-Method-Override': 'DELETE',
  Proxy: 'http://evil.example:3128',
  Forwarded: 'for=6.6.6.6;proto=https;host=evil',
  'X-Forwarded-For': '6.6.6.6',
  'X-Forwarded-Host': 'evil',
};

/** Their twins and the end-to-end headers of OGC clients: all reach the upstream as sent. */
const KEPT: Record<string, string> = {
  Accept: 'application/xml',
  'Accept-Language': 'fr, en;q=0.5',
  'Cache-Control': 'no-cache',
  'If-None-Match': '"v1"',
  Range: 'bytes=0-99',
  Prefer: 'respond-async',
  'User-Agent': 'OWSLib/0.29',
  'X-Custom-Verify': 'kept',
  'X-Remotely': 'kept',
  'X-Origin': 'kept',
};

describe('proxy: the headers an upstream receives', () => {
  test('headers an upstream may trust are dropped or replaced; end-to-end ones arrive as sent', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'open', url: `${up.url}/wps`, auth: 'public' });
    const res = await rawRequest(app.url, '/ows/proxy/open/data/tas.nc', {
      method: 'POST',
      headers: { ...FORGED, ...KEPT, 'Content-Type': 'application/octet-stream' },
      body: 'abc',
    });
    assert.equal(res.status, 200);
    const seen = up.seen.at(-1);
    assert.ok(seen);
    assert.equal(seen.method, 'POST', 'the method Twitcher judged, whatever X-HTTP-Method-Override says');
    assert.equal(seen.url, '/wps/data/tas.nc');
    assert.deepEqual(
      Object.keys(seen.headers).filter((name) => /[^a-z0-9-]/.test(name)),
      [],
      'no name that CGI or WSGI would read as another',
    );
    for (const name of Object.keys(FORGED)) {
      const got = seen.headers[name.toLowerCase()];
      assert.ok(
        got === undefined || (!String(got).includes('6.6.6.6') && !String(got).includes('evil')),
        name,
      );
    }
    for (const name of ['x-ssl-client-verify', 'x-remote-user', 'remote-user', 'x-forwarded-user', 'proxy'])
      assert.equal(seen.headers[name], undefined, name);
    for (const [name, value] of Object.entries(KEPT))
      assert.equal(seen.headers[name.toLowerCase()], value, name);
    assert.equal(seen.headers['content-type'], 'application/octet-stream');
    assert.equal(seen.body.toString(), 'abc');
    const host = new URL(app.url).host;
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-host'], host);
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-prefix'], '/ows/proxy/open');
    assert.equal(seen.headers['forwarded'], `for=127.0.0.1;host="${host}";proto=http`);
    assert.equal(seen.headers.host, `127.0.0.1:${up.port}`);
  });

  test('token data arrives under a prefix that a drop rule matches; the client’s own never does', async (t) => {
    const up = await startUpstream(t);
    // X-Auth-* is dropped from clients; as the configured data prefix it is Twitcher's to set
    const app = await startTestApp(t, { overrides: { 'token.dataHeaderPrefix': 'X-Auth-Data-' } });
    await registerService(app, { name: 'optin', url: `${up.url}/a`, auth: 'token', passTokenData: true });
    await registerService(app, { name: 'plain', url: `${up.url}/b`, auth: 'token' });
    const c = await addClient(app, { data: { project: 'cmip6' } });
    const res = await fetch(`${app.url}/clients/${c.client_id}/tokens`, {
      method: 'POST',
      headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    assert.equal(res.status, 201);
    const token = String(((await res.json()) as { access_token: string }).access_token);
    const headers = {
      authorization: `Bearer ${token}`,
      'X-Auth-Data-Project': 'forged',
      'X-Auth-Data-Admin': 'yes',
      X_Auth_Data_Role: 'admin',
    };
    const query = '?service=WPS&version=1.0.0&request=Execute&identifier=x';
    assert.equal((await rawRequest(app.url, `/ows/proxy/optin${query}`, { headers })).status, 200);
    assert.equal((await rawRequest(app.url, `/ows/proxy/plain${query}`, { headers })).status, 200);
    const [optin, plain] = up.seen;
    assert.equal(optin?.headers['x-auth-data-project'], 'cmip6');
    assert.equal(optin?.headers['x-auth-data-admin'], undefined);
    assert.equal(optin?.headers['x_auth_data_role'], undefined);
    assert.deepEqual(
      Object.keys(plain?.headers ?? {}).filter((k) => k.startsWith('x-auth') || k.startsWith('x_auth')),
      [],
    );
  });
});
