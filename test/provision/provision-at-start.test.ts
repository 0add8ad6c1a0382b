import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { freePort } from '../helpers/ports.js';
import { runTwitcher, type TwitcherProcess } from '../helpers/twitcher-process.js';

/** A bound for a hang, not a measure: starts from the TypeScript sources on a loaded machine. */
const STARTUP_MS = 90_000;
const PASSWORD = 'provision-admin-password-1';
const AUTH = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

const dir = mkdtempSync(join(tmpdir(), 'twitcher-provision-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SITE = `format: twitcher/v1
services:
  archive:
    url: http://127.0.0.1:9/thredds
    type: thredds
    auth: acl
    resources:
      /fileServer-data: path
groups:
  researchers: {priority: 3, description: Researchers}
users:
  alice:
    password: \${ALICE_PASSWORD}
    groups: [researchers]
clients:
  portal:
    name: Portal
    secret: \${PORTAL_SECRET}
    owner: alice
permissions:
  - service: archive
    resource: /fileServer-data
    group: researchers
    permission: read
`;
writeFileSync(join(dir, 'site.yaml'), SITE);
writeFileSync(
  join(dir, 'emu-providers.cfg'),
  `providers:\n  emu:\n    url: http://127.0.0.1:9/wps\n    type: wps\n`,
);
writeFileSync(
  join(dir, 'emu-permissions.cfg'),
  'permissions:\n  - service: emu\n    permission: execute\n    group: anonymous\n',
);
const FILES = ['site.yaml', 'emu-providers.cfg', 'emu-permissions.cfg'].map((f) => join(dir, f)).join(',');

const baseEnv = (port: number, database: string): Record<string, string> => ({
  TWITCHER_PORT: String(port),
  TWITCHER_DATABASE_URL: database,
  TWITCHER_ADMIN_PASSWORD: PASSWORD,
  TWITCHER_PROVISION_FILES: FILES,
  ALICE_PASSWORD: 'alice-password-1',
  PORTAL_SECRET: 'portal-secret-value-1',
});

async function get<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: AUTH } });
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
}

async function tokenStatus(port: number, secret: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'portal',
      client_secret: secret,
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

const provisionLine = (p: TwitcherProcess) => /provision\.files \(3 files\): (.*)/.exec(p.stderr())?.[1];

describe('provision.files at the start', () => {
  test('a file that cannot be applied stops the start, every problem named, nothing written', async (t) => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'bad.yaml'),
      'format: twitcher/v1\nservices:\n  xy:\n    url: ftp://nowhere\nusers:\n  bob:\n    password: in-clear-password\n',
    );
    const database = `sqlite:${join(dir, 'bad', 'tw.sqlite')}`;
    const p = runTwitcher(['serve'], {
      ...baseEnv(port, database),
      TWITCHER_PROVISION_FILES: join(dir, 'bad.yaml'),
    });
    t.after(() => p.stop());
    assert.equal(await p.exited, 1);
    assert.match(
      p.stderr(),
      /cannot apply provision\.files: 2 problems in what was read; nothing was applied/,
    );
    assert.match(p.stderr(), /bad\.yaml:4:\d+: url must be an http or https URL/);
    assert.match(p.stderr(), /bad\.yaml:7:\d+: the password of "bob" is written in clear/);
    // the store was left as it was: a start without the files finds no service
    const ok = runTwitcher(['serve'], { ...baseEnv(port, database), TWITCHER_PROVISION_FILES: '' });
    t.after(() => ok.stop());
    await ok.waitFor(/listening on/, STARTUP_MS);
    assert.deepEqual(await get(port, '/services'), []);
  });

  test('two workers: the primary applies the files once, before they start', async (t) => {
    const port = await freePort();
    const p = runTwitcher(['serve'], {
      ...baseEnv(port, `sqlite:${join(dir, 'cluster', 'tw.sqlite')}`),
      TWITCHER_WORKERS: '2',
    });
    t.after(() => p.stop());
    await p.waitFor(/listening on/, STARTUP_MS, 2);
    assert.equal(p.stderr().match(/provision\.files/g)?.length, 1, p.stderr());
    assert.match(provisionLine(p) ?? '', /^\d+ to add, 0 to change, 0 to remove$/);
    const names = (await get<{ name: string }[]>(port, '/services')).map((s) => s.name);
    assert.deepEqual(names, ['archive', 'emu']);
    assert.equal(await tokenStatus(port, 'portal-secret-value-1'), 200);
    assert.equal(await tokenStatus(port, 'a-wrong-secret'), 401);
  });
});

const url = process.env['TWITCHER_TEST_POSTGRES_URL'];
describe('provision.files at the start: two instances on one PostgreSQL', () => {
  test('both start, the files are applied once, the later instance finds nothing to do', async (t) => {
    if (!url) {
      const reason = 'TWITCHER_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)';
      if (process.env['TWITCHER_REQUIRE_PEERS'] === '1') throw new Error(`PostgreSQL required: ${reason}`);
      t.skip(reason);
      return;
    }
    const schema = `twitcher_provision_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    t.after(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    const [portA, portB] = [await freePort(), await freePort()];
    const a = runTwitcher(['serve'], baseEnv(portA, u.toString()));
    const b = runTwitcher(['serve'], baseEnv(portB, u.toString()));
    t.after(() => a.stop());
    t.after(() => b.stop());
    await Promise.all([a.waitFor(/listening on/, STARTUP_MS), b.waitFor(/listening on/, STARTUP_MS)]);
    const lines = [provisionLine(a), provisionLine(b)].sort();
    assert.match(lines[0] ?? '', /^\d+ to add, 0 to change, 0 to remove$/, `${a.stderr()}\n${b.stderr()}`);
    assert.equal(lines[1], 'the store matches them', `${a.stderr()}\n${b.stderr()}`);
    for (const port of [portA, portB]) {
      const names = (await get<{ name: string }[]>(port, '/services')).map((s) => s.name);
      assert.deepEqual(names, ['archive', 'emu']);
      assert.equal(await tokenStatus(port, 'portal-secret-value-1'), 200);
    }
    const perms = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.permissions`);
    assert.equal(perms.rows[0].n, 2, 'each permission once');
    const digest = await admin.query(`SELECT digest FROM ${schema}.provisioning WHERE id = 1`);
    assert.match(digest.rows[0].digest, /^[0-9a-f]{64}$/);
  });
});
