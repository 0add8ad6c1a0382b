import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assembleDeps } from '../../src/app/assemble-deps.js';
import { StartupError } from '../../src/app/startup-error.js';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-deps-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const configOf = (overrides: Record<string, unknown> = {}, admin = true) =>
  loadConfig({
    env: {},
    overrides: {
      'database.url': 'sqlite::memory:',
      ...(admin && { 'admin.password': 'deps-admin-password' }),
      'certs.caKeyType': 'ec-p256',
      ...overrides,
    },
  });

describe('assembleDeps', () => {
  test('close() releases the store it opened, once; a store of the caller stays open', async () => {
    const own = await assembleDeps(configOf(), { certificateAuthority: 'none' });
    await own.store.ping();
    await own.close();
    await assert.rejects(own.store.ping());
    await own.close(); // a second close is harmless

    const kept = await openStore('sqlite::memory:');
    const lent = await assembleDeps(configOf(), { store: kept, certificateAuthority: 'none' });
    assert.equal(lent.store, kept);
    await lent.close();
    await kept.ping();
    await kept.close();
  });

  test('a failing step is a StartupError naming it, and what the caller lent is left usable', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const kept = await openStore('sqlite::memory:');
    await assert.rejects(
      assembleDeps(configOf({ 'certs.caDir': join(file, 'ca') }), { store: kept }),
      (err: unknown) =>
        err instanceof StartupError &&
        err.message.startsWith(`cannot open the certificate authority in ${file}`),
    );
    await kept.ping();
    await kept.close();
  });

  test('the built-in CA: made at the start as configured, never with none', async () => {
    const atStart = await assembleDeps(configOf({ 'certs.caDir': join(dir, 'ca-1') }));
    assert.ok(atStart.certificateBackend, 'the certificate service is on');
    await atStart.close();

    const none = await assembleDeps(configOf({ 'certs.caDir': join(dir, 'ca-2') }), {
      certificateAuthority: 'none',
    });
    assert.equal(none.certificateBackend, undefined);
    await none.close();

    const off = await assembleDeps(configOf({ 'certs.backend': 'off' }));
    assert.equal(off.certificateBackend, undefined);
    await off.close();
  });

  test('a generated administrator password is announced once', async () => {
    const shown: string[] = [];
    const deps = await assembleDeps(configOf({}, false), {
      certificateAuthority: 'none',
      announce: (t) => shown.push(t),
    });
    await deps.close();
    assert.equal(shown.length, 1);
    assert.match(shown[0] ?? '', /user name: admin\n {4}password: {2}\S{12,}/);
  });
});
