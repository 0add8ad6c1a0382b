/**
 * A Python Twitcher database imported into a fresh Twitcher, seen through the real app: migrated
 * clients get tokens with the secrets they had, and the services are listed as they were.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TwitcherError } from '../../src/errors.js';
import { applyState } from '../../src/provision/apply.js';
import type { Note } from '../../src/provision/model.js';
import { readPythonTwitcherDatabase } from '../../src/provision/python-twitcher/read-database.js';
import { toServiceJSON } from '../../src/registry/service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { fetchToken } from '../helpers/oauth.js';
import { EXPECTED_SERVICES } from './python-twitcher-expected.js';
import { buildSQLiteDatabase, SAMPLE_CLIENTS } from './python-twitcher-fixture.js';

const demo = SAMPLE_CLIENTS.find((c) => c.client_id === 'demo-client') as (typeof SAMPLE_CLIENTS)[number];

/** A fresh Twitcher with the sample Python Twitcher database (latest revision) imported. */
async function importedApp(t: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-python-'));
  t?.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'twitcher.sqlite');
  buildSQLiteDatabase(file, 'd9cff565b8db');
  const app = await startTestApp(t);
  const notes: Note[] = [];
  const state = await readPythonTwitcherDatabase(`sqlite://${file}`, notes);
  const result = await applyState(app.store, { state, notes }, { adminUsername: app.config.admin.username });
  assert.equal(result.applied, true);
  return app;
}

test('a migrated client gets a token at /oauth/token with its original secret', async (t) => {
  const app = await importedApp(t);
  const { status, body } = await fetchToken(app, {
    client_id: demo.client_id,
    client_secret: demo.client_secret,
  });
  assert.equal(status, 200);
  assert.equal(body['token_type'], 'Bearer');
  assert.equal(body['scope'], 'compute');
  assert.equal(typeof body['access_token'], 'string');

  // and the token opens the protected operations of a token service, as it did there
  const execute = `${app.url}/ows/verify/emu?service=WPS&request=Execute&version=1.0.0&identifier=hello`;
  const allowed = await fetch(execute, { headers: { authorization: `Bearer ${body['access_token']}` } });
  assert.equal(allowed.status, 200);
  const denied = await fetch(execute);
  assert.equal(denied.status, 401);
});

test('a migrated client with a wrong secret is refused', async (t) => {
  const app = await importedApp(t);
  const { status, body } = await fetchToken(app, {
    client_id: demo.client_id,
    client_secret: `${demo.client_secret}x`,
  });
  assert.equal(status, 401);
  assert.equal(body['error'], 'invalid_client');
  // the Python client's secret is not kept in clear: the hash alone is stored
  const stored = await app.store.clients.get(demo.client_id);
  assert.ok(stored && stored.secretHash !== demo.client_secret);
});

test('the imported services appear on GET /services with the same fields', async (t) => {
  const app = await importedApp(t);
  const res = await fetch(`${app.url}/services`, { headers: { authorization: app.adminAuth } });
  assert.equal(res.status, 200);
  const listed = (await res.json()) as { name: string }[];
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  assert.deepEqual(listed.sort(byName), EXPECTED_SERVICES.map(toServiceJSON).sort(byName));
});

test('GET /services without the administrator is refused (the import opens no door)', async (t) => {
  const app = await importedApp(t);
  const res = await fetch(`${app.url}/services`);
  assert.equal(res.status, 401);
});

test('importing the same database again changes nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-python-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'twitcher.sqlite');
  buildSQLiteDatabase(file, 'd9cff565b8db');
  const app = await startTestApp(t);
  const once = async () => {
    const notes: Note[] = [];
    const state = await readPythonTwitcherDatabase(file, notes);
    return applyState(app.store, { state, notes }, { adminUsername: app.config.admin.username });
  };
  assert.equal((await once()).applied, true);
  const again = await once();
  assert.deepEqual([again.applied, again.changes], [false, []]);
});

test('a database with a refused row is not applied at all', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-python-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'twitcher.sqlite');
  buildSQLiteDatabase(file, 'd9cff565b8db', {
    extraSQL:
      "INSERT INTO services (id, name, url, type, auth, _verify) VALUES (9, 'ftp', 'ftp://x.example.org/', 'wps', 'token', 1);",
  });
  const app = await startTestApp(t);
  const notes: Note[] = [];
  const state = await readPythonTwitcherDatabase(file, notes);
  await assert.rejects(
    applyState(app.store, { state, notes }, { adminUsername: app.config.admin.username }),
    (err: TwitcherError) => {
      assert.equal(err.code, 'provisioning_failed');
      assert.deepEqual(err.fields, [
        {
          field: 'python-twitcher services row 9',
          message: 'service "ftp" is refused: url must be an http or https URL',
        },
      ]);
      return true;
    },
  );
  assert.deepEqual(await app.store.services.list(), []);
  assert.equal(await app.store.clients.get(demo.client_id), undefined);
});
