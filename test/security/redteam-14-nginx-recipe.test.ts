/**
 * Red team of issue 14: deploy/nginx/twitcher.conf in front of Twitcher (server.trustProxy: nginx).
 * A client cannot pick the address it is counted as by sending its own X-Forwarded-For, and cannot
 * pick the request id Twitcher logs and the upstream is given (nginx's own $request_id is).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { renderDeployRecipe, startNginx } from '../helpers/nginx.js';
import { requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const CAPS = '/ows/proxy/emu?service=WPS&request=GetCapabilities';

/** The status of a GET of `url` sent from the loopback address `from`, with `headers`. */
function statusFrom(from: string, url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('red team 14: behind deploy/nginx/twitcher.conf', () => {
  test("a client's own X-Forwarded-For and X-Request-Id are not believed; another client keeps its budget", async (t) => {
    if (!requirePeer(t, 'nginx')) return;
    const up = await startUpstream(t);
    const app = await startTestApp(t, {
      overrides: { 'server.trustProxy': ['127.0.0.1'], 'ratelimit.address': { requests: 2, per: '1m' } },
    });
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const twitcherPort = Number(new URL(app.url).port);
    const port = await freePort();
    await startNginx(t, { http: renderDeployRecipe([twitcherPort, twitcherPort], port), ports: [port] });
    const url = `http://127.0.0.1:${port}${CAPS}`;

    const forged = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}`, 'x-request-id': `forged-${i}` });
    assert.equal(await statusFrom('127.0.0.2', url, forged(1)), 200);
    assert.equal(await statusFrom('127.0.0.2', url, forged(2)), 200);
    assert.equal(
      await statusFrom('127.0.0.2', url, forged(3)),
      429,
      'a new X-Forwarded-For each time is no new budget',
    );
    const ids = up.seen.map((r) => String(r.headers['x-request-id']));
    assert.equal(ids.length, 2);
    for (const id of ids)
      assert.doesNotMatch(id, /forged/, "the upstream is given nginx's request id, not the client's");
    // twin: another client has its own budget
    assert.equal(await statusFrom('127.0.0.3', url, forged(1)), 200);
  });
});
