import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';

const json = (body: unknown) => JSON.stringify(body);

describe('admin API: /services', () => {
  test('register, list, get, replace, delete: the curl session of the README', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const headers = { authorization: adminAuth, 'content-type': 'application/json' };

    let res = await fetch(`${url}/services`, {
      method: 'POST',
      headers,
      body: json({ name: 'emu', url: 'http://127.0.0.1:5000/wps', type: 'WPS' }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), '/services/emu');
    assert.deepEqual(await res.json(), {
      name: 'emu',
      url: 'http://127.0.0.1:5000/wps',
      type: 'wps',
      purl: '',
      auth: 'token',
      public: false,
      verify: true,
      passTokenData: false,
      certSubjects: [],
      limits: {},
    });

    res = await fetch(`${url}/services`, { headers });
    assert.equal(res.status, 200);
    assert.deepEqual(
      ((await res.json()) as { name: string }[]).map((s) => s.name),
      ['emu'],
    );

    res = await fetch(`${url}/services/emu`, { headers });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { url: string }).url, 'http://127.0.0.1:5000/wps');

    res = await fetch(`${url}/services/emu`, {
      method: 'PUT',
      headers,
      body: json({ url: 'http://127.0.0.1:5001/ows', type: 'wms', auth: 'public' }),
    });
    assert.equal(res.status, 200);
    const replaced = (await res.json()) as { type: string; public: boolean; auth: string };
    assert.equal(replaced.type, 'wms');
    assert.equal(replaced.public, true);

    res = await fetch(`${url}/services/emu`, { method: 'DELETE', headers: { authorization: adminAuth } });
    assert.equal(res.status, 204);
    res = await fetch(`${url}/services/emu`, { headers });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const problem = (await res.json()) as { code: string; status: number; detail: string };
    assert.equal(problem.code, 'service_not_found');
    assert.equal(problem.status, 404);
    assert.match(problem.detail, /emu/);
  });

  test('PUT to a new name creates it (201 with Location)', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const res = await fetch(`${url}/services/hummingbird`, {
      method: 'PUT',
      headers: { authorization: adminAuth, 'content-type': 'application/json' },
      body: json({ url: 'http://127.0.0.1:5000/wps' }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), '/services/hummingbird');
  });

  test('a name is sanitised as Twitcher does, and a missing one is generated', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const headers = { authorization: adminAuth, 'content-type': 'application/json' };
    let res = await fetch(`${url}/services`, {
      method: 'POST',
      headers,
      body: json({ name: ' My Service-1 ', url: 'http://127.0.0.1:5000/wps' }),
    });
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { name: string }).name, 'my_service_1');

    res = await fetch(`${url}/services`, {
      method: 'POST',
      headers,
      body: json({ url: 'http://127.0.0.1:5000/wps' }),
    });
    assert.equal(res.status, 201);
    assert.match(((await res.json()) as { name: string }).name, /^[a-z]+_[a-z]+\d*$/);
  });

  test('a duplicate name, or one that sanitises into a clash, is 409 and changes nothing', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const headers = { authorization: adminAuth, 'content-type': 'application/json' };
    const post = (body: unknown) => fetch(`${url}/services`, { method: 'POST', headers, body: json(body) });
    assert.equal((await post({ name: 'my_wps', url: 'http://127.0.0.1:5000/wps' })).status, 201);
    for (const name of ['my_wps', 'My-WPS', 'my wps']) {
      const res = await post({ name, url: 'http://127.0.0.1:9999/other' });
      assert.equal(res.status, 409, name);
      assert.equal(((await res.json()) as { code: string }).code, 'duplicate_name');
    }
    const list = (await (await fetch(`${url}/services`, { headers })).json()) as { url: string }[];
    assert.deepEqual(
      list.map((s) => s.url),
      ['http://127.0.0.1:5000/wps'],
    );
  });

  test('every bad field is named at once with 422, and nothing is stored', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const headers = { authorization: adminAuth, 'content-type': 'application/json' };
    const res = await fetch(`${url}/services`, {
      method: 'POST',
      headers,
      body: json({
        name: 'x',
        url: 'ftp://example.org/',
        type: 'sos',
        auth: 'magic',
        verify: 'yes',
        colour: 'red',
      }),
    });
    assert.equal(res.status, 422);
    const problem = (await res.json()) as { code: string; errors: { field: string }[] };
    assert.equal(problem.code, 'validation_failed');
    assert.deepEqual(problem.errors.map((e) => e.field).sort(), [
      'auth',
      'colour',
      'name',
      'type',
      'url',
      'verify',
    ]);
    const list = (await (await fetch(`${url}/services`, { headers })).json()) as unknown[];
    assert.equal(list.length, 0);
  });

  const badURLs: [string, RegExp][] = [
    ['not a url', /absolute URL/],
    ['file:///etc/passwd', /http or https/],
    ['http://user:secret@example.org/wps', /credentials/],
    ['/relative/path', /absolute URL/],
    [`http://example.org/${'a'.repeat(2100)}`, /at most/],
  ];
  for (const [bad, message] of badURLs) {
    test(`url ${bad.slice(0, 40)} is refused`, async (t) => {
      const { url, adminAuth } = await startTestApp(t);
      const res = await fetch(`${url}/services`, {
        method: 'POST',
        headers: { authorization: adminAuth, 'content-type': 'application/json' },
        body: json({ name: 'emu', url: bad }),
      });
      assert.equal(res.status, 422);
      const problem = (await res.json()) as { errors: { field: string; message: string }[] };
      assert.equal(problem.errors[0]?.field, 'url');
      assert.match(problem.errors[0]?.message ?? '', message);
    });
  }

  test('empty and overlong names are refused', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    for (const name of ['', 'a', 'x'.repeat(41)]) {
      const res = await fetch(`${url}/services`, {
        method: 'POST',
        headers: { authorization: adminAuth, 'content-type': 'application/json' },
        body: json({ name, url: 'http://127.0.0.1:5000/wps' }),
      });
      assert.equal(res.status, 422, JSON.stringify(name));
      assert.equal(((await res.json()) as { errors: { field: string }[] }).errors[0]?.field, 'name');
    }
  });

  test('malformed JSON is 400, a non-object body 422, a non-JSON content type 415', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    let res = await fetch(`${url}/services`, {
      method: 'POST',
      headers: { authorization: adminAuth, 'content-type': 'application/json' },
      body: '{"name": "emu", "url": ',
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'malformed_body');
    res = await fetch(`${url}/services`, {
      method: 'POST',
      headers: { authorization: adminAuth, 'content-type': 'application/json' },
      body: '["emu"]',
    });
    assert.equal(res.status, 422);
    res = await fetch(`${url}/services`, {
      method: 'POST',
      headers: { authorization: adminAuth, 'content-type': 'application/xml' },
      body: '<service/>',
    });
    assert.equal(res.status, 415);
  });

  test('a body name that differs from the URL name is refused on PUT', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const res = await fetch(`${url}/services/emu`, {
      method: 'PUT',
      headers: { authorization: adminAuth, 'content-type': 'application/json' },
      body: json({ name: 'other', url: 'http://127.0.0.1:5000/wps' }),
    });
    assert.equal(res.status, 422);
  });

  test('public is derived from auth, and a contradiction is refused', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const headers = { authorization: adminAuth, 'content-type': 'application/json' };
    let res = await fetch(`${url}/services`, {
      method: 'POST',
      headers,
      body: json({ name: 'open', url: 'http://127.0.0.1:5000/wps', public: true }),
    });
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { auth: string }).auth, 'public');
    res = await fetch(`${url}/services`, {
      method: 'POST',
      headers,
      body: json({ name: 'closed', url: 'http://127.0.0.1:5000/wps', public: true, auth: 'token' }),
    });
    assert.equal(res.status, 422);
  });

  test('DELETE /services clears the registry', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const headers = { authorization: adminAuth, 'content-type': 'application/json' };
    for (const name of ['a1', 'b2']) {
      await fetch(`${url}/services`, {
        method: 'POST',
        headers,
        body: json({ name, url: 'http://127.0.0.1:5000/wps' }),
      });
    }
    assert.equal(
      (await fetch(`${url}/services`, { method: 'DELETE', headers: { authorization: adminAuth } })).status,
      204,
    );
    assert.deepEqual(await (await fetch(`${url}/services`, { headers })).json(), []);
  });

  test('unknown service on DELETE is 404', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const res = await fetch(`${url}/services/nope`, {
      method: 'DELETE',
      headers: { authorization: adminAuth },
    });
    assert.equal(res.status, 404);
  });
});

describe('admin API: authentication', () => {
  const routes: [string, string][] = [
    ['GET', '/services'],
    ['POST', '/services'],
    ['DELETE', '/services'],
    ['GET', '/services/emu'],
    ['PUT', '/services/emu'],
    ['DELETE', '/services/emu'],
  ];
  test('without credentials every route answers 401 with a Basic challenge', async (t) => {
    const { url } = await startTestApp(t);
    for (const [method, path] of routes) {
      const res = await fetch(`${url}${path}`, { method });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Twitcher", charset="UTF-8"');
      assert.equal(((await res.json()) as { code: string }).code, 'authentication_required');
    }
  });

  test('a wrong password or user is 401 and changes nothing', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    for (const creds of ['admin:wrong-password', 'root:test-admin-password-0', 'admin', '']) {
      const res = await fetch(`${url}/services`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(creds).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: json({ name: 'emu', url: 'http://127.0.0.1:5000/wps' }),
      });
      assert.equal(res.status, 401, creds);
      assert.ok(res.headers.get('www-authenticate')?.startsWith('Basic'));
    }
    assert.deepEqual(
      await (await fetch(`${url}/services`, { headers: { authorization: adminAuth } })).json(),
      [],
    );
  });

  test('the right credentials are accepted', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    assert.equal((await fetch(`${url}/services`, { headers: { authorization: adminAuth } })).status, 200);
  });
});
