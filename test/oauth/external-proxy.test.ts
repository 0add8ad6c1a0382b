import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { OTHER_RESOURCE, startProvider } from '../helpers/oidc-provider.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const EXECUTE = '?service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name=x';

describe('OAuth: tokens of an external OpenID provider (oidc-provider in Keycloak’s place) on the proxy', () => {
  test('a trusted issuer’s client-credentials token opens Execute; wrong audience and untrusted issuer do not', async (t) => {
    const provider = await startProvider();
    t.after(() => provider.stop());
    const stranger = await startProvider();
    t.after(() => stranger.stop());
    const up = await startUpstream(t);
    const app = await startTestApp(t, {
      overrides: { 'token.trustedIssuers': [{ issuer: provider.issuer, audience: 'twitcher' }] },
    });
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const call = (token: string) =>
      fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, { headers: { authorization: `Bearer ${token}` } });

    assert.equal((await call(await provider.token())).status, 200);
    const wrongAudience = await call(await provider.token({ resource: OTHER_RESOURCE }));
    assert.equal(wrongAudience.status, 401);
    assert.match(wrongAudience.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal((await call(await stranger.token())).status, 401);
    assert.equal(up.seen.length, 1);
  });

  test('an unreachable provider denies (503), never allows', async (t) => {
    const provider = await startProvider();
    const token = await provider.token();
    await provider.stop();
    const up = await startUpstream(t);
    const app = await startTestApp(t, {
      overrides: { 'token.trustedIssuers': [{ issuer: provider.issuer, audience: 'twitcher' }] },
    });
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const res = await fetch(`${app.url}/ows/proxy/emu${EXECUTE}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 503);
    assert.equal(up.seen.length, 0);
  });

  test('token.type keycloak: Twitcher issues no token itself', async (t) => {
    const provider = await startProvider();
    t.after(() => provider.stop());
    const app = await startTestApp(t, {
      overrides: {
        'token.type': 'keycloak',
        'token.trustedIssuers': [{ issuer: provider.issuer, audience: 'twitcher' }],
      },
    });
    const c = await addClient(app);
    const r = await fetchToken(app, c);
    assert.equal(r.status, 400);
    assert.equal(r.body['error'], 'unsupported_grant_type');
  });
});
