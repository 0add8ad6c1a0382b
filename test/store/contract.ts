import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import type { Service } from '../../src/registry/service.js';
import type { ChangeEvent, Store } from '../../src/store/types.js';

export interface StoreFactory {
  /** A new, empty, migrated store. */
  open(): Promise<Store>;
  /** A second store on the same database as `store` (another instance), when the dialect can. */
  openSibling?(store: Store): Promise<Store>;
}

const svc = (name: string, over: Partial<Service> = {}): Service => ({
  name,
  url: `http://127.0.0.1:5000/${name}`,
  type: 'wps',
  purl: '',
  auth: 'token',
  verify: true,
  passTokenData: false,
  ...over,
});

function isDuplicate(err: unknown): boolean {
  return err instanceof TwitcherError && err.code === 'duplicate_name' && err.status === 409;
}

/** The one contract every store implementation keeps (run against SQLite and PostgreSQL). */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    const withStore = (title: string, fn: (store: Store) => Promise<void>) =>
      test(title, async (t) => {
        const store = await factory.open();
        t.after(() => store.close());
        await fn(store);
      });

    withStore('an empty store lists no service and knows no name', async (store) => {
      assert.deepEqual(await store.services.list(), []);
      assert.equal(await store.services.get('emu'), undefined);
    });

    withStore('create then get returns every field as written', async (store) => {
      const s = svc('emu', {
        type: 'wms',
        purl: 'https://example.org/wms',
        auth: 'public',
        verify: false,
        passTokenData: true,
      });
      await store.services.create(s);
      assert.deepEqual(await store.services.get('emu'), s);
    });

    withStore('list is sorted by name', async (store) => {
      for (const n of ['zeta', 'alpha', 'mid']) await store.services.create(svc(n));
      assert.deepEqual(
        (await store.services.list()).map((s) => s.name),
        ['alpha', 'mid', 'zeta'],
      );
    });

    withStore('creating a taken name fails with duplicate_name and keeps the first', async (store) => {
      await store.services.create(svc('emu'));
      await assert.rejects(store.services.create(svc('emu', { url: 'http://other/' })), isDuplicate);
      assert.equal((await store.services.get('emu'))?.url, 'http://127.0.0.1:5000/emu');
    });

    withStore('put creates when absent and replaces when present', async (store) => {
      const first = await store.services.put(svc('emu'));
      assert.equal(first.created, true);
      const second = await store.services.put(
        svc('emu', { url: 'http://127.0.0.1:6000/wps', verify: false }),
      );
      assert.equal(second.created, false);
      assert.deepEqual(
        await store.services.get('emu'),
        svc('emu', { url: 'http://127.0.0.1:6000/wps', verify: false }),
      );
      assert.equal((await store.services.list()).length, 1);
    });

    withStore('delete says whether something was deleted', async (store) => {
      await store.services.create(svc('emu'));
      assert.equal(await store.services.delete('emu'), true);
      assert.equal(await store.services.delete('emu'), false);
      assert.equal(await store.services.get('emu'), undefined);
    });

    withStore('clear deletes everything and counts it', async (store) => {
      await store.services.create(svc('a1'));
      await store.services.create(svc('b2'));
      assert.equal(await store.services.clear(), 2);
      assert.equal(await store.services.clear(), 0);
      assert.deepEqual(await store.services.list(), []);
    });

    withStore(
      'two writers creating the same name at once: one wins, one gets duplicate_name',
      async (store) => {
        const results = await Promise.allSettled([
          store.services.create(svc('race', { url: 'http://a/' })),
          store.services.create(svc('race', { url: 'http://b/' })),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(rejected.length, 1);
        assert.ok(isDuplicate(rejected[0]?.reason));
        assert.equal((await store.services.list()).length, 1);
      },
    );

    withStore('many writers at once lose nothing', async (store) => {
      const names = Array.from({ length: 40 }, (_, i) => `svc_${i}`);
      await Promise.all(names.map((n) => store.services.create(svc(n))));
      await Promise.all(names.map((n, i) => store.services.put(svc(n, { url: `http://h/${i}` }))));
      const listed = await store.services.list();
      assert.equal(listed.length, 40);
      for (const [i, n] of names.entries())
        assert.equal(listed.find((s) => s.name === n)?.url, `http://h/${i}`);
    });

    withStore('two puts of one new name at once: both succeed, exactly one created it', async (store) => {
      const [a, b] = await Promise.all([store.services.put(svc('twin')), store.services.put(svc('twin'))]);
      assert.equal([a.created, b.created].filter(Boolean).length, 1);
      assert.equal((await store.services.list()).length, 1);
    });

    withStore('users: create, get, duplicate refused', async (store) => {
      const u = await store.users.create({ username: 'admin', passwordHash: 'scrypt$x', isAdmin: true });
      assert.equal(u.isAdmin, true);
      const got = await store.users.get('admin');
      assert.equal(got?.passwordHash, 'scrypt$x');
      assert.equal(got?.isAdmin, true);
      assert.equal(await store.users.get('nobody'), undefined);
      await assert.rejects(
        store.users.create({ username: 'admin', passwordHash: 'y', isAdmin: false }),
        isDuplicate,
      );
    });

    withStore('writes are announced on the change feed', async (store) => {
      const events: ChangeEvent[] = [];
      const off = store.changes.subscribe((e) => events.push(e));
      await store.services.create(svc('emu'));
      await store.services.delete('emu');
      off();
      await store.services.create(svc('after'));
      assert.deepEqual(
        events.filter((e) => e.aggregate === 'services'),
        [
          { aggregate: 'services', key: 'emu' },
          { aggregate: 'services', key: 'emu' },
        ],
      );
    });

    withStore('clients: create, get, list, update, delete (with their tokens)', async (store) => {
      const c = {
        clientId: 'c1',
        name: 'portal',
        secretHash: 'h1',
        redirectURI: 'https://portal.example.org/cb',
        scopes: ['compute', 'register'],
        data: { project: 'cmip6', 'user-id': '42' },
        createdAt: 1000,
      };
      await store.clients.create(c);
      assert.deepEqual(await store.clients.get('c1'), c);
      await assert.rejects(store.clients.create(c), isDuplicate);
      await store.clients.create({ ...c, clientId: 'c2', createdAt: 2000 });
      assert.deepEqual(
        (await store.clients.list()).map((x) => x.clientId),
        ['c1', 'c2'],
      );
      const updated = await store.clients.update('c1', { scopes: ['compute'], data: {} });
      assert.deepEqual(updated?.scopes, ['compute']);
      assert.deepEqual(updated?.data, {});
      assert.equal(await store.clients.update('nope', { name: 'x' }), undefined);
      await store.tokens.insert({
        jti: 'j1',
        tokenHash: 'th1',
        clientId: 'c1',
        scopes: ['compute'],
        data: {},
        issuedAt: 1,
        expiresAt: 9_999_999_999,
      });
      assert.equal(await store.clients.delete('c1'), true);
      assert.equal(await store.clients.delete('c1'), false);
      assert.equal(await store.tokens.findByHash('th1'), undefined);
    });

    withStore('tokens: stored by hash, revoked at once, expired ones purged', async (store) => {
      await store.clients.create({
        clientId: 'c1',
        name: 'x',
        secretHash: 'h',
        redirectURI: '',
        scopes: ['compute'],
        data: {},
        createdAt: 1,
      });
      const rec = {
        jti: 'j1',
        tokenHash: 'hash-1',
        clientId: 'c1',
        scopes: ['compute', 'register'],
        data: { a: 'b' },
        issuedAt: 100,
        expiresAt: 200,
      };
      await store.tokens.insert(rec);
      assert.deepEqual(await store.tokens.findByHash('hash-1'), rec);
      assert.equal(await store.tokens.findByHash('hash-2'), undefined);
      assert.equal(await store.tokens.isRevoked('j1'), false);
      await store.tokens.revoke('j1', 'c1', 200);
      await store.tokens.revoke('j1', 'c1', 200);
      assert.equal(await store.tokens.isRevoked('j1'), true);
      assert.equal(await store.tokens.findByHash('hash-1'), undefined);
      await store.tokens.insert({ ...rec, jti: 'j2', tokenHash: 'hash-2', expiresAt: 150 });
      assert.equal(await store.tokens.purgeExpired(201), 2);
      assert.equal(await store.tokens.isRevoked('j1'), false);
    });

    withStore('ping answers and describe names the database', async (store) => {
      await store.ping();
      const d = await store.describe();
      assert.match(d.name, /^(sqlite|postgresql)$/);
      assert.match(d.version, /^\d+\.\d+/);
    });

    if (factory.openSibling) {
      const openSibling = factory.openSibling;
      test('another instance on the same database sees the writes and hears of them', async (t) => {
        const a = await factory.open();
        t.after(() => a.close());
        const b = await openSibling(a);
        t.after(() => b.close());
        const heard = new Promise<ChangeEvent>((resolve) => {
          const off = b.changes.subscribe((e) => {
            off();
            resolve(e);
          });
        });
        await a.services.create(svc('shared'));
        const event = await Promise.race([
          heard,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('no change event within 3 s')), 3000),
          ),
        ]);
        assert.ok(event.aggregate === 'all' || (event.aggregate === 'services' && event.key === 'shared'));
        assert.equal((await b.services.get('shared'))?.name, 'shared');
      });
    }
  });
}
