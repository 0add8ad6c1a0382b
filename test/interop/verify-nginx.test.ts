/**
 * docs/nginx/auth-request.conf with a real nginx: nginx asks /ows/verify for GET and HEAD and
 * sends every other method through /ows/proxy. The attack the old recipe let through — a POST
 * Execute body under a GetCapabilities query, which nginx's GET subrequest hid from Twitcher —
 * is refused, and the upstream receives nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { renderNginxSnippet, startNginx } from '../helpers/nginx.js';
import { newToken } from '../helpers/oauth.js';
import { requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const EXECUTE =
  '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
  '<ows:Identifier>hello</ows:Identifier></wps:Execute>';
const CAPS = 'service=WPS&request=GetCapabilities';

describe('nginx auth_request recipe (docs/nginx/auth-request.conf)', () => {
  test('GET through auth_request, POST through the proxy: the hidden Execute body is refused', async (t) => {
    if (!requirePeer(t, 'nginx')) return;
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const port = await freePort();
    const server = renderNginxSnippet('auth-request.conf', {
      SERVICE: 'emu',
      LOCATION: 'wps',
      UPSTREAM: `${up.url}/wps`,
      TWITCHER: app.url,
    });
    await startNginx(t, { http: `server { listen 127.0.0.1:${port}; ${server} }`, ports: [port] });
    const base = `http://127.0.0.1:${port}`;

    const caps = await fetch(`${base}/wps?${CAPS}`);
    assert.equal(caps.status, 200, 'GetCapabilities by GET is served through auth_request');
    assert.equal(up.seen.length, 1);
    assert.equal(up.seen[0]?.url, `/wps?${CAPS}`);

    for (const type of ['text/xml', 'application/octet-stream', '']) {
      const res = await fetch(`${base}/wps?${CAPS}`, {
        method: 'POST',
        headers: type ? { 'content-type': type } : {},
        body: EXECUTE,
      });
      assert.notEqual(res.status, 200, `POST Execute labelled "${type}" must be refused`);
      assert.ok(res.status === 400 || res.status === 401, String(res.status));
    }
    const plain = await fetch(`${base}/wps?service=WPS`, { method: 'POST', body: EXECUTE });
    assert.equal(plain.status, 401);
    assert.equal(up.seen.length, 1, 'the upstream received no Execute');

    const token = await newToken(app);
    const allowed = await fetch(`${base}/wps?service=WPS`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/xml' },
      body: EXECUTE,
    });
    assert.equal(allowed.status, 200, 'with a compute token the Execute reaches the upstream');
    assert.equal(up.seen[1]?.body.toString(), EXECUTE);
    assert.equal(up.seen[1]?.url, '/wps?service=WPS');
  });

  test('without the original method, /ows/verify assumes a hidden body (the old recipe fails closed)', async (t) => {
    if (!requirePeer(t, 'nginx')) return;
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: up.url, auth: 'token' });
    const port = await freePort();
    const old = `location /wps { auth_request /v; proxy_pass ${up.url}; }
      location = /v { internal; proxy_pass ${app.url}/ows/verify/emu$request_uri;
        proxy_pass_request_body off; proxy_set_header Content-Length ""; }`;
    await startNginx(t, { http: `server { listen 127.0.0.1:${port}; ${old} }`, ports: [port] });
    const res = await fetch(`http://127.0.0.1:${port}/wps?${CAPS}`, { method: 'POST', body: EXECUTE });
    assert.equal(res.status, 401);
    assert.equal(up.seen.length, 0);
  });
});
