import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { admin, registerService } from '../helpers/register.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const WPS_CAPS = (base: string) => `<?xml version="1.0" encoding="UTF-8"?>
<wps:Capabilities service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1">
<ows:OperationsMetadata><ows:Operation name="Execute"><ows:DCP><ows:HTTP><ows:Get xlink:href="${base}/wps"/></ows:HTTP></ows:DCP></ows:Operation></ows:OperationsMetadata>
<wps:ProcessOfferings>
<wps:Process><ows:Identifier>hello</ows:Identifier></wps:Process>
<wps:Process><ows:Identifier>sleep</ows:Identifier></wps:Process>
<wps:Process><ows:Identifier>secret</ows:Identifier></wps:Process>
</wps:ProcessOfferings></wps:Capabilities>`;

async function tokenFor(app: TestApp, user: string | undefined): Promise<string> {
  const client = await addClient(app, user === undefined ? {} : { user });
  const { body } = await fetchToken(app, client);
  return body['access_token'] as string;
}

interface World {
  app: TestApp;
  up: Upstream;
  alice: string;
  bob: string;
  ownerless: string;
}

/**
 * emu (acl): anonymous may GetCapabilities; staff (alice) may describe and execute everything but
 * `secret`; bob may describe and execute `hello` only.
 */
async function world(
  t: Parameters<typeof startTestApp>[0],
  options: { gzip?: boolean; overrides?: Record<string, unknown> } = {},
): Promise<World> {
  const up = await startUpstream(t, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('request')?.toLowerCase() === 'getcapabilities') {
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      const body = Buffer.from(WPS_CAPS(`http://127.0.0.1:${up.port}`));
      if (options.gzip) {
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(body));
      } else res.end(body);
      return;
    }
    res.setHeader('content-type', 'text/plain');
    res.end(`ran ${url.searchParams.get('identifier') ?? url.pathname}`);
  });
  const app = await startTestApp(t, options.overrides ? { overrides: options.overrides } : {});
  await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'wps', auth: 'acl' });
  for (const username of ['alice', 'bob']) {
    await admin(app, 'POST', '/users', { username, password: `${username}-password-1` });
  }
  await admin(app, 'POST', '/groups', { name: 'staff', priority: 1 });
  await admin(app, 'PUT', '/groups/staff/members/alice');
  await admin(app, 'POST', '/services/emu/resources', { kind: 'process', name: 'hello' });
  await admin(app, 'POST', '/services/emu/resources', { kind: 'process', name: 'secret' });
  await admin(app, 'POST', '/permissions', {
    group: 'anonymous',
    service: 'emu',
    permission: 'getcapabilities',
    scope: 'match',
  });
  for (const permission of ['describeprocess', 'execute']) {
    await admin(app, 'POST', '/permissions', { group: 'staff', service: 'emu', permission });
    await admin(app, 'POST', '/permissions', {
      group: 'staff',
      service: 'emu',
      resource: 'secret',
      permission,
      access: 'deny',
      scope: 'match',
    });
    await admin(app, 'POST', '/permissions', {
      user: 'bob',
      service: 'emu',
      resource: 'hello',
      permission,
      scope: 'match',
    });
  }
  return {
    app,
    up,
    alice: await tokenFor(app, 'alice'),
    bob: await tokenFor(app, 'bob'),
    ownerless: await tokenFor(app, undefined),
  };
}

const EXECUTE = (id: string) =>
  `service=WPS&version=1.0.0&request=Execute&identifier=${id}&DataInputs=name=x`;

async function get(app: TestApp, query: string, token?: string, path = '/ows/proxy/emu', method = 'GET') {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  // /ows/verify is told the original method, as the nginx auth_request recipe does
  if (path.startsWith('/ows/verify') && method) headers['x-original-method'] = method;
  return fetch(`${app.url}${path}?${query}`, { headers });
}

async function processes(res: Response): Promise<string[]> {
  const text = await res.text();
  return [...text.matchAll(/<ows:Identifier>([^<]+)<\/ows:Identifier>/g)].map((m) => m[1] as string);
}

describe('proxy: auth acl', () => {
  test('each user is allowed what it was granted, refused the rest: 401 anonymous, 403 authenticated', async (t) => {
    const w = await world(t);
    const cases: [string, string | undefined, string, number][] = [
      ['alice runs hello', w.alice, 'hello', 200],
      ['alice runs sleep (not registered: the recursive allow on the service)', w.alice, 'sleep', 200],
      ['alice may not run secret', w.alice, 'secret', 403],
      ['bob runs hello', w.bob, 'hello', 200],
      ['bob may not run sleep', w.bob, 'sleep', 403],
      [
        'a token of a client without an owner is authenticated, and granted nothing',
        w.ownerless,
        'hello',
        403,
      ],
      ['anonymous: 401', undefined, 'hello', 401],
    ];
    for (const [title, token, id, status] of cases) {
      const res = await get(w.app, EXECUTE(id), token);
      assert.equal(res.status, status, title);
      const body = await res.text();
      if (status === 200) assert.equal(body, `ran ${id}`, title);
      else {
        assert.match(body, /ExceptionReport/, title);
        if (status === 401)
          assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="twitcher"/);
        else assert.equal(res.headers.get('www-authenticate'), null, title);
      }
    }
  });

  test('GET and POST are one request: an XML Execute of secret is refused too (weaver#22)', async (t) => {
    const w = await world(t);
    const res = await fetch(`${w.app.url}/ows/proxy/emu`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.alice}`, 'content-type': 'text/xml' },
      body: '<wps:Execute service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Identifier>secret</ows:Identifier></wps:Execute>',
    });
    assert.equal(res.status, 403);
  });

  test('an invalid token is 401 invalid_token, never anonymous', async (t) => {
    const w = await world(t);
    const res = await get(w.app, 'service=WPS&request=GetCapabilities', 'not-a-token');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  test('GetCapabilities lists only the processes each subject may use', async (t) => {
    const w = await world(t);
    assert.deepEqual(await processes(await get(w.app, 'service=WPS&request=GetCapabilities', w.alice)), [
      'hello',
      'sleep',
    ]);
    assert.deepEqual(await processes(await get(w.app, 'service=WPS&request=GetCapabilities', w.bob)), [
      'hello',
    ]);
    assert.deepEqual(await processes(await get(w.app, 'service=WPS&request=GetCapabilities')), []);
    const text = await (await get(w.app, 'service=WPS&request=GetCapabilities', w.alice)).text();
    assert.ok(text.includes(`${w.app.url}/ows/proxy/emu`), 'URLs are still rewritten');
    assert.ok(!text.includes(`127.0.0.1:${w.up.port}`));
  });

  test('a gzipped capabilities document is filtered too', async (t) => {
    const w = await world(t, { gzip: true });
    const res = await fetch(`${w.app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`, {
      headers: { authorization: `Bearer ${w.bob}`, 'accept-encoding': 'gzip' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await processes(res), ['hello']);
  });

  test('DescribeProcess of a forbidden process is refused; of ALL, refused while one is forbidden', async (t) => {
    const w = await world(t);
    const describe = (id: string) => `service=WPS&version=1.0.0&request=DescribeProcess&identifier=${id}`;
    assert.equal((await get(w.app, describe('hello'), w.bob)).status, 200);
    assert.equal((await get(w.app, describe('secret'), w.bob)).status, 403);
    assert.equal((await get(w.app, describe('secret'), w.alice)).status, 403);
    assert.equal((await get(w.app, describe('ALL'), w.alice)).status, 403);
    assert.equal((await get(w.app, describe('hello,sleep'), w.alice)).status, 200);
    assert.equal((await get(w.app, describe('hello,sleep'), w.bob)).status, 403);
  });

  test('a change holds from the next request on (caches invalidated on write)', async (t) => {
    const w = await world(t);
    assert.equal((await get(w.app, EXECUTE('sleep'), w.bob)).status, 403);
    const p = await admin(w.app, 'POST', '/permissions', {
      user: 'bob',
      service: 'emu',
      permission: 'execute',
    });
    assert.equal((await get(w.app, EXECUTE('sleep'), w.bob)).status, 200);
    await admin(w.app, 'DELETE', `/permissions/${p?.['id']}`);
    assert.equal((await get(w.app, EXECUTE('sleep'), w.bob)).status, 403);
    await admin(w.app, 'PUT', '/groups/staff/members/bob');
    assert.equal((await get(w.app, EXECUTE('sleep'), w.bob)).status, 200, 'a new membership');
    await admin(w.app, 'PUT', '/groups/administrators/members/bob');
    assert.equal(
      (await get(w.app, EXECUTE('secret'), w.bob)).status,
      200,
      'administrators may do everything',
    );
  });

  test('/ows/verify answers the same decisions without forwarding', async (t) => {
    const w = await world(t);
    const before = w.up.seen.length;
    const ok = await get(w.app, EXECUTE('hello'), w.bob, '/ows/verify/emu');
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { access: boolean }).access, true);
    assert.equal((await get(w.app, EXECUTE('secret'), w.bob, '/ows/verify/emu')).status, 403);
    assert.equal((await get(w.app, EXECUTE('secret'), undefined, '/ows/verify/emu')).status, 401);
    // the original request was a POST, or is not named: a body /verify cannot see, refused to bob
    assert.equal((await get(w.app, EXECUTE('hello'), w.bob, '/ows/verify/emu', 'POST')).status, 403);
    const unnamed = await get(w.app, EXECUTE('hello'), w.bob, '/ows/verify/emu', '');
    assert.equal(unnamed.status, 403);
    assert.match(((await unnamed.json()) as { description: string }).description, /X-Original-Method/);
    assert.equal(w.up.seen.length, before);
  });

  test('every decision is in the audit log, filtered and paged', async (t) => {
    const w = await world(t);
    await get(w.app, EXECUTE('hello'), w.bob);
    await get(w.app, EXECUTE('secret'), w.bob);
    await get(w.app, EXECUTE('hello'));
    let page = (await admin(w.app, 'GET', '/audit?service=emu')) as { records: Record<string, unknown>[] };
    assert.equal(page.records.length, 3);
    const [anon, denied, allowed] = page.records;
    assert.equal(anon?.['subject'], 'anonymous');
    assert.equal(anon?.['outcome'], 'deny');
    assert.equal(denied?.['user'], 'bob');
    assert.equal(denied?.['operation'], 'Execute');
    assert.deepEqual(denied?.['resources'], ['secret']);
    assert.equal(denied?.['rule'], 'no-permission');
    assert.equal(allowed?.['outcome'], 'allow');
    assert.equal(allowed?.['rule'], 'user:bob:execute-allow-match@emu/hello');
    assert.equal(allowed?.['client_address'], '127.0.0.1');
    page = (await admin(w.app, 'GET', '/audit?user=bob&outcome=deny')) as {
      records: Record<string, unknown>[];
    };
    assert.equal(page.records.length, 1);
    const first = (await admin(w.app, 'GET', '/audit?limit=2')) as {
      records: unknown[];
      next_cursor: string;
    };
    assert.equal(first.records.length, 2);
    const second = (await admin(w.app, 'GET', `/audit?limit=2&cursor=${first.next_cursor}`)) as {
      records: unknown[];
    };
    assert.equal(second.records.length, 1);
    const bad = await fetch(`${w.app.url}/audit?from=yesterday`, {
      headers: { authorization: w.app.adminAuth },
    });
    assert.equal(bad.status, 422);
  });

  test('the coarse modes are unchanged beside acl services', async (t) => {
    const w = await world(t);
    await registerService(w.app, { name: 'coarse', url: `${w.up.url}/wps`, type: 'wps', auth: 'token' });
    assert.equal((await get(w.app, EXECUTE('secret'), w.bob, '/ows/proxy/coarse')).status, 200);
    assert.equal((await get(w.app, EXECUTE('secret'), undefined, '/ows/proxy/coarse')).status, 401);
    assert.equal(
      (await get(w.app, 'service=WPS&request=GetCapabilities', undefined, '/ows/proxy/coarse')).status,
      200,
    );
  });

  describe('HTTP Basic with Twitcher users (authz.basicAuth)', () => {
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const as = (w: World, query: string, authorization: string) =>
      fetch(`${w.app.url}/ows/proxy/emu?${query}`, { headers: { authorization } });

    test('on: a user with its password gets its own permissions and filtered capabilities', async (t) => {
      const w = await world(t, { overrides: { 'authz.basicAuth': true } });
      assert.equal((await as(w, EXECUTE('hello'), basic('bob', 'bob-password-1'))).status, 200);
      assert.equal((await as(w, EXECUTE('sleep'), basic('bob', 'bob-password-1'))).status, 403);
      assert.equal((await as(w, EXECUTE('sleep'), basic('alice', 'alice-password-1'))).status, 200);
      const caps = await as(w, 'service=WPS&request=GetCapabilities', basic('bob', 'bob-password-1'));
      assert.deepEqual(await processes(caps), ['hello']);
      const anonymous = await get(w.app, EXECUTE('hello'));
      assert.equal(anonymous.status, 401);
      assert.match(
        String(anonymous.headers.get('www-authenticate')),
        /^Bearer realm="twitcher", Basic realm=/,
      );
      assert.equal(
        w.up.seen.filter((r) => r.headers.authorization !== undefined).length,
        0,
        'never upstream',
      );
    });

    test('on: a wrong password is 401 with the Basic challenge, never anonymous; then 429', async (t) => {
      const w = await world(t, { overrides: { 'authz.basicAuth': true, 'certs.maxFailures': 3 } });
      const wrong = await as(w, 'service=WPS&request=GetCapabilities', basic('bob', 'not-his'));
      assert.equal(wrong.status, 401);
      assert.match(String(wrong.headers.get('www-authenticate')), /Basic realm="twitcher"/);
      assert.match(await wrong.text(), /ExceptionReport[\s\S]*Wrong user name or password/);
      assert.equal((await as(w, EXECUTE('hello'), basic('nobody', 'x'))).status, 401);
      await as(w, EXECUTE('hello'), basic('bob', 'still-not-his'));
      const limited = await as(w, EXECUTE('hello'), basic('bob', 'bob-password-1'));
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      // the OWS surface: an ExceptionReport (NoApplicableCode), never the Basic challenge again
      assert.equal(limited.headers.get('www-authenticate'), null);
      assert.match(
        await limited.text(),
        /ExceptionReport[\s\S]*exceptionCode="NoApplicableCode"[\s\S]*Too many failed attempts/,
      );
    });

    test('off (the default): Basic credentials are no credential, and the challenge names Bearer only', async (t) => {
      const w = await world(t);
      const res = await as(w, EXECUTE('hello'), basic('bob', 'bob-password-1'));
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="twitcher"');
    });
  });
});
