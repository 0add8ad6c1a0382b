/**
 * Red team of issue 14's rate limits: ways one client could get more than its address's budget.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const CAPS = '?service=WPS&request=GetCapabilities';

async function setup(t: test.TestContext, overrides: Record<string, unknown>): Promise<TestApp> {
  const up = await startUpstream(t);
  const app = await startTestApp(t, { overrides: { 'server.trustProxy': ['127.0.0.1'], ...overrides } });
  await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
  return app;
}

const from = (app: TestApp, ip: string, path = `/ows/proxy/emu${CAPS}`) =>
  fetch(`${app.url}${path}`, { headers: { 'x-forwarded-for': ip } });

describe('red team 14: the per-address limit', () => {
  test('addresses of one IPv6 /64 share one budget; another /64 has its own', async (t) => {
    const app = await setup(t, { 'ratelimit.address': { requests: 3, per: '1m' } });
    const statuses: number[] = [];
    for (const ip of [
      '2001:db8:1:2::1',
      '2001:db8:1:2::2',
      '2001:db8:1:2:dead:beef:0:1',
      '2001:db8:1:2:ffff::9',
    ]) {
      statuses.push((await from(app, ip)).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await from(app, '2001:db8:1:3::1')).status, 200);
  });

  test('an IPv4 address and its IPv4-mapped IPv6 form share one budget; another IPv4 has its own', async (t) => {
    const app = await setup(t, { 'ratelimit.address': { requests: 2, per: '1m' } });
    const statuses: number[] = [];
    for (const ip of ['10.0.0.9', '::ffff:10.0.0.9', '::FFFF:10.0.0.9'])
      statuses.push((await from(app, ip)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal((await from(app, '10.0.0.10')).status, 200);
  });

  test("a service's own address limit holds however its name is spelt in the path", async (t) => {
    const app = await setup(t, { 'ratelimit.services': { emu: { address: { requests: 2, per: '1m' } } } });
    const statuses: number[] = [];
    for (const path of [
      `/ows/proxy/emu${CAPS}`,
      `/ows/proxy/emu${CAPS}`,
      `/ows/proxy/em%75${CAPS}`,
      `/ows/proxy/EMU${CAPS}`,
    ]) {
      statuses.push((await from(app, '10.1.1.1', path)).status);
    }
    assert.equal(statuses[0], 200);
    assert.equal(statuses[1], 200);
    assert.ok(statuses[2] === 429 || statuses[2] === 404, `em%75: ${statuses[2]}`);
    assert.ok(statuses[3] === 429 || statuses[3] === 404, `EMU: ${statuses[3]}`);
    assert.equal((await from(app, '10.1.1.2')).status, 200);
  });
  test("without server.trustProxy a client's X-Forwarded-For buys no new budget", async (t) => {
    const app = await setup(t, { 'server.trustProxy': [], 'ratelimit.address': { requests: 2, per: '1m' } });
    const statuses: number[] = [];
    for (const ip of ['10.9.0.1', '10.9.0.2', '10.9.0.3']) statuses.push((await from(app, ip)).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    // twin: another socket address has its own budget
    const other = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${app.url}/ows/proxy/emu${CAPS}`,
        { localAddress: '127.0.0.2', agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(other, 200);
  });

  test('HEAD and OPTIONS count like GET; another address is still served', async (t) => {
    const app = await setup(t, { 'ratelimit.address': { requests: 2, per: '1m' } });
    const send = (method: string, ip: string) =>
      fetch(`${app.url}/ows/proxy/emu${CAPS}`, { method, headers: { 'x-forwarded-for': ip } }).then(
        (r) => r.status,
      );
    assert.notEqual(await send('HEAD', '10.2.2.2'), 429);
    assert.notEqual(await send('OPTIONS', '10.2.2.2'), 429);
    assert.equal(await send('HEAD', '10.2.2.2'), 429);
    assert.equal(await send('GET', '10.2.2.2'), 429);
    assert.equal(await send('GET', '10.2.2.3'), 200);
  });
  // Counters in memory (one process, workers' primary, `redisFailure: local`) end a window with a
  // Node timer, which fires at once past 2^31 ms (24.8 days): a longer window never held.
  for (const [name, rule] of [
    ['a 30-day window', { requests: 2, per: '720h' }],
    [
      "a week's window with a reserve (refilled every ten weeks by default)",
      { requests: 1, per: '168h', burst: 1 },
    ],
  ] as const) {
    test(`${name}: refused at the start, never a limit that lets everything through`, async (t) => {
      let problems: string[] = [];
      try {
        loadConfig({ env: {}, overrides: { 'ratelimit.address': rule } });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems = err.problems;
      }
      if (problems.length === 0) {
        // it started: then the limit must hold
        const app = await setup(t, { 'ratelimit.address': rule });
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await from(app, '10.3.3.3')).status);
        assert.deepEqual(statuses.slice(2), [429, 429], `the limit let through: ${statuses.join(', ')}`);
      }
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0] ?? '', /^ratelimit\.address (per|burstPer) .*at most 24 days/);
    });
  }

  test('a 20-day window and a reserve of 20 days hold in memory', async (t) => {
    for (const rule of [
      { requests: 2, per: '480h' },
      { requests: 1, per: '48h', burst: 1 },
    ]) {
      const app = await setup(t, { 'ratelimit.address': rule });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await from(app, '10.4.4.4')).status);
      assert.deepEqual(statuses, [200, 200, 429], JSON.stringify(rule));
    }
  });
});
