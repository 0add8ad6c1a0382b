/**
 * The rate limits through a running Twitcher, counted in memory: each scope's allowed answers carry
 * the remaining budget, the request past it is a 429 in the surface's format (an OWS ExceptionReport
 * on /ows/proxy, the verify JSON on /ows/verify) with Retry-After, and its twin (another client,
 * address or service) is still allowed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken, newToken } from '../helpers/oauth.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const CAPS = '?service=WPS&request=GetCapabilities';
const EXECUTE = '?service=WPS&request=Execute&version=1.0.0&identifier=hello';

async function setup(t: test.TestContext, overrides: Record<string, unknown>): Promise<TestApp> {
  const up = await startUpstream(t);
  const app = await startTestApp(t, { overrides });
  await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
  await registerService(app, { name: 'hummingbird', url: `${up.url}/wps`, auth: 'token' });
  return app;
}

function get(app: TestApp, path: string, headers: Record<string, string> = {}) {
  return fetch(`${app.url}${path}`, { headers });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A token of a new client with the compute scope, and its client id. */
async function clientToken(app: TestApp): Promise<{ id: string; token: string }> {
  const client = await addClient(app, { scopes: ['compute'] });
  const { body } = await fetchToken(app, client);
  return { id: client.client_id, token: body['access_token'] as string };
}

/** The 429 as OWSLib would read it: an ows:ExceptionReport, NoApplicableCode, with the reason. */
async function assertOWS429(res: Response, reason: RegExp, window = 60): Promise<void> {
  assert.equal(res.status, 429);
  assert.match(res.headers.get('content-type') ?? '', /xml/);
  const body = await res.text();
  assert.match(body, /<ExceptionReport [^>]*xmlns="http:\/\/www\.opengis\.net\/ows\/1\.1"/);
  assert.match(body, /exceptionCode="NoApplicableCode"/);
  assert.match(body, reason);
  const wait = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= window, `Retry-After ${wait}`);
}

describe('rate limits in memory, through the proxy', () => {
  test('address: every request counts (refused ones too), the answers say what remains, then 429; another address is still served', async (t) => {
    const app = await setup(t, {
      'server.trustProxy': ['127.0.0.1'],
      'ratelimit.address': { requests: 3, per: '1m' },
    });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const first = await get(app, `/ows/proxy/emu${CAPS}`, from('10.0.0.1'));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('ratelimit-policy'), '"address";q=3;w=60');
    assert.match(first.headers.get('ratelimit') ?? '', /^"address";r=2;t=\d+$/);
    // a bad token and an unknown service cost too
    const badToken = await get(app, `/ows/proxy/emu${EXECUTE}`, { ...from('10.0.0.1'), ...bearer('nope') });
    assert.equal(badToken.status, 401);
    // a refusal says what remains too
    assert.match(badToken.headers.get('ratelimit') ?? '', /^"address";r=1;/);
    assert.equal((await get(app, `/ows/proxy/nosuch${CAPS}`, from('10.0.0.1'))).status, 404);
    const refused = await get(app, `/ows/proxy/emu${CAPS}`, from('10.0.0.1'));
    await assertOWS429(refused, /Too many requests from this address: at most 3 every 60 s/);
    assert.match(refused.headers.get('ratelimit') ?? '', /^"address";r=0;t=\d+$/);
    assert.equal(refused.headers.get('ratelimit-policy'), '"address";q=3;w=60');
    // twin: another address has its own budget
    const other = await get(app, `/ows/proxy/emu${CAPS}`, from('10.0.0.2'));
    assert.equal(other.status, 200);
    assert.match(other.headers.get('ratelimit') ?? '', /^"address";r=2;/);
  });

  test('client: allowed requests of one client count, then 429; another client is still served', async (t) => {
    const app = await setup(t, { 'ratelimit.client': { requests: 2, per: '1m' } });
    const a = await clientToken(app);
    const b = await clientToken(app);
    for (const remaining of [1, 0]) {
      const res = await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), '"client";q=2;w=60');
      assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`^"client";r=${remaining};t=\\d+$`));
    }
    await assertOWS429(
      await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token)),
      /Too many requests from this client: at most 2 every 60 s/,
    );
    assert.equal((await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(b.token))).status, 200);
    // public operations carry no client: never counted against one
    assert.equal((await get(app, `/ows/proxy/emu${CAPS}`, bearer(a.token))).status, 200);
  });

  test('client: a refused request (wrong scope) spends nothing of its client', async (t) => {
    const app = await setup(t, { 'ratelimit.client': { requests: 1, per: '1m' } });
    const noCompute = await newToken(app, ['register']);
    for (let i = 0; i < 3; i++) {
      assert.equal((await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(noCompute))).status, 403);
    }
    const a = await clientToken(app);
    assert.equal((await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token))).status, 200);
    assert.equal((await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token))).status, 429);
  });

  test('service: all callers together, then 429 on that service; another service is still served', async (t) => {
    const app = await setup(t, { 'ratelimit.service': { requests: 2, per: '1m' } });
    assert.equal((await get(app, `/ows/proxy/emu${CAPS}`)).status, 200);
    const a = await clientToken(app);
    const second = await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token));
    assert.equal(second.status, 200);
    assert.match(second.headers.get('ratelimit') ?? '', /^"service";r=0;/);
    await assertOWS429(
      await get(app, `/ows/proxy/emu${CAPS}`),
      /Too many requests to this service \(all callers together\)/,
    );
    assert.equal((await get(app, `/ows/proxy/hummingbird${CAPS}`)).status, 200);
  });

  test('a reserve: burst requests past the window, then 429; both policies announced', async (t) => {
    const app = await setup(t, { 'ratelimit.service': { requests: 2, per: '1m', burst: 1 } });
    for (let i = 0; i < 3; i++) {
      const res = await get(app, `/ows/proxy/emu${CAPS}`);
      assert.equal(res.status, 200, `request ${i + 1}`);
      assert.equal(res.headers.get('ratelimit-policy'), '"service";q=2;w=60, "service-burst";q=1;w=600');
    }
    await assertOWS429(
      await get(app, `/ows/proxy/emu${CAPS}`),
      /at most 2 every 60 s \(and 1 more every 600 s\)/,
    );
  });

  test('several limits: each one that applied is listed, in the order counted', async (t) => {
    const app = await setup(t, {
      'ratelimit.address': { requests: 10, per: '1m' },
      'ratelimit.client': { requests: 5, per: '10s' },
      'ratelimit.service': { requests: 20, per: '1h' },
    });
    const a = await clientToken(app);
    const res = await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token));
    assert.equal(res.status, 200);
    assert.equal(
      res.headers.get('ratelimit-policy'),
      '"address";q=10;w=60, "client";q=5;w=10, "service";q=20;w=3600',
    );
    assert.match(
      res.headers.get('ratelimit') ?? '',
      /^"address";r=9;t=\d+, "client";r=4;t=\d+, "service";r=19;t=\d+$/,
    );
  });

  test('unset: no limit and no header', async (t) => {
    const app = await setup(t, {});
    for (let i = 0; i < 5; i++) {
      const res = await get(app, `/ows/proxy/emu${CAPS}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), null);
      assert.equal(res.headers.get('ratelimit'), null);
    }
  });
});

describe('rate limits: overrides', () => {
  test('per service: emu has a stricter client limit of its own; the global one still holds elsewhere', async (t) => {
    const app = await setup(t, {
      'ratelimit.client': { requests: 3, per: '1m' },
      'ratelimit.services': { emu: { client: { requests: 1, per: '1m' } } },
    });
    const a = await clientToken(app);
    assert.equal((await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token))).status, 200);
    await assertOWS429(await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token)), /at most 1 every 60 s/);
    for (let i = 0; i < 3; i++) {
      assert.equal((await get(app, `/ows/proxy/hummingbird${EXECUTE}`, bearer(a.token))).status, 200);
    }
    assert.equal((await get(app, `/ows/proxy/hummingbird${EXECUTE}`, bearer(a.token))).status, 429);
  });

  test('per service, lifted: no service limit on emu, the global one on the others', async (t) => {
    const app = await setup(t, {
      'ratelimit.service': { requests: 1, per: '1m' },
      'ratelimit.services': { emu: { service: false } },
    });
    for (let i = 0; i < 4; i++) {
      const res = await get(app, `/ows/proxy/emu${CAPS}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), null);
    }
    assert.equal((await get(app, `/ows/proxy/hummingbird${CAPS}`)).status, 200);
    assert.equal((await get(app, `/ows/proxy/hummingbird${CAPS}`)).status, 429);
  });

  test('per client: one client has more, one is unlimited, the others keep the global limit', async (t) => {
    const app = await setup(t, { 'ratelimit.client': { requests: 1, per: '1m' } });
    const more = await clientToken(app);
    const free = await clientToken(app);
    const plain = await clientToken(app);
    // the overrides name client ids, known once registered: a second app on the same store reads them
    const app2 = await startTestApp(t, {
      store: app.store,
      overrides: {
        'ratelimit.client': { requests: 1, per: '1m' },
        'ratelimit.clients': {
          [more.id]: { client: { requests: 3, per: '1m' } },
          [free.id]: { client: 'unlimited' },
        },
        // the emu override does not apply to a client with its own
        'ratelimit.services': { emu: { client: { requests: 1, per: '1h' } } },
      },
    });
    for (let i = 0; i < 3; i++) {
      const res = await get(app2, `/ows/proxy/emu${EXECUTE}`, bearer(more.token));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), '"client";q=3;w=60');
    }
    assert.equal((await get(app2, `/ows/proxy/emu${EXECUTE}`, bearer(more.token))).status, 429);
    for (let i = 0; i < 5; i++) {
      const res = await get(app2, `/ows/proxy/emu${EXECUTE}`, bearer(free.token));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit'), null);
    }
    assert.equal((await get(app2, `/ows/proxy/emu${EXECUTE}`, bearer(plain.token))).status, 200);
    const refused = await get(app2, `/ows/proxy/emu${EXECUTE}`, bearer(plain.token));
    await assertOWS429(refused, /at most 1 every 3600 s/, 3600);
  });
});

describe('rate limits on /ows/verify: the same steps, the verify JSON', () => {
  test('allowed answers carry the budget; a request that stands for two methods is counted once; then 429 JSON', async (t) => {
    const app = await setup(t, {
      'ratelimit.client': { requests: 2, per: '1m' },
      'ratelimit.address': { requests: 100, per: '1m' },
    });
    const a = await clientToken(app);
    // GET without X-Original-Method is judged as GET and as POST: one request, one count
    const first = await get(app, `/ows/verify/emu${EXECUTE}`, bearer(a.token));
    assert.equal(first.status, 200);
    assert.match(first.headers.get('ratelimit') ?? '', /^"address";r=99;t=\d+, "client";r=1;t=\d+$/);
    const second = await get(app, `/ows/verify/emu${EXECUTE}`, {
      ...bearer(a.token),
      'x-original-method': 'GET',
    });
    assert.equal(second.status, 200);
    const refused = await get(app, `/ows/verify/emu${EXECUTE}`, bearer(a.token));
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await refused.json()) as Record<string, unknown>;
    assert.equal(body['access'], false);
    assert.equal(body['code'], 'rate_limited');
    assert.match(String(body['description']), /Too many requests from this client/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match(refused.headers.get('ratelimit') ?? '', /"client";r=0;/);
    // /ows/proxy counts on the same budget: the client is spent there too
    assert.equal((await get(app, `/ows/proxy/emu${EXECUTE}`, bearer(a.token))).status, 429);
    // twin: another client
    const b = await clientToken(app);
    assert.equal((await get(app, `/ows/verify/emu${EXECUTE}`, bearer(b.token))).status, 200);
  });

  test('address on /ows/verify: refused verifications cost too', async (t) => {
    const app = await setup(t, { 'ratelimit.address': { requests: 2, per: '1m' } });
    assert.equal((await get(app, `/ows/verify/emu${EXECUTE}`)).status, 401);
    const asGet = { 'x-original-method': 'GET' };
    assert.equal((await get(app, `/ows/verify/emu${CAPS}`, asGet)).status, 200);
    const refused = await get(app, `/ows/verify/emu${CAPS}`, asGet);
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as Record<string, unknown>)['code'], 'rate_limited');
  });
});
