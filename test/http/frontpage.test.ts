import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/types.js';
import { startTestApp } from '../helpers/app.js';

describe('frontpage, info, versions, health, OpenAPI', () => {
  test('/ answers the Python Twitcher keys with absolute URIs', async (t) => {
    const { url } = await startTestApp(t);
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('x-request-id'));
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body['message'], 'Twitcher Frontpage');
    assert.equal(body['services_uri'], `${url}/services`);
    assert.equal(body['owsproxy_uri'], `${url}/ows/proxy`);
    for (const key of ['information_uri', 'versions_uri', 'token_uri', 'openapi_uri', 'client_uri']) {
      assert.match(body[key] ?? '', /^http:\/\/127\.0\.0\.1:\d+\//, key);
    }
  });

  test('the protected path setting moves owsproxy_uri', async (t) => {
    const { url } = await startTestApp(t, { overrides: { protectedPath: '/twitcher/ows' } });
    const body = (await (await fetch(`${url}/`)).json()) as Record<string, string>;
    assert.equal(body['owsproxy_uri'], `${url}/twitcher/ows/proxy`);
  });

  test('/info and /versions', async (t) => {
    const { url } = await startTestApp(t);
    const info = (await (await fetch(`${url}/info`)).json()) as Record<string, string>;
    assert.equal(info['name'], 'twitcher');
    assert.match(info['version'] ?? '', /^\d+\.\d+\.\d+/);
    const versions = (await (await fetch(`${url}/versions`)).json()) as { name: string; type: string }[];
    assert.deepEqual(
      versions.slice(0, 2).map((v) => [v.name, v.type]),
      [
        ['Twitcher', 'application'],
        ['default', 'adapter'],
      ],
    );
    assert.ok(versions.some((v) => v.type === 'store' && v.name === 'sqlite'));
  });

  test('/health is 200 when the store answers', async (t) => {
    const { url } = await startTestApp(t);
    const res = await fetch(`${url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', store: 'ok' });
  });

  test('/health is 503 when the store does not answer', async (t) => {
    const app = await startTestApp(t);
    const broken: Store = { ...app.store, ping: () => Promise.reject(new Error('connection refused')) };
    const other = await startTestApp(t, { store: broken });
    const res = await fetch(`${other.url}/health`);
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { status: string }).status, 'unavailable');
  });

  test('/api/openapi.json documents the services API with Basic security; /api serves Swagger UI', async (t) => {
    const { url } = await startTestApp(t);
    const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/services']?.['post']);
    assert.ok(doc.paths['/services/{name}']?.['put']);
    assert.ok(doc.paths['/services']?.['post']?.responses['409']);
    assert.ok(doc.paths['/services']?.['post']?.responses['422']);
    assert.deepEqual(doc.components.securitySchemes['basicAuth'], { type: 'http', scheme: 'basic' });
    const ui = await fetch(`${url}/api/`, { redirect: 'follow' });
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger/i);
  });

  test('an unknown route is a 404 problem', async (t) => {
    const { url } = await startTestApp(t);
    const res = await fetch(`${url}/nothing/here`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  });
});
