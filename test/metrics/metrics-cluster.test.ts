import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { runTwitcher } from '../helpers/twitcher-process.js';
import { startUpstream } from '../helpers/upstream.js';
import { parseSamples, sampleValue } from './prom-text.js';

const STARTUP_MS = 90_000;
const PASSWORD = 'cluster-admin-password-0';
const AUTH = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const dir = mkdtempSync(join(tmpdir(), 'twitcher-metrics-cluster-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One request on a connection of its own, so that the cluster hands it to the next worker. */
function getOnNewConnection(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics of a cluster (server.workers 2)', () => {
  test('one scrape sees every worker: on the separate listener (the primary) and on /metrics of a worker', async (t) => {
    const up = await startUpstream(t);
    const [port, metricsPort] = [await freePort(), await freePort()];
    const p = runTwitcher(['serve'], {
      TWITCHER_PORT: String(port),
      TWITCHER_WORKERS: '2',
      TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'tw.sqlite')}`,
      TWITCHER_ADMIN_PASSWORD: PASSWORD,
      TWITCHER_METRICS_PORT: String(metricsPort),
    });
    t.after(() => p.stop());
    await p.waitFor(/listening on/, STARTUP_MS, 2);
    const base = `http://127.0.0.1:${port}`;
    const registered = await fetch(`${base}/services`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'echo', url: up.url, type: 'http', auth: 'public' }),
    });
    assert.equal(registered.status, 201);

    const n = 20;
    for (let i = 0; i < n; i++) {
      assert.equal((await getOnNewConnection(`${base}/ows/proxy/echo/x${i}`)).status, 200);
    }
    // (each connection goes to the next worker: each counts about half, only the aggregate has all)

    const separate = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(separate.status, 200);
    const text = await separate.text();
    const fromPrimary = parseSamples(text);
    assert.equal(sampleValue(fromPrimary, 'twitcher_proxy_requests_total', { service: 'echo' }), n);
    assert.equal(
      sampleValue(fromPrimary, 'twitcher_upstream_response_seconds_count', { service: 'echo' }),
      n,
    );
    assert.match(text, /^# HELP twitcher_config_reloads_total /m);
    // process metrics of three processes, summed where a sum means something
    assert.ok(sampleValue(fromPrimary, 'process_resident_memory_bytes') > 0);

    // without credentials the main listener refuses; with them, a worker answers the same aggregate
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    for (let i = 0; i < 4; i++) {
      const res = await getOnNewConnection(`${base}/metrics`, { authorization: AUTH });
      assert.equal(res.status, 200);
      const samples = parseSamples(res.body);
      assert.equal(sampleValue(samples, 'twitcher_proxy_requests_total', { service: 'echo' }), n);
    }
    assert.equal(await p.stop(), 0);
  });
});
