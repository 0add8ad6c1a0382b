/**
 * Red team of issue 14's metrics: nothing a client sends grows the scrape. Two rounds of junk
 * (unknown service names, made-up methods, vendor operations, unrouted paths, forged tokens, token
 * requests of unknown clients, rate-limited addresses) with distinct values each: the second round
 * adds no series. And /metrics answers only the administrator, on no proxy route.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';
import { parseSamples } from '../metrics/prom-text.js';

async function seriesCount(app: TestApp): Promise<number> {
  const res = await fetch(`${app.url}/metrics`, { headers: { authorization: app.adminAuth } });
  assert.equal(res.status, 200);
  // the process's own metrics (GC kinds, heap spaces) are no client's doing
  const series = parseSamples(await res.text()).filter((s) => s.name.startsWith('twitcher_'));
  return series.length;
}

function send(
  app: TestApp,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${app.url}${path}`, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function junkRound(app: TestApp, round: string, n: number): Promise<void> {
  const methods = ['PROPFIND', 'PURGE', 'MKCOL', 'LOCK', 'SEARCH', 'REPORT', 'LINK', 'UNLINK'];
  for (let i = 0; i < n; i++) {
    const junk = `j${round}x${i}`;
    const from = { 'x-forwarded-for': `10.${round.length}.${i % 250}.${round.charCodeAt(0) % 250}` };
    await send(app, 'GET', `/ows/proxy/${junk}?service=WPS&request=GetCapabilities`, from);
    await send(app, 'GET', `/ows/verify/${junk}`, from);
    await send(app, methods[i % methods.length] as string, `/ows/proxy/emu?request=${junk}`, from);
    await send(app, 'GET', `/ows/proxy/emu?service=WPS&request=${junk}&version=1.0.0`, from);
    await send(app, 'GET', `/ows/proxy/emu?service=${junk}&request=Execute`, {
      ...from,
      authorization: `Bearer ${junk}.${junk}.${junk}`,
    });
    await send(app, 'GET', `/${junk}/metrics`, { 'content-type': `text/${junk}` });
    await send(app, junk.toUpperCase().replace(/[^A-Z]/g, ''), `/api/${junk}`);
    const form = `grant_type=${junk}&client_id=${junk}&client_secret=x`;
    await fetch(`${app.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    }).then((r) => r.arrayBuffer());
  }
}

describe('red team 14: metrics', () => {
  test('junk from clients adds no series: a second round of new junk values leaves the count as it was', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t, {
      overrides: { 'server.trustProxy': ['127.0.0.1'], 'ratelimit.address': { requests: 3, per: '1m' } },
    });
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    await junkRound(app, 'a', 40);
    await seriesCount(app); // the scrape's own route is counted from the first scrape on
    const first = await seriesCount(app);
    await junkRound(app, 'bb', 40);
    assert.equal(await seriesCount(app), first);
  });

  test('/metrics answers the administrator only, and is no route of the proxy', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const basic = (user: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    });
    assert.equal(await send(app, 'GET', '/metrics'), 401);
    assert.equal(await send(app, 'GET', '/metrics', basic('admin', 'wrong-password-1')), 401);
    assert.equal(await send(app, 'GET', '/metrics', { authorization: 'Bearer tw_anything' }), 401);
    for (const path of [
      '/ows/proxy/metrics',
      '/ows/verify/metrics',
      '/ows/proxy/emu/../../metrics',
      '/metrics/',
    ]) {
      const status = await send(app, 'GET', path);
      assert.ok(status === 404 || status === 400 || status === 401, `${path}: ${status}`);
    }
    // twin: the administrator scrapes
    assert.equal(await send(app, 'GET', '/metrics', { authorization: app.adminAuth }), 200);
  });
});
