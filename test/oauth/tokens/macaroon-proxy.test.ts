import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attenuateMacaroon } from '../../../src/client/macaroon-attenuate.js';
import { decodeMacaroon, encodeMacaroon } from '../../../src/client/macaroon-codec.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { newToken } from '../../helpers/oauth.js';
import { registerService } from '../../helpers/register.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

/**
 * Macaroons on the proxy, `/ows/verify` and the admin API, with an in-process upstream (the real
 * PyWPS is in test/interop/macaroon-peers.test.ts).
 */
describe('macaroons through the proxy', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'twitcher-macaroon-proxy-'));
  let app: TestApp;
  let upstream: Upstream;
  let token: string;
  const execute = (service: string, process: string) =>
    `${app.url}/ows/proxy/${service}?service=WPS&request=Execute&version=1.0.0&identifier=${process}`;
  // the original method named, as the nginx auth_request recipe sends it to /ows/verify
  const get = (url: string, bearer: string) =>
    fetch(url, { headers: { authorization: `Bearer ${bearer}`, 'x-original-method': 'GET' } });

  before(async () => {
    app = await startTestApp(undefined, { overrides: { 'token.type': 'macaroon', 'token.keyDir': keyDir } });
    upstream = await startUpstream(undefined);
    for (const name of ['emu', 'other']) {
      await registerService(app, { name, url: `${upstream.url}/wps`, type: 'wps', auth: 'token' });
    }
    token = await newToken(app);
  });
  after(async () => {
    await upstream?.close();
    await app?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  test('allowed: the token and a narrowed one on what the caveats allow', async () => {
    assert.match(token, /^Ag/);
    const first = await get(execute('emu', 'hello'), token);
    assert.equal(first.status, 200, await first.text());
    const narrowed = attenuateMacaroon(token, { service: 'emu', process: 'hello', expiresIn: 600 });
    assert.equal((await get(execute('emu', 'hello'), narrowed)).status, 200);
    const verify = await get(
      `${app.url}/ows/verify/emu?service=WPS&request=Execute&version=1.0.0&identifier=hello`,
      narrowed,
    );
    assert.equal(verify.status, 200);
    // without the original method, /verify must assume a body it cannot see: the caveat refuses it
    const unknown = await fetch(
      `${app.url}/ows/verify/emu?service=WPS&request=Execute&version=1.0.0&identifier=hello`,
      { headers: { authorization: `Bearer ${narrowed}` } },
    );
    assert.equal(unknown.status, 403);
  });

  test('denied: another process, another service, another method — 403 naming the caveat', async () => {
    const narrowed = attenuateMacaroon(token, { service: 'emu', process: 'hello', method: 'GET' });
    for (const [url, caveat, init] of [
      [execute('emu', 'sleep'), 'process = hello', {}],
      [execute('other', 'hello'), 'service = emu', {}],
      // the allowed process named in the query of another path: the upstream serves the path
      [
        `${app.url}/ows/proxy/emu/outputs/job.xml?service=WPS&request=Execute&version=1.0.0&identifier=hello`,
        'process = hello',
        {},
      ],
      [
        `${app.url}/ows/proxy/emu`,
        'method = GET',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'service=WPS&request=Execute&version=1.0.0&identifier=hello',
        },
      ],
    ] as const) {
      const headers = { ...('headers' in init ? init.headers : {}), authorization: `Bearer ${narrowed}` };
      const res = await fetch(url, { ...init, headers });
      assert.equal(res.status, 403, url);
      const body = await res.text();
      assert.match(body, /ExceptionReport/);
      assert.ok(body.includes(`its caveat "${caveat}" is not met`), body);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    }
    const verify = await get(
      `${app.url}/ows/verify/emu?service=WPS&request=Execute&version=1.0.0&identifier=sleep`,
      narrowed,
    );
    assert.equal(verify.status, 403);
    assert.equal(((await verify.json()) as { code: string }).code, 'insufficient_scope');
  });

  test('denied: expired, an unknown caveat — 401 invalid_token; public operations still open', async () => {
    const expired = attenuateMacaroon(token, ['time < 2000-01-01T00:00:00Z']);
    const unknown = attenuateMacaroon(token, ['account = 3735928559']);
    for (const [bad, message] of [
      [expired, /expired/],
      [unknown, /does not understand/],
    ] as const) {
      const res = await get(execute('emu', 'hello'), bad);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.match(await res.text(), message);
    }
    const caps = await get(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`, expired);
    assert.equal(caps.status, 200);
  });

  test('regression: every refusal renders as 401, never a 500 (descriptions stay ASCII for WWW-Authenticate)', async () => {
    const m = decodeMacaroon(token);
    const signature = Buffer.from(m.signature);
    signature[0] = signature[0]! ^ 1;
    const tampered = encodeMacaroon({ ...m, signature });
    const foreign = encodeMacaroon({ ...m, location: 'https://other.example.org' });
    const odd = attenuateMacaroon(token, ['caveat = \u00e9t\u00e9 "quoted" \\']);
    for (const bad of [tampered, foreign, odd, `AgEA${'A'.repeat(60)}`]) {
      const res = await get(execute('emu', 'hello'), bad);
      assert.equal(res.status, 401, await res.text());
      assert.match(
        res.headers.get('www-authenticate') ?? '',
        /^Bearer realm="twitcher", error="invalid_token"/,
      );
    }
  });

  test('admin API: a register macaroon works, narrowed to a service it is refused, narrowed in time it works', async () => {
    const register = await newToken(app, ['compute', 'register'], 'register');
    assert.equal((await get(`${app.url}/services`, register)).status, 200);
    const timed = attenuateMacaroon(register, { expiresIn: 60 });
    assert.equal((await get(`${app.url}/services`, timed)).status, 200);
    const bound = attenuateMacaroon(register, { service: 'emu' });
    const res = await get(`${app.url}/services`, bound);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /narrowed to OWS requests/);
    // a compute token narrowed to its own scope only still lacks register
    assert.equal(
      (await get(`${app.url}/services`, attenuateMacaroon(register, { scope: 'compute' }))).status,
      403,
    );
  });

  test('revocation: revoking a narrowed macaroon refuses the one it came from', async () => {
    const own = await newToken(app);
    const narrowed = attenuateMacaroon(own, { process: 'hello' });
    const revoke = await fetch(`${app.url}/tokens/revoke`, {
      method: 'POST',
      headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ token: narrowed }),
    });
    assert.ok(revoke.status < 300, String(revoke.status));
    assert.equal((await get(execute('emu', 'hello'), own)).status, 401);
  });
});
