import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { runTwitcher } from '../helpers/twitcher-process.js';

/**
 * How long a `twitcher serve` may take to listen: a bound for a hang, not a measure. Test files run
 * side by side, and a start from the TypeScript sources took over 15 s on a loaded 2-core machine.
 */
const STARTUP_MS = 90_000;

const dir = mkdtempSync(join(tmpdir(), 'twitcher-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('twitcher serve / migrate', () => {
  test('first start generates and prints an admin password once; data survives a restart', async (t) => {
    const port = await freePort();
    const env = {
      TWITCHER_PORT: String(port),
      TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'a', 'tw.sqlite')}`,
    };
    const first = runTwitcher(['serve'], env);
    t.after(() => first.stop());
    await first.waitFor(/listening on/, STARTUP_MS);
    const password = /password:\s+(\S+)/.exec(first.stderr())?.[1];
    assert.ok(password && password.length >= 20, `no generated password in: ${first.stderr()}`);
    assert.ok(!first.stdout().includes(password), 'the password reached the log');
    const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const base = `http://127.0.0.1:${port}`;
    const res = await fetch(`${base}/services`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'emu', url: 'http://127.0.0.1:5000/wps' }),
    });
    assert.equal(res.status, 201);
    assert.equal(await first.stop(), 0);

    const second = runTwitcher(['serve'], env);
    t.after(() => second.stop());
    await second.waitFor(/listening on/, STARTUP_MS);
    assert.doesNotMatch(second.stderr(), /password:/);
    const list = (await (await fetch(`${base}/services`, { headers: { authorization: auth } })).json()) as {
      name: string;
    }[];
    assert.deepEqual(
      list.map((s) => s.name),
      ['emu'],
    );
    assert.equal(await second.stop(), 0);
  });

  test('TWITCHER_WORKERS=2: two workers share the port, one admin password, a clean stop', async (t) => {
    const port = await freePort();
    const p = runTwitcher(['serve'], {
      TWITCHER_PORT: String(port),
      TWITCHER_WORKERS: '2',
      TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'w', 'tw.sqlite')}`,
    });
    t.after(() => p.stop());
    // both workers, however slowly a loaded machine starts them
    await p.waitFor(/listening on/, STARTUP_MS, 2);
    assert.equal(p.stdout().match(/listening on/g)?.length, 2);
    assert.equal(p.stderr().match(/password:/g)?.length, 1);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status)),
    );
    assert.deepEqual(new Set(answers), new Set([200]));
    assert.equal(await p.stop(), 0);
  });

  test('an invalid configuration is reported whole and the server does not start (exit 2)', async () => {
    const p = runTwitcher(['serve'], { TWITCHER_PORT: 'eighty', TWITCHER_LOG_LEVEL: 'loud' });
    assert.equal(await p.exited, 2);
    assert.match(p.stderr(), /TWITCHER_PORT must be an integer/);
    assert.match(p.stderr(), /TWITCHER_LOG_LEVEL must be one of/);
  });

  test('an unreachable database is one clear line and exit 1', async () => {
    const p = runTwitcher(['serve'], {
      TWITCHER_PORT: String(await freePort()),
      TWITCHER_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/none',
    });
    assert.equal(await p.exited, 1);
    assert.match(p.stderr(), /cannot open the database postgres:\/\/127\.0\.0\.1:1\/none/);
    assert.doesNotMatch(p.stderr(), /secret/);
  });

  test('an unreadable TLS certificate or CA directory is one clear line and exit 1', async () => {
    const base = {
      TWITCHER_PORT: String(await freePort()),
      TWITCHER_DATABASE_URL: `sqlite:${join(dir, 't', 'tw.sqlite')}`,
      TWITCHER_ADMIN_PASSWORD: 'a-test-password-of-some-length',
      TWITCHER_CERTS_BACKEND: 'off',
    };
    const tls = runTwitcher(['serve'], {
      ...base,
      TWITCHER_TLS_CERT_FILE: join(dir, 'missing.pem'),
      TWITCHER_TLS_KEY_FILE: join(dir, 'missing.key'),
    });
    assert.equal(await tls.exited, 1);
    assert.match(tls.stderr(), /cannot read tls\.certFile .*missing\.pem: ENOENT/);
    const anchors = runTwitcher(['serve'], {
      ...base,
      TWITCHER_CLIENT_CERTS_CA_DIR: join(dir, 'no-such-dir'),
    });
    assert.equal(await anchors.exited, 1);
    assert.match(anchors.stderr(), /cannot read CA directory .*no-such-dir/);
  });

  test('migrate creates the database and exits 0; an unknown command exits 2', async () => {
    const m = runTwitcher(['migrate'], { TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'm', 'tw.sqlite')}` });
    assert.equal(await m.exited, 0);
    assert.match(m.stdout(), /up to date/);
    const u = runTwitcher(['frobnicate'], {});
    assert.equal(await u.exited, 2);
    assert.match(u.stderr(), /unknown command "frobnicate"/);
  });

  test('hash-password makes a hash that TWITCHER_ADMIN_PASSWORD_HASH accepts, and only that password', async (t) => {
    const h = runTwitcher(['hash-password'], {});
    h.child.stdin?.end('my-long-admin-password\n');
    assert.equal(await h.exited, 0);
    const hash = h.stdout().trim();
    assert.match(hash, /^scrypt\$/);
    const port = await freePort();
    const s = runTwitcher(['serve'], {
      TWITCHER_PORT: String(port),
      TWITCHER_DATABASE_URL: 'sqlite::memory:',
      TWITCHER_ADMIN_PASSWORD_HASH: hash,
    });
    t.after(() => s.stop());
    await s.waitFor(/listening on/, STARTUP_MS);
    const get = (pw: string) =>
      fetch(`http://127.0.0.1:${port}/services`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${pw}`).toString('base64')}` },
      });
    assert.equal((await get('my-long-admin-password')).status, 200);
    assert.equal((await get('another-password')).status, 401);
  });
});
