import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-request.js';
import { admin, registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

/**
 * fix: `GET /ows/proxy/files/pub/..;/secret/passwd` on a service where anonymous may read `pub/`
 * only was forwarded as `/pub/..;/secret/passwd`, which Tomcat and Jetty resolve to
 * `/secret/passwd`. Now refused (400) before the acl is consulted, by /ows/proxy and /ows/verify.
 */
describe('fix: ";" parameters and encoded dots cannot walk out of an allowed directory', () => {
  async function setUp(t: Parameters<typeof startTestApp>[0]) {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'files', url: `${up.url}/files`, type: 'http', auth: 'acl' });
    await admin(app, 'POST', '/services/files/resources', { kind: 'path', name: 'pub' });
    await admin(app, 'POST', '/services/files/resources', { kind: 'path', name: 'secret' });
    await admin(app, 'POST', '/permissions', {
      group: 'anonymous',
      service: 'files',
      resource: 'pub',
      permission: 'read',
    });
    return { up, app };
  }

  const ESCAPES = [
    '/pub/..;/secret/passwd',
    '/pub/..%3B/secret/passwd',
    '/pub/..%3b/secret/passwd',
    '/pub/%2e%2e;/secret/passwd',
    '/pub/%2E%2E%3b/secret/passwd',
    '/pub/%2e%2e/secret/passwd',
    '/pub/.%2E/secret/passwd',
    '/pub/%252e%252e/secret/passwd',
    '/pub%2f..%2fsecret/passwd',
    '/pub/..%5Csecret/passwd',
    '/pub//secret/passwd',
  ];

  test('allowed: a file under pub/ is forwarded with the bytes the client sent', async (t) => {
    const { up, app } = await setUp(t);
    for (const path of ['/pub/passwd', '/pub/a%20b/%7Euser.nc', '/p%75b/x']) {
      const res = await rawRequest(app.url, `/ows/proxy/files${path}`);
      assert.equal(res.status, 200, `${path}: ${res.body.toString()}`);
      assert.equal(up.seen.at(-1)?.url, `/files${path}`);
    }
  });

  test('denied: the secret directory itself, anonymously', async (t) => {
    const { up, app } = await setUp(t);
    const res = await rawRequest(app.url, '/ows/proxy/files/secret/passwd');
    assert.ok(res.status === 401 || res.status === 403, String(res.status));
    assert.equal(up.seen.length, 0);
  });

  test('denied: every way back out of pub/ is a 400 on the path, the upstream sees none', async (t) => {
    const { up, app } = await setUp(t);
    for (const path of ESCAPES) {
      const res = await rawRequest(app.url, `/ows/proxy/files${path}`);
      assert.equal(res.status, 400, path);
      assert.match(res.body.toString(), /locator="path"/, path);
      const verify = await rawRequest(app.url, `/ows/verify/files${path}`);
      assert.equal(verify.status, 400, `verify ${path}`);
    }
    // not UTF-8: fastify's router refuses it first (400 FST_ERR_BAD_URL), normalizePath would too
    const overlong = await rawRequest(app.url, '/ows/proxy/files/pub/%c0%ae%c0%ae/secret/passwd');
    assert.equal(overlong.status, 400);
    assert.equal(up.seen.length, 0);
  });
});
