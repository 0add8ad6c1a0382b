import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';

const json = (body: unknown) => JSON.stringify(body);
type Problem = { code: string; errors: { field: string; message: string }[] };

describe('admin API: per-service limits', () => {
  test('set on POST (durations in milliseconds), shown by GET and list, replaced and cleared by PUT', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const headers = { authorization: adminAuth, 'content-type': 'application/json' };
    const upstream = 'http://127.0.0.1:5000/wps';
    let res = await fetch(`${url}/services`, {
      method: 'POST',
      headers,
      body: json({
        name: 'emu',
        url: upstream,
        limits: { maxConcurrent: 8, connectTimeout: '10s', headersTimeout: '5m', bodyTimeout: 1500 },
      }),
    });
    assert.equal(res.status, 201);
    const set = { maxConcurrent: 8, connectTimeout: 10_000, headersTimeout: 300_000, bodyTimeout: 1500 };
    assert.deepEqual(((await res.json()) as { limits: unknown }).limits, set);
    res = await fetch(`${url}/services/emu`, { headers });
    assert.deepEqual(((await res.json()) as { limits: unknown }).limits, set);
    res = await fetch(`${url}/services`, { headers });
    assert.deepEqual(
      ((await res.json()) as { limits: unknown }[]).map((s) => s.limits),
      [set],
    );

    // PUT replaces the service, limits included: those not given are back to the global settings
    res = await fetch(`${url}/services/emu`, {
      method: 'PUT',
      headers,
      body: json({ url: upstream, limits: { headersTimeout: '2h', maxConcurrent: null } }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { limits: unknown }).limits, { headersTimeout: 7_200_000 });

    for (const none of [null, {}, undefined]) {
      await fetch(`${url}/services/emu`, {
        method: 'PUT',
        headers,
        body: json({ url: upstream, limits: { maxConcurrent: 3 } }),
      });
      res = await fetch(`${url}/services/emu`, {
        method: 'PUT',
        headers,
        body: json({ url: upstream, ...(none !== undefined && { limits: none }) }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { limits: unknown }).limits, {}, `limits: ${String(none)}`);
      res = await fetch(`${url}/services/emu`, { headers });
      assert.deepEqual(((await res.json()) as { limits: unknown }).limits, {});
    }
  });

  test('the bounds are accepted: 1 and 100000 requests, 1 ms and 24 h', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const res = await fetch(`${url}/services`, {
      method: 'POST',
      headers: { authorization: adminAuth, 'content-type': 'application/json' },
      body: json({
        name: 'edge',
        url: 'http://127.0.0.1:5000/wps',
        limits: { maxConcurrent: 100_000, connectTimeout: 1, headersTimeout: '24h', bodyTimeout: '1ms' },
      }),
    });
    assert.equal(res.status, 201);
    assert.deepEqual(((await res.json()) as { limits: unknown }).limits, {
      maxConcurrent: 100_000,
      connectTimeout: 1,
      headersTimeout: 86_400_000,
      bodyTimeout: 1,
    });
  });

  const bad: [string, unknown, string, RegExp][] = [
    ['not an object', 5, 'limits', /must be an object/],
    ['a list', [1], 'limits', /must be an object/],
    ['an unknown limit', { maxConnections: 5 }, 'limits.maxConnections', /not a known limit/],
    ['maxConcurrent 0', { maxConcurrent: 0 }, 'limits.maxConcurrent', /integer from 1 to 100000/],
    ['maxConcurrent too large', { maxConcurrent: 100_001 }, 'limits.maxConcurrent', /1 to 100000/],
    ['maxConcurrent fractional', { maxConcurrent: 2.5 }, 'limits.maxConcurrent', /integer/],
    ['maxConcurrent a string', { maxConcurrent: '8' }, 'limits.maxConcurrent', /integer/],
    ['connectTimeout 0', { connectTimeout: 0 }, 'limits.connectTimeout', /1 ms to 24 h/],
    ['connectTimeout negative', { connectTimeout: -5 }, 'limits.connectTimeout', /duration/],
    ['headersTimeout over 24 h', { headersTimeout: '25h' }, 'limits.headersTimeout', /1 ms to 24 h/],
    ['headersTimeout in days', { headersTimeout: '2d' }, 'limits.headersTimeout', /duration such as/],
    ['bodyTimeout fractional', { bodyTimeout: 1.5 }, 'limits.bodyTimeout', /duration/],
    ['bodyTimeout a boolean', { bodyTimeout: true }, 'limits.bodyTimeout', /duration/],
  ];
  for (const [what, limits, field, message] of bad) {
    test(`${what} is a 422 naming ${field}, on POST and PUT, and nothing is stored`, async (t) => {
      const { url, adminAuth } = await startTestApp(t);
      const headers = { authorization: adminAuth, 'content-type': 'application/json' };
      for (const [method, path] of [
        ['POST', '/services'],
        ['PUT', '/services/emu'],
      ] as const) {
        const res = await fetch(`${url}${path}`, {
          method,
          headers,
          body: json({ name: 'emu', url: 'http://127.0.0.1:5000/wps', limits }),
        });
        assert.equal(res.status, 422, method);
        const problem = (await res.json()) as Problem;
        assert.equal(problem.code, 'validation_failed');
        assert.deepEqual(
          problem.errors.map((e) => e.field),
          [field],
        );
        assert.match(problem.errors[0]?.message ?? '', message);
      }
      assert.equal((await fetch(`${url}/services/emu`, { headers })).status, 404);
    });
  }

  test('bad limits are reported with the other bad fields at once', async (t) => {
    const { url, adminAuth } = await startTestApp(t);
    const res = await fetch(`${url}/services`, {
      method: 'POST',
      headers: { authorization: adminAuth, 'content-type': 'application/json' },
      body: json({ url: 'ftp://x/', limits: { maxConcurrent: -1, bodyTimeout: 'soon', extra: 1 } }),
    });
    assert.equal(res.status, 422);
    assert.deepEqual(((await res.json()) as Problem).errors.map((e) => e.field).sort(), [
      'limits.bodyTimeout',
      'limits.extra',
      'limits.maxConcurrent',
      'url',
    ]);
  });

  test('the OpenAPI document describes limits on input and output', async (t) => {
    const { url } = await startTestApp(t);
    const doc = JSON.stringify(await (await fetch(`${url}/api/openapi.json`)).json());
    assert.match(doc, /"limits"/);
    assert.match(doc, /Retry-After/);
  });
});
