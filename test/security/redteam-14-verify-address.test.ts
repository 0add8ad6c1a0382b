/**
 * Red team of issue 14: the per-address rate limit behind docs/nginx/auth-request.conf. nginx's
 * subrequests to /ows/verify and /ows/proxy come from nginx's own address; unless the recipe tells
 * Twitcher the client's (X-Forwarded-For, believed from nginx with server.trustProxy), every client
 * behind nginx shares one address budget and one client can lock out all the others.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { renderNginxSnippet, startNginx } from '../helpers/nginx.js';
import { requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const CAPS = 'service=WPS&request=GetCapabilities';
const CAPS_XML =
  '<wps:GetCapabilities xmlns:wps="http://www.opengis.net/wps/1.0.0" service="WPS" language="en"/>';

/** The status of a request to `url` sent from the loopback address `from` (127.0.0.0/8 all reach lo). */
function statusFrom(from: string, url: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = method === 'POST' ? { 'content-type': 'text/xml' } : {};
    const req = request(url, { method, headers, localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? CAPS_XML : undefined);
  });
}

describe('red team 14: the address limit behind the auth_request recipe', () => {
  test('each client behind nginx has its own address budget, on /ows/verify and /ows/proxy alike', async (t) => {
    if (!requirePeer(t, 'nginx')) return;
    const up = await startUpstream(t);
    const app = await startTestApp(t, {
      overrides: { 'server.trustProxy': ['127.0.0.1'], 'ratelimit.address': { requests: 2, per: '1m' } },
    });
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const port = await freePort();
    const server = renderNginxSnippet('auth-request.conf', {
      SERVICE: 'emu',
      LOCATION: 'wps',
      UPSTREAM: `${up.url}/wps`,
      TWITCHER: app.url,
    });
    await startNginx(t, { http: `server { listen 127.0.0.1:${port}; ${server} }`, ports: [port] });
    const url = `http://127.0.0.1:${port}/wps?${CAPS}`;

    // one client spends its budget: a GET through /ows/verify, a POST through /ows/proxy, then refused
    assert.equal(await statusFrom('127.0.0.2', url), 200);
    assert.equal(await statusFrom('127.0.0.2', url, 'POST'), 200);
    assert.notEqual(await statusFrom('127.0.0.2', url), 200, 'past its address limit');
    assert.notEqual(await statusFrom('127.0.0.2', url, 'POST'), 200, 'past its address limit');
    // twin: another client is still served both ways
    assert.equal(await statusFrom('127.0.0.3', url), 200, 'another client: its own budget (verify)');
    assert.equal(await statusFrom('127.0.0.3', url, 'POST'), 200, 'another client: its own budget (proxy)');
  });
});
