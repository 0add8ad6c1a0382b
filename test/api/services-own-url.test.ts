import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import Fastify from 'fastify';
import { servicesRoutes } from '../../src/api/services-routes.js';
import { AJV_OPTIONS } from '../../src/api/validation.js';
import { loadConfig } from '../../src/config/load.js';
import { sendProblem } from '../../src/http/problem.js';
import { ServiceRegistry } from '../../src/registry/registry.js';
import { openStore } from '../../src/store/open-store.js';
import { toTwitcherError } from '../../src/util/to-twitcher-error.js';

/**
 * The services routes alone, listening on port 0 as configured (the real port is known only once
 * listening), with the problem rendering of the app.
 */
async function start(t: TestContext, overrides: Record<string, unknown> = {}) {
  const config = loadConfig({
    env: {},
    overrides: { 'database.url': 'sqlite::memory:', 'server.port': 0, 'log.level': 'silent', ...overrides },
  });
  const store = await openStore(config.database.url);
  const registry = new ServiceRegistry(store);
  const app = Fastify({ ajv: { customOptions: { ...AJV_OPTIONS } } });
  app.setErrorHandler((error, _request, reply) => sendProblem(reply, toTwitcherError(error)));
  await app.register(servicesRoutes, { registry, requireAdmin: async () => {}, config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(async () => {
    await app.close();
    registry.close();
    await store.close();
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, port, registry };
}

async function send(url: string, method: string, path: string, body: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { errors?: { field: string; message: string }[] },
  };
}

describe("admin API: a service pointing at Twitcher's own proxy is refused", () => {
  test('its own listening address and port (also as localhost and [::1]): 422 on url, POST and PUT', async (t) => {
    const { url, port, registry } = await start(t);
    for (const own of [
      `http://127.0.0.1:${port}/ows/proxy/emu`,
      `http://localhost.:${port}/foo/../ows/proxy/emu`,
      `http://[::1]:${port}/ows/./verify/emu`,
    ]) {
      for (const [method, path] of [
        ['POST', '/services'],
        ['PUT', '/services/loop'],
      ] as const) {
        const res = await send(url, method, path, { name: 'loop', url: own });
        assert.equal(res.status, 422, `${method} ${own}`);
        assert.deepEqual(res.body.errors, [
          { field: 'url', message: "points at this Twitcher's own proxy: requests would loop" },
        ]);
      }
    }
    assert.deepEqual(await registry.list(), []);
  });

  test('the twins are accepted: another port, a path outside the protected path, another case', async (t) => {
    const { url, port } = await start(t);
    const other = port === 65535 ? port - 1 : port + 1;
    for (const [i, allowed] of [
      `http://127.0.0.1:${other}/ows/proxy/emu`,
      `http://127.0.0.1:${port}/wps`,
      `http://127.0.0.1:${port}/OWS/proxy/emu`,
    ].entries()) {
      const res = await send(url, 'POST', '/services', { name: `ok_${i}`, url: allowed });
      assert.equal(res.status, 201, allowed);
    }
  });

  test('the public URL (server.url) with its path prefix, on another host', async (t) => {
    const { url } = await start(t, {
      'server.url': 'https://ows.example.org/twitcher',
      protectedPath: '/geo',
    });
    let res = await send(url, 'POST', '/services', {
      name: 'loop',
      url: 'https://ows.example.org/twitcher/geo/proxy/emu',
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.errors?.[0]?.field, 'url');
    res = await send(url, 'POST', '/services', {
      name: 'fine',
      url: 'https://ows.example.org/geo/proxy/emu',
    });
    assert.equal(res.status, 201);
  });
});
