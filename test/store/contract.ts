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
  /** How many sessions of the database wait on a lock now (PostgreSQL's pg_stat_activity). */
  lockWaiters?(): Promise<number>;
}

const svc = (name: string, over: Partial<Service> = {}): Service => ({
  name,
  url: `http://127.0.0.1:5000/${name}`,
  type: 'wps',
  purl: '',
  auth: 'token',
  verify: true,
  passTokenData: false,
  certSubjects: [],
  limits: {},
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

    withStore('the subject DN patterns of a cert service are kept, in order', async (store) => {
      const s = svc('esgf', { auth: 'cert', certSubjects: ['/O=ESGF/OU=*', 'CN=*,OU=Users,O=Twitcher'] });
      await store.services.create(s);
      assert.deepEqual(await store.services.get('esgf'), s);
      await store.services.put({ ...s, certSubjects: [] });
      assert.deepEqual((await store.services.get('esgf'))?.certSubjects, []);
    });

    withStore('per-service limits round-trip; none is {} (also in list)', async (store) => {
      const limits = { maxConcurrent: 8, connectTimeout: 10_000, headersTimeout: 300_000, bodyTimeout: 1 };
      await store.services.create(svc('busy', { limits }));
      await store.services.create(svc('plain'));
      assert.deepEqual((await store.services.get('busy'))?.limits, limits);
      assert.deepEqual((await store.services.get('plain'))?.limits, {});
      assert.deepEqual(
        (await store.services.list()).map((s) => [s.name, s.limits]),
        [
          ['busy', limits],
          ['plain', {}],
        ],
      );
      await store.services.put(svc('busy', { limits: { headersTimeout: 5000 } }));
      assert.deepEqual((await store.services.get('busy'))?.limits, { headersTimeout: 5000 });
      await store.services.put(svc('busy'));
      assert.deepEqual((await store.services.get('busy'))?.limits, {});
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

    withStore(
      'a transaction commits its writes together and announces them after the commit',
      async (store) => {
        const heard: ChangeEvent[] = [];
        const off = store.changes.subscribe((e) => heard.push(e));
        await store.transaction(async (tx) => {
          await tx.services.create(svc('tx-one'));
          await tx.groups.create({ name: 'tx-group', priority: 1, description: '' });
          assert.deepEqual(heard, [], 'nothing is announced before the commit');
        });
        off();
        assert.equal(heard.length, 1);
        assert.equal((await store.services.get('tx-one'))?.name, 'tx-one');
        assert.equal((await store.groups.get('tx-group'))?.priority, 1);
      },
    );

    withStore('a transaction that throws leaves nothing behind and announces nothing', async (store) => {
      const heard: ChangeEvent[] = [];
      const off = store.changes.subscribe((e) => heard.push(e));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.services.create(svc('tx-gone'));
          await tx.groups.create({ name: 'tx-gone-group', priority: 0, description: '' });
          // a refusal of the store itself (PostgreSQL then aborts the transaction)
          await tx.services.create(svc('tx-gone'));
        }),
        isDuplicate,
      );
      off();
      assert.deepEqual(heard, []);
      assert.equal(await store.services.get('tx-gone'), undefined);
      assert.equal(await store.groups.get('tx-gone-group'), undefined);
    });

    withStore(
      'put inside a transaction replaces an existing service (no failed insert first)',
      async (store) => {
        await store.services.create(svc('tx-put'));
        const result = await store.transaction((tx) =>
          tx.services.put(svc('tx-put', { url: 'http://127.0.0.1:1/x' })),
        );
        assert.equal(result.created, false);
        assert.equal((await store.services.get('tx-put'))?.url, 'http://127.0.0.1:1/x');
        const added = await store.transaction((tx) => tx.services.put(svc('tx-new')));
        assert.equal(added.created, true);
      },
    );

    withStore('the provisioning lock keeps the digest of the files last applied', async (store) => {
      const before = await store.transaction((tx) => tx.lockProvisioning());
      assert.deepEqual(before, { digest: '', appliedAt: 0 });
      await store.transaction(async (tx) => {
        await tx.lockProvisioning();
        await tx.recordProvisioning('abc123');
      });
      const after = await store.transaction((tx) => tx.lockProvisioning());
      assert.equal(after.digest, 'abc123');
      assert.ok(after.appliedAt > 0);
    });

    if (factory.openSibling) {
      const openSibling = factory.openSibling;
      test('audit: two instances writing the same aggregated key share one row', async (t) => {
        const a = await factory.open();
        t.after(() => a.close());
        const b = await openSibling(a);
        t.after(() => b.close());
        const refusal = {
          at: 2000,
          subject: 'anonymous',
          clientAddress: '192.0.2.1',
          service: 'emu',
          operation: 'Execute',
          permission: 'execute',
          resources: [],
          outcome: 'deny' as const,
          rule: 'no-permission',
          aggregateKey: 'shared-key',
        };
        await Promise.all([
          a.audit.insert([{ ...refusal, count: 10 }]),
          b.audit.insert([{ ...refusal, count: 7 }]),
        ]);
        const rows = (await a.audit.query({ limit: 10 })).records;
        assert.deepEqual(
          rows.map((r) => r.count),
          [17],
        );
      });

      test('the provisioning lock makes a second instance wait for the first to commit', async (t) => {
        const a = await factory.open();
        t.after(() => a.close());
        const lockWaiters = factory.lockWaiters;
        if (!lockWaiters) {
          // one SQLite connection per process: a sibling in the same process would block the thread
          t.skip('SQLite: instances in separate processes (test/provision/provision-at-start.test.ts)');
          return;
        }
        const b = await openSibling(a);
        t.after(() => b.close());
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        let aLocked: () => void = () => undefined;
        const locked = new Promise<void>((resolve) => {
          aLocked = resolve;
        });
        const order: string[] = [];
        const first = a.transaction(async (tx) => {
          await tx.lockProvisioning();
          aLocked();
          await tx.services.create(svc('locked-first'));
          await gate;
          order.push('a commits');
        });
        await locked;
        const second = b.transaction(async (tx) => {
          await tx.lockProvisioning();
          order.push('b locked');
          return tx.services.get('locked-first');
        });
        // b is waiting on the row lock (not merely not started yet)
        while ((await lockWaiters()) === 0) await new Promise((resolve) => setImmediate(resolve));
        release();
        const [, seen] = await Promise.all([first, second]);
        assert.deepEqual(order, ['a commits', 'b locked']);
        assert.equal(seen?.name, 'locked-first', 'b saw what a committed');
      });

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

// ------------------------------------------------------------------------------------------------
// Authorization: groups, memberships, resources, permissions, audit (issue 7)

function hasCode(code: string, status?: number) {
  return (err: unknown) =>
    err instanceof TwitcherError && err.code === code && (status === undefined || err.status === status);
}

/** The authorization part of the store contract (run against SQLite and PostgreSQL). */
export function authzStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract (authorization): ${name}`, () => {
    const withStore = (title: string, fn: (store: Store) => Promise<void>) =>
      test(title, async (t) => {
        const store = await factory.open();
        t.after(() => store.close());
        await fn(store);
      });
    const user = (store: Store, username: string) =>
      store.users.create({ username, passwordHash: 'scrypt$x', isAdmin: false });

    withStore('the special groups exist and cannot be deleted', async (store) => {
      const groups = await store.groups.list();
      assert.deepEqual(
        groups.map((g) => [g.name, g.priority]),
        [
          ['administrators', 1_000_000],
          ['anonymous', -1],
          ['authenticated', 0],
        ],
      );
      for (const g of ['administrators', 'anonymous', 'authenticated']) {
        await assert.rejects(store.groups.delete(g), hasCode('conflict', 409));
      }
    });

    withStore('groups: create, update, duplicate refused, membership both ways', async (store) => {
      await user(store, 'alice');
      await user(store, 'bob');
      const staff = await store.groups.create({ name: 'staff', priority: 5, description: 'Staff' });
      assert.equal(staff.priority, 5);
      await assert.rejects(store.groups.create({ name: 'staff', priority: 0, description: '' }), isDuplicate);
      assert.equal((await store.groups.update('staff', { priority: 7 }))?.priority, 7);
      assert.equal(await store.groups.update('nope', { priority: 1 }), undefined);
      assert.equal(await store.groups.addMember('staff', 'bob'), true);
      assert.equal(await store.groups.addMember('staff', 'alice'), true);
      assert.equal(await store.groups.addMember('staff', 'alice'), false);
      assert.deepEqual(await store.groups.members('staff'), ['alice', 'bob']);
      assert.deepEqual(
        (await store.groups.groupsOf('alice')).map((g) => g.name),
        ['staff'],
      );
      await assert.rejects(store.groups.addMember('staff', 'nobody'), hasCode('not_found', 404));
      await assert.rejects(store.groups.addMember('nogroup', 'alice'), hasCode('not_found', 404));
      await assert.rejects(store.groups.members('nogroup'), hasCode('not_found'));
      assert.equal(await store.groups.removeMember('staff', 'bob'), true);
      assert.equal(await store.groups.removeMember('staff', 'bob'), false);
    });

    withStore('a group in use is not deleted; once empty it is', async (store) => {
      await user(store, 'alice');
      await store.services.create(svc('emu'));
      await store.groups.create({ name: 'staff', priority: 0, description: '' });
      await store.groups.addMember('staff', 'alice');
      await assert.rejects(store.groups.delete('staff'), hasCode('group_in_use', 409));
      await store.groups.removeMember('staff', 'alice');
      const p = await store.permissions.grant({
        grantee: { group: 'staff' },
        service: 'emu',
        permission: 'execute',
        access: 'allow',
        scope: 'recursive',
      });
      await assert.rejects(store.groups.delete('staff'), hasCode('group_in_use'));
      await store.permissions.revoke(p.id);
      assert.equal(await store.groups.delete('staff'), true);
      assert.equal(await store.groups.delete('staff'), false);
    });

    withStore(
      'resources: a tree per service, kinds checked, names unique case-insensitively',
      async (store) => {
        await store.services.create(svc('map', { type: 'wms' }));
        await store.services.create(svc('emu'));
        const root = await store.resources.create({ service: 'map', kind: 'layer', name: 'peers' });
        const cities = await store.resources.create({
          service: 'map',
          kind: 'layer',
          name: 'cities',
          parentId: root.id,
        });
        assert.equal(cities.parentId, root.id);
        await assert.rejects(
          store.resources.create({ service: 'map', kind: 'layer', name: 'CITIES' }),
          isDuplicate,
          'a layer name is unique in its service, wherever it is',
        );
        await assert.rejects(
          store.resources.create({ service: 'map', kind: 'process', name: 'hello' }),
          hasCode('invalid_resource', 422),
        );
        await assert.rejects(
          store.resources.create({ service: 'emu', kind: 'process', name: 'x', parentId: root.id }),
          hasCode('invalid_resource'),
          'a resource under the wrong service',
        );
        const hello = await store.resources.create({ service: 'emu', kind: 'process', name: 'hello' });
        await assert.rejects(
          store.resources.create({ service: 'emu', kind: 'process', name: 'x', parentId: hello.id }),
          hasCode('invalid_resource'),
          'processes do not nest',
        );
        await assert.rejects(
          store.resources.create({ service: 'nope', kind: 'process', name: 'x' }),
          hasCode('service_not_found', 404),
        );
        await assert.rejects(
          store.resources.create({ service: 'map', kind: 'layer', name: 'x', parentId: 999_999 }),
          hasCode('unknown_reference', 422),
        );
        await assert.rejects(
          store.resources.create({ service: 'map', kind: 'layer', name: ' padded' }),
          hasCode('validation_failed'),
        );
        const listed = await store.resources.list('map');
        assert.deepEqual(
          listed.map((r) => r.name),
          ['peers', 'cities'],
        );
        assert.deepEqual(await store.resources.get(cities.id), cities);
      },
    );

    withStore('paths nest; siblings are unique, cousins may share a name', async (store) => {
      await store.services.create(svc('files', { type: 'thredds' }));
      const a = await store.resources.create({ service: 'files', kind: 'path', name: 'a' });
      const b = await store.resources.create({ service: 'files', kind: 'path', name: 'b' });
      await store.resources.create({ service: 'files', kind: 'path', name: 'x.nc', parentId: a.id });
      await store.resources.create({ service: 'files', kind: 'path', name: 'x.nc', parentId: b.id });
      await assert.rejects(
        store.resources.create({ service: 'files', kind: 'path', name: 'A' }),
        isDuplicate,
      );
      await assert.rejects(
        store.resources.create({ service: 'files', kind: 'path', name: 'c/d' }),
        hasCode('validation_failed'),
      );
    });

    withStore('moving a resource under itself or a descendant is a cycle, refused', async (store) => {
      await store.services.create(svc('files', { type: 'http' }));
      const a = await store.resources.create({ service: 'files', kind: 'path', name: 'a' });
      const b = await store.resources.create({ service: 'files', kind: 'path', name: 'b', parentId: a.id });
      const c = await store.resources.create({ service: 'files', kind: 'path', name: 'c', parentId: b.id });
      await assert.rejects(store.resources.update(a.id, { parentId: c.id }), hasCode('resource_cycle', 409));
      await assert.rejects(store.resources.update(a.id, { parentId: a.id }), hasCode('resource_cycle'));
      assert.equal((await store.resources.get(a.id))?.parentId, undefined, 'nothing half-written');
      const moved = await store.resources.update(c.id, { parentId: null, name: 'c2' });
      assert.equal(moved?.parentId, undefined);
      assert.equal(moved?.name, 'c2');
      assert.equal(await store.resources.update(999_999, { name: 'x' }), undefined);
    });

    withStore('deleting a resource deletes its subtree and the permissions on it', async (store) => {
      await store.services.create(svc('files', { type: 'http' }));
      await user(store, 'alice');
      const a = await store.resources.create({ service: 'files', kind: 'path', name: 'a' });
      const b = await store.resources.create({ service: 'files', kind: 'path', name: 'b', parentId: a.id });
      await store.permissions.grant({
        grantee: { user: 'alice' },
        service: 'files',
        resourceId: b.id,
        permission: 'read',
        access: 'allow',
        scope: 'match',
      });
      assert.equal(await store.resources.delete(a.id), true);
      assert.equal(await store.resources.delete(a.id), false);
      assert.equal(await store.resources.get(b.id), undefined);
      assert.deepEqual(await store.permissions.list({ service: 'files' }), []);
    });

    withStore('permissions: grant, list by grantee, the service snapshot, revoke', async (store) => {
      await store.services.create(svc('emu'));
      await user(store, 'alice');
      await store.groups.create({ name: 'staff', priority: 2, description: '' });
      const hello = await store.resources.create({ service: 'emu', kind: 'process', name: 'hello' });
      const p1 = await store.permissions.grant({
        grantee: { user: 'alice' },
        service: 'emu',
        resourceId: hello.id,
        permission: 'execute',
        access: 'allow',
        scope: 'match',
      });
      assert.deepEqual(p1.grantee, { user: 'alice' });
      assert.equal(p1.resourceId, hello.id);
      const p2 = await store.permissions.grant({
        grantee: { group: 'staff' },
        service: 'emu',
        permission: 'execute',
        access: 'deny',
        scope: 'recursive',
      });
      assert.equal(p2.resourceId, undefined);
      assert.deepEqual(
        (await store.permissions.list({ user: 'alice' })).map((p) => p.id),
        [p1.id],
      );
      assert.deepEqual(
        (await store.permissions.list({ group: 'staff' })).map((p) => p.id),
        [p2.id],
      );
      const acl = await store.permissions.forService('emu');
      assert.deepEqual(
        acl.resources.map((r) => r.name),
        ['hello'],
      );
      assert.equal(acl.permissions.length, 2);
      assert.deepEqual(await store.permissions.get(p1.id), p1);
      assert.equal(await store.permissions.revoke(p1.id), true);
      assert.equal(await store.permissions.revoke(p1.id), false);
    });

    withStore('bad grants are refused, each with its code, nothing written', async (store) => {
      await store.services.create(svc('emu'));
      await store.services.create(svc('map', { type: 'wms' }));
      await user(store, 'alice');
      const layer = await store.resources.create({ service: 'map', kind: 'layer', name: 'cities' });
      const base = {
        grantee: { user: 'alice' },
        service: 'emu',
        permission: 'execute',
        access: 'allow',
        scope: 'match',
      } as const;
      await assert.rejects(
        store.permissions.grant({ ...base, grantee: { user: 'nobody' } }),
        hasCode('unknown_reference', 422),
      );
      await assert.rejects(
        store.permissions.grant({ ...base, grantee: { group: 'nogroup' } }),
        hasCode('unknown_reference'),
      );
      await assert.rejects(
        store.permissions.grant({ ...base, service: 'nope' }),
        hasCode('unknown_reference'),
      );
      await assert.rejects(
        store.permissions.grant({ ...base, resourceId: 999_999 }),
        hasCode('unknown_reference'),
      );
      await assert.rejects(
        store.permissions.grant({ ...base, resourceId: layer.id }),
        hasCode('invalid_resource', 422),
        'a resource of another service',
      );
      await assert.rejects(
        store.permissions.grant({ ...base, permission: 'getmap' }),
        hasCode('validation_failed'),
      );
      await assert.rejects(
        store.permissions.grant({ ...base, permission: 'frobnicate' }),
        hasCode('validation_failed'),
      );
      assert.deepEqual(await store.permissions.list(), []);
      await store.permissions.grant(base);
      await assert.rejects(store.permissions.grant(base), hasCode('duplicate_grant', 409));
      await assert.rejects(
        store.permissions.grant({ ...base, access: 'deny', scope: 'recursive' }),
        hasCode('duplicate_grant'),
        'one grant per grantee, resource and permission, whatever access and scope',
      );
      assert.equal((await store.permissions.list()).length, 1);
    });

    withStore(
      'deleting a user removes its memberships and permissions; its clients lose their owner',
      async (store) => {
        await store.services.create(svc('emu'));
        await user(store, 'alice');
        await store.groups.create({ name: 'staff', priority: 0, description: '' });
        await store.groups.addMember('staff', 'alice');
        await store.permissions.grant({
          grantee: { user: 'alice' },
          service: 'emu',
          permission: 'execute',
          access: 'allow',
          scope: 'recursive',
        });
        await store.clients.create({
          clientId: 'c1',
          name: 'x',
          secretHash: 'h',
          redirectURI: '',
          scopes: ['compute'],
          data: {},
          createdAt: 1,
          owner: 'alice',
        });
        assert.equal((await store.clients.get('c1'))?.owner, 'alice');
        assert.equal(await store.users.delete('alice'), true);
        assert.deepEqual(await store.groups.members('staff'), []);
        assert.deepEqual(await store.permissions.list(), []);
        assert.equal((await store.clients.get('c1'))?.owner, undefined);
      },
    );

    withStore('deleting a service deletes its resources and permissions', async (store) => {
      await store.services.create(svc('emu'));
      await user(store, 'alice');
      await store.resources.create({ service: 'emu', kind: 'process', name: 'hello' });
      await store.permissions.grant({
        grantee: { user: 'alice' },
        service: 'emu',
        permission: 'execute',
        access: 'allow',
        scope: 'recursive',
      });
      await store.services.delete('emu');
      assert.deepEqual(await store.resources.list('emu'), []);
      assert.deepEqual(await store.permissions.list(), []);
    });

    withStore(
      'client owners: set at creation or later, unknown users refused, cleared with null',
      async (store) => {
        await user(store, 'alice');
        const c = {
          clientId: 'c1',
          name: 'x',
          secretHash: 'h',
          redirectURI: '',
          scopes: ['compute'],
          data: {},
          createdAt: 1,
        };
        await assert.rejects(
          store.clients.create({ ...c, owner: 'nobody' }),
          hasCode('unknown_reference', 422),
        );
        await store.clients.create(c);
        assert.equal((await store.clients.get('c1'))?.owner, undefined);
        assert.equal((await store.clients.update('c1', { owner: 'alice' }))?.owner, 'alice');
        await assert.rejects(store.clients.update('c1', { owner: 'nobody' }), hasCode('unknown_reference'));
        assert.equal((await store.clients.update('c1', { owner: null }))?.owner, undefined);
      },
    );

    withStore('certificate DNs: either form finds the user; one user per DN', async (store) => {
      await store.users.create({
        username: 'alice',
        passwordHash: 'x',
        isAdmin: false,
        certificateDN: 'CN=Alice Smith,OU=Users,O=Example',
      });
      await user(store, 'bob');
      const { dnKey } = await import('../../src/pki/x509/dn/index.js');
      assert.equal(
        (await store.users.findByCertificateDN(dnKey('/O=Example/OU=Users/CN=alice  smith')))?.username,
        'alice',
      );
      assert.equal((await store.users.get('alice'))?.certificateDN, 'CN=Alice Smith,OU=Users,O=Example');
      await assert.rejects(
        store.users.setCertificateDN('bob', '/O=Example/OU=Users/CN=Alice Smith'),
        isDuplicate,
      );
      await assert.rejects(store.users.setCertificateDN('bob', 'not a dn'), hasCode('validation_failed'));
      assert.equal(await store.users.setCertificateDN('bob', 'CN=bob,O=Example'), true);
      assert.equal(await store.users.setCertificateDN('nobody', 'CN=x'), false);
      assert.equal(await store.users.setCertificateDN('alice', undefined), true);
      assert.equal(
        await store.users.findByCertificateDN(dnKey('CN=Alice Smith,OU=Users,O=Example')),
        undefined,
      );
    });

    withStore('authorization changes are announced on the change feed', async (store) => {
      const events: ChangeEvent[] = [];
      store.changes.subscribe((e) => events.push(e));
      await store.services.create(svc('emu'));
      await store.groups.create({ name: 'staff', priority: 0, description: '' });
      const r = await store.resources.create({ service: 'emu', kind: 'process', name: 'hello' });
      const p = await store.permissions.grant({
        grantee: { group: 'staff' },
        service: 'emu',
        resourceId: r.id,
        permission: 'execute',
        access: 'allow',
        scope: 'match',
      });
      await store.permissions.revoke(p.id);
      assert.equal(events.filter((e) => e.aggregate === 'authz').length, 4);
    });

    withStore('audit: batched insert, filtered newest-first pages, pruning', async (store) => {
      const base = {
        subject: 'user:alice',
        username: 'alice',
        clientAddress: '127.0.0.1',
        service: 'emu',
        operation: 'Execute',
        permission: 'execute',
        resources: ['hello'],
        outcome: 'allow' as const,
        rule: 'user:alice:execute-allow-match@emu/hello',
      };
      const records = Array.from({ length: 25 }, (_, i) => ({
        ...base,
        at: 1000 + i,
        ...(i % 5 === 0 && { outcome: 'deny' as const, username: 'bob', subject: 'user:bob' }),
        ...(i % 2 === 0 && { service: 'map' }),
      }));
      await store.audit.insert(records);
      const first = await store.audit.query({ limit: 10 });
      assert.equal(first.records.length, 10);
      assert.equal(first.records[0]?.at, 1024);
      assert.deepEqual(first.records[0]?.resources, ['hello']);
      assert.ok(first.nextCursor);
      const second = await store.audit.query({ limit: 10, cursor: first.nextCursor });
      const third = await store.audit.query({ limit: 10, cursor: second.nextCursor });
      assert.equal(third.records.length, 5);
      assert.equal(third.nextCursor, undefined);
      const ats = [...first.records, ...second.records, ...third.records].map((r) => r.at);
      assert.deepEqual(
        ats,
        [...ats].sort((a, b) => b - a),
      );
      assert.equal(new Set(ats).size, 25);
      assert.equal((await store.audit.query({ limit: 100, user: 'bob' })).records.length, 5);
      assert.equal((await store.audit.query({ limit: 100, outcome: 'deny' })).records.length, 5);
      assert.equal((await store.audit.query({ limit: 100, service: 'emu' })).records.length, 12);
      assert.equal((await store.audit.query({ limit: 100, from: 1010, to: 1020 })).records.length, 10);
      await assert.rejects(store.audit.query({ limit: 10, cursor: 'abc' }), hasCode('invalid_request'));
      assert.equal(await store.audit.prune(1010), 10);
      assert.equal((await store.audit.query({ limit: 100 })).records.length, 15);
    });

    withStore(
      'audit: aggregated records are one row per key, their counts added across batches',
      async (store) => {
        const refusal = {
          subject: 'anonymous',
          clientAddress: '192.0.2.1',
          service: 'emu',
          operation: 'Execute',
          permission: 'execute',
          resources: ['hello'],
          outcome: 'deny' as const,
          rule: 'no-permission',
        };
        await store.audit.insert([
          { ...refusal, at: 1000, count: 3, aggregateKey: 'k1' },
          { ...refusal, at: 1001, count: 1 },
          { ...refusal, at: 1002, count: 2, aggregateKey: 'k1', operation: 'GetCapabilities' },
          { ...refusal, at: 1003, count: 1, aggregateKey: 'k2', clientAddress: '192.0.2.2' },
        ]);
        let rows = (await store.audit.query({ limit: 100 })).records;
        assert.equal(rows.length, 3);
        const k1 = rows.find((r) => r.at === 1000);
        // the first record's fields, the counts of the batch added
        assert.equal(k1?.count, 5);
        assert.equal(k1?.operation, 'Execute');
        assert.equal(rows.find((r) => r.at === 1003)?.count, 1);
        // twin: a record without a key is a row of its own, count 1
        assert.equal(rows.find((r) => r.at === 1001)?.count, 1);
        // a later batch (another flush, another instance) adds to the stored row
        await store.audit.insert([{ ...refusal, at: 1500, count: 4, aggregateKey: 'k1' }]);
        await store.audit.insert([
          { ...refusal, at: 1501 },
          { ...refusal, at: 1502 },
        ]);
        rows = (await store.audit.query({ limit: 100 })).records;
        assert.equal(rows.length, 5);
        assert.equal(rows.find((r) => r.id === k1?.id)?.count, 9);
        assert.equal(rows.find((r) => r.id === k1?.id)?.at, 1000);
        assert.deepEqual(
          rows.map((r) => r.count).sort((a, b) => (a ?? 0) - (b ?? 0)),
          [1, 1, 1, 1, 9],
        );
        assert.equal(await store.audit.prune(1001), 1);
        assert.equal((await store.audit.query({ limit: 100 })).records.length, 4);
      },
    );
  });
}
