import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { requirePeer, startPyWPS } from '../helpers/peers.js';
import { registerService } from '../helpers/register.js';
import { parseSamples, sampleValue } from './prom-text.js';

/** A real upstream (PyWPS): what the metrics say of a GetCapabilities and of a refused Execute through the proxy. */
describe('metrics of requests to PyWPS', () => {
  test('a GetCapabilities: upstream latency observed once, a 2xx; an Execute without a token: a 401, no upstream call', async (t) => {
    if (!requirePeer(t, 'pywps')) return;
    const wps = await startPyWPS({ timeoutMs: 90_000 });
    t.after(() => wps.stop());
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: wps.url, type: 'wps', auth: 'token' });

    const caps = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`);
    assert.equal(caps.status, 200);
    assert.match(await caps.text(), /wps:Capabilities/);
    const execute = await fetch(
      `${app.url}/ows/proxy/emu?service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name=x`,
    );
    assert.equal(execute.status, 401);
    await execute.arrayBuffer();

    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: app.adminAuth } });
    const samples = parseSamples(await res.text());
    const upstream = { service: 'emu' };
    assert.equal(sampleValue(samples, 'twitcher_upstream_response_seconds_count', upstream), 1);
    const seconds = sampleValue(samples, 'twitcher_upstream_response_seconds_sum', upstream);
    assert.ok(seconds > 0 && seconds < 300, `upstream latency ${seconds} s`);
    // the one observation falls in the +Inf bucket and in every bucket above its value
    assert.equal(
      sampleValue(samples, 'twitcher_upstream_response_seconds_bucket', { ...upstream, le: '+Inf' }),
      1,
    );
    assert.equal(
      sampleValue(samples, 'twitcher_proxy_requests_total', {
        service: 'emu',
        operation: 'GetCapabilities',
        outcome: 'allowed',
        status_class: '2xx',
      }),
      1,
    );
    assert.equal(
      sampleValue(samples, 'twitcher_proxy_requests_total', {
        service: 'emu',
        operation: 'Execute',
        outcome: 'authentication_required',
        status_class: '4xx',
      }),
      1,
    );
    assert.equal(sampleValue(samples, 'twitcher_upstream_errors_total'), 0);
  });
});
