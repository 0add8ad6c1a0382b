/**
 * Through a running Twitcher: a body is judged by what it is, and what the upstream receives is
 * exactly what was judged (or nothing).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startTestApp } from '../helpers/app.js';
import { newToken } from '../helpers/oauth.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const EXECUTE =
  '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
  '<ows:Identifier>hello</ows:Identifier></wps:Execute>';
const GETCAPS = '<wps:GetCapabilities xmlns:wps="http://www.opengis.net/wps/1.0.0" service="WPS"/>';

async function setup(t: test.TestContext) {
  const up = await startUpstream(t);
  const app = await startTestApp(t);
  await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
  return { up, app };
}

describe('proxy: the body decides', () => {
  test('an Execute body under a query without request, labelled octet-stream: 401, the upstream gets nothing', async (t) => {
    const { up, app } = await setup(t);
    for (const type of ['application/octet-stream', 'text/html', 'image/png', 'application/json']) {
      const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: EXECUTE,
      });
      assert.equal(res.status, 401, type);
      assert.match(await res.text(), /ExceptionReport/);
    }
    assert.equal(up.seen.length, 0);
  });

  test('the same body with a compute token reaches the upstream unchanged', async (t) => {
    const { up, app } = await setup(t);
    const token = await newToken(app);
    const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` },
      body: EXECUTE,
    });
    assert.equal(res.status, 200);
    assert.equal(up.seen[0]?.body.toString(), EXECUTE);
  });

  test('a gzip-encoded GetCapabilities document is forwarded decoded, without Content-Encoding', async (t) => {
    const { up, app } = await setup(t);
    const res = await fetch(`${app.url}/ows/proxy/emu`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', 'content-encoding': 'gzip' },
      body: gzipSync(GETCAPS),
    });
    assert.equal(res.status, 200);
    const seen = up.seen[0];
    assert.equal(seen?.body.toString(), GETCAPS);
    assert.equal(seen?.headers['content-encoding'], undefined);
    assert.equal(seen?.headers['content-length'], String(Buffer.byteLength(GETCAPS)));
  });

  test('a gzip-encoded Execute document: 401, nothing forwarded', async (t) => {
    const { up, app } = await setup(t);
    const res = await fetch(`${app.url}/ows/proxy/emu`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', 'content-encoding': 'gzip' },
      body: gzipSync(EXECUTE),
    });
    assert.equal(res.status, 401);
    assert.equal(up.seen.length, 0);
  });

  test('GET with a body on an OWS service: 400, nothing forwarded; GET without one is proxied', async (t) => {
    const { up, app } = await setup(t);
    const res = await rawRequest(app.url, '/ows/proxy/emu?service=WPS&request=GetCapabilities', {
      method: 'GET',
      headers: { 'content-type': 'text/xml' },
      body: Buffer.from(EXECUTE),
    });
    assert.equal(res.status, 400);
    assert.equal(up.seen.length, 0);
    const ok = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`);
    assert.equal(ok.status, 200);
    assert.equal(up.seen.length, 1);
  });

  test('/ows/verify: a POST it cannot see the body of is refused without a credential, allowed with one', async (t) => {
    const { app } = await setup(t);
    const anonymous = await fetch(`${app.url}/ows/verify/emu?service=WPS&request=GetCapabilities`, {
      method: 'POST',
    });
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { access: boolean }).access, false);
    const token = await newToken(app);
    const withToken = await fetch(`${app.url}/ows/verify/emu?service=WPS&request=GetCapabilities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(withToken.status, 200);
    const get = await fetch(`${app.url}/ows/verify/emu?service=WPS&request=GetCapabilities`, {
      headers: { 'x-original-method': 'GET' },
    });
    assert.equal(get.status, 200);
  });
});
