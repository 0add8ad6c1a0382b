import assert from 'node:assert/strict';
import { request as httpRequest, type ServerResponse } from 'node:http';
import { describe, type TestContext, test } from 'node:test';
import { start } from '../../src/main.js';
import { METRICS } from '../../src/metrics/metric-names.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/fault-upstream.js';
import { addClient, fetchToken, newToken } from '../helpers/oauth.js';
import { freePort } from '../helpers/ports.js';
import { adminRequest, registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';
import { familyOf, parseSamples, type Sample, sampleValue } from './prom-text.js';

async function scrape(app: TestApp): Promise<Sample[]> {
  const res = await fetch(`${app.url}/metrics`, { headers: { authorization: app.adminAuth } });
  assert.equal(res.status, 200, await res.clone().text());
  return parseSamples(await res.text());
}

async function get(app: TestApp, path: string, token?: string): Promise<number> {
  const res = await fetch(`${app.url}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

const CAPS = 'service=WPS&request=GetCapabilities';
const EXECUTE = 'service=WPS&request=Execute&version=1.0.0&identifier=hello';

describe('a scrape after a known sequence of requests', () => {
  test('counts each request once, with bounded labels of the fixed label sets', async (t: TestContext) => {
    // An upstream that holds the requests to /held until told, for the per-service limit.
    const held = new Set<ServerResponse>();
    const up = await startUpstream(t, (req, res) => {
      if (req.url?.startsWith('/held')) {
        held.add(res);
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end('ok');
    });
    t.after(() => {
      for (const res of held) res.end('late');
    });
    const closed = await freePort();
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: up.url, type: 'wps', auth: 'token' });
    await registerService(app, {
      name: 'gone',
      url: `http://127.0.0.1:${closed}/`,
      type: 'wps',
      auth: 'public',
    });
    await registerService(app, {
      name: 'narrow',
      url: `${up.url}/held`,
      type: 'http',
      auth: 'public',
      limits: { maxConcurrent: 1 },
    });

    const compute = await newToken(app, ['compute']);
    const register = await newToken(app, ['register']);
    const client = await addClient(app, { scopes: ['compute'] });
    assert.equal((await fetchToken(app, { ...client, client_secret: 'wrong' })).status, 401);
    const junk = `zz${Math.random().toString(36).slice(2)}qq`;

    // allowed: a public operation, a protected one with the token, a vendor operation with it
    assert.equal(await get(app, `/ows/proxy/emu?${CAPS}`), 200);
    assert.equal(await get(app, `/ows/proxy/emu?${CAPS}`), 200);
    assert.equal(await get(app, `/ows/proxy/emu?${EXECUTE}`, compute), 200);
    assert.equal(await get(app, '/ows/proxy/emu?service=WPS&request=MakeCoffee&version=1.0.0', compute), 200);
    // denied: no token, a bad token, a token without the scope, an unknown service
    assert.equal(await get(app, `/ows/proxy/emu?${EXECUTE}`), 401);
    assert.equal(await get(app, `/ows/proxy/emu?${EXECUTE}`, 'tw_not-a-token'), 401);
    assert.equal(await get(app, `/ows/proxy/emu?${EXECUTE}`, register), 403);
    assert.equal(await get(app, `/ows/proxy/${junk}?${CAPS}`), 404);
    // the upstream refuses the connection
    assert.equal(await get(app, `/ows/proxy/gone?${CAPS}`), 502);
    // the per-service limit: one request held, the next one 503
    const u = new URL(app.url);
    const first = httpRequest({ host: u.hostname, port: u.port, path: '/ows/proxy/narrow/x' });
    first.on('error', () => {});
    first.end();
    await waitFor(() => held.size === 1, 'the first request waits on the upstream');
    assert.equal(await get(app, '/ows/proxy/narrow/y'), 503);
    for (const res of held) res.end('done');
    held.clear();
    await new Promise<void>((resolve) => first.once('response', (res) => res.resume().on('end', resolve)));

    const samples = await scrape(app);
    const requests = (labels: Record<string, string>) =>
      sampleValue(samples, 'twitcher_proxy_requests_total', labels);
    assert.equal(
      requests({
        service: 'emu',
        operation: 'GetCapabilities',
        method: 'GET',
        outcome: 'allowed',
        status_class: '2xx',
      }),
      2,
    );
    assert.equal(
      requests({ service: 'emu', operation: 'Execute', outcome: 'allowed', status_class: '2xx' }),
      1,
    );
    assert.equal(requests({ service: 'emu', operation: 'other', outcome: 'allowed' }), 1);
    assert.equal(
      requests({
        service: 'emu',
        operation: 'Execute',
        outcome: 'authentication_required',
        status_class: '4xx',
      }),
      1,
    );
    assert.equal(requests({ service: 'emu', operation: 'Execute', outcome: 'invalid_token' }), 1);
    assert.equal(requests({ service: 'emu', operation: 'Execute', outcome: 'insufficient_scope' }), 1);
    assert.equal(requests({ service: '(unknown)', operation: 'none', outcome: 'service_not_found' }), 1);
    assert.equal(
      requests({
        service: 'gone',
        operation: 'GetCapabilities',
        outcome: 'upstream_unreachable',
        status_class: '5xx',
      }),
      1,
    );
    assert.equal(requests({ service: 'narrow', operation: 'none', outcome: 'service_busy' }), 1);
    assert.equal(requests({ service: 'narrow', operation: 'none', outcome: 'allowed' }), 1);
    assert.equal(requests({}), 11);

    assert.equal(sampleValue(samples, 'twitcher_service_busy_total', { service: 'narrow' }), 1);
    assert.equal(
      sampleValue(samples, 'twitcher_upstream_errors_total', { service: 'gone', kind: 'refused' }),
      1,
    );
    assert.equal(sampleValue(samples, 'twitcher_upstream_errors_total'), 1);
    // every answered upstream request has its latency: 4 to emu, 2 to narrow
    assert.equal(sampleValue(samples, 'twitcher_upstream_response_seconds_count', { service: 'emu' }), 4);
    assert.equal(sampleValue(samples, 'twitcher_upstream_response_seconds_count', { service: 'narrow' }), 1);
    assert.equal(sampleValue(samples, 'twitcher_proxy_request_duration_seconds_count'), 11);
    assert.ok(sampleValue(samples, 'twitcher_proxy_sent_bytes_total', { service: 'emu' }) > 0);
    assert.ok(sampleValue(samples, 'twitcher_proxy_received_bytes_total', { service: 'emu' }) > 0);
    // pools: the limit of the narrow service, nothing in flight any more
    assert.equal(sampleValue(samples, 'twitcher_upstream_max_concurrent', { service: 'narrow' }), 1);
    assert.equal(sampleValue(samples, 'twitcher_upstream_in_flight', { service: 'narrow' }), 0);

    // tokens: three issued (random, the default), one token request refused, one token refused
    assert.equal(sampleValue(samples, 'twitcher_tokens_issued_total', { kind: 'random' }), 2);
    assert.equal(
      sampleValue(samples, 'twitcher_token_requests_refused_total', { reason: 'invalid_client' }),
      1,
    );
    assert.equal(
      sampleValue(samples, 'twitcher_tokens_refused_total', { kind: 'random', reason: 'malformed' }),
      1,
    );
    assert.equal(sampleValue(samples, 'twitcher_tokens_refused_total'), 1);
    // caches: the registry answered from memory after the first lookup of each name
    assert.ok(sampleValue(samples, 'twitcher_cache_hits_total', { cache: 'registry' }) >= 5);
    assert.ok(sampleValue(samples, 'twitcher_cache_misses_total', { cache: 'registry' }) >= 4);
    assert.equal(sampleValue(samples, 'twitcher_audit_queue_depth'), 0);
    // the other routes, by pattern
    assert.equal(
      sampleValue(samples, 'twitcher_http_requests_total', { route: '/oauth/token', status_class: '4xx' }),
      1,
    );
    assert.equal(
      sampleValue(samples, 'twitcher_http_requests_total', {
        route: '/services',
        method: 'POST',
        status_class: '2xx',
      }),
      3,
    );
    // prom-client's process metrics are there
    assert.ok(samples.some((s) => s.name === 'process_resident_memory_bytes'));
    assert.ok(samples.some((s) => s.name.startsWith('nodejs_eventloop_lag')));

    // label names: exactly the fixed list of each metric (a histogram's buckets add `le`)
    const families = new Set(Object.keys(METRICS));
    for (const s of samples.filter((x) => x.name.startsWith('twitcher_'))) {
      const family = familyOf(s.name, families);
      const definition = METRICS[family as keyof typeof METRICS];
      assert.ok(definition, `${s.name} is defined in metric-names.ts`);
      const expected = [...definition.labels, ...(s.name.endsWith('_bucket') ? ['le'] : [])].sort();
      assert.deepEqual(Object.keys(s.labels).sort(), expected, s.name);
    }
    // bounded values: the made-up name never appears; services only those registered
    const text = await (
      await fetch(`${app.url}/metrics`, { headers: { authorization: app.adminAuth } })
    ).text();
    assert.ok(!text.includes(junk), 'a name nobody registered is no label value');
    assert.ok(!text.includes(compute) && !text.includes(client.client_id), 'no token, no client id');
    const services = new Set(samples.flatMap((s) => (s.labels['service'] ? [s.labels['service']] : [])));
    assert.deepEqual([...services].sort(), ['(unknown)', 'emu', 'gone', 'narrow']);
  });
});

describe('GET /metrics on the main listener', () => {
  test('401 with a challenge without the administrator, 200 in the text format 0.0.4 with', async (t) => {
    const app = await startTestApp(t);
    const none = await fetch(`${app.url}/metrics`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic /);
    const wrong = await fetch(`${app.url}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from('admin:not-the-password').toString('base64')}` },
    });
    assert.equal(wrong.status, 401);
    assert.ok(!(await wrong.text()).includes('twitcher_'));
    const ok = await fetch(`${app.url}/metrics`, { headers: { authorization: app.adminAuth } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(await ok.text(), /^# HELP twitcher_proxy_requests_total /m);
  });

  test('metrics.enabled false: /metrics is 404 and nothing is counted, no separate listener', async (t) => {
    const port = await freePort();
    const app = await startTestApp(t, { overrides: { 'metrics.enabled': false, 'metrics.port': port } });
    await registerService(app, { name: 'emu', url: 'http://127.0.0.1:9/', type: 'wps', auth: 'public' });
    assert.equal(await get(app, `/ows/proxy/emu?${CAPS}`), 502);
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: app.adminAuth } });
    assert.equal(res.status, 404);
    const other = await adminRequest(app, 'GET', '/services');
    assert.equal(other.status, 200);
  });
});

describe('the separate listener (metrics.port)', () => {
  test('answers /metrics without credentials, 404 elsewhere; closed with the server', async (t) => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const running = await start({
      env: {},
      overrides: {
        'database.url': 'sqlite::memory:',
        'server.host': '127.0.0.1',
        'server.port': port,
        'admin.password': ADMIN_PASSWORD,
        'log.level': 'silent',
        'metrics.port': metricsPort,
      },
      announce: () => {},
    });
    let closed = false;
    t.after(async () => {
      if (!closed) await running.close();
    });
    assert.equal(running.metricsAddress, `http://127.0.0.1:${metricsPort}`);
    const res = await fetch(`${running.metricsAddress}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const samples = parseSamples(await res.text());
    assert.ok(samples.some((s) => s.name === 'process_resident_memory_bytes'));
    assert.equal((await fetch(`${running.metricsAddress}/services`)).status, 404);
    // the main listener still asks for the administrator
    assert.equal((await fetch(`${running.address}/metrics`)).status, 401);
    await running.close();
    closed = true;
    await assert.rejects(fetch(`${running.metricsAddress}/metrics`));
  });
});

describe('the separate listener with metrics off', () => {
  test('metrics.enabled false: no listener on metrics.port, /metrics 404', async (t) => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const running = await start({
      env: {},
      overrides: {
        'database.url': 'sqlite::memory:',
        'server.host': '127.0.0.1',
        'server.port': port,
        'admin.password': ADMIN_PASSWORD,
        'log.level': 'silent',
        'metrics.enabled': false,
        'metrics.port': metricsPort,
      },
      announce: () => {},
    });
    t.after(() => running.close());
    assert.equal(running.metricsAddress, undefined);
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`));
    const auth = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    assert.equal(
      (await fetch(`${running.address}/metrics`, { headers: { authorization: auth } })).status,
      404,
    );
  });
});

describe('a service name of 10,000 characters', () => {
  test('is refused by the registry; a request to it is refused by the router, counted as (unmatched)', async (t) => {
    const app = await startTestApp(t);
    const long = 'a'.repeat(10_000);
    const res = await adminRequest(app, 'POST', '/services', {
      name: long,
      url: 'http://127.0.0.1:9/',
      type: 'wps',
    });
    assert.equal(res.status, 422);
    // longer than any registered name can be: refused before any lookup
    assert.equal(await get(app, `/ows/proxy/${long}?${CAPS}`), 400);
    const samples = await scrape(app);
    assert.equal(
      sampleValue(samples, 'twitcher_http_requests_total', {
        route: '(unmatched)',
        method: 'GET',
        status_class: '4xx',
      }),
      1,
    );
    assert.equal(sampleValue(samples, 'twitcher_proxy_requests_total'), 0);
    assert.ok(!samples.some((s) => Object.values(s.labels).some((v) => v.includes('aaaaaaaaaa'))));
  });
});
