import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import { createLiveClients } from '../../src/oauth/live-clients.js';
import type { AccessTokenInfo } from '../../src/oauth/tokens/types.js';
import { LocalChangeFeed } from '../../src/store/change-feed.js';
import type { ClientRecord } from '../../src/store/types.js';

const NOW = 1_900_000_000;

/** A client repository in memory that counts its lookups, and can hold one lookup back. */
function fakeClients() {
  const rows = new Map<string, ClientRecord>();
  let gets = 0;
  let hold: Promise<void> | undefined;
  return {
    rows,
    get gets() {
      return gets;
    },
    holdNext(until: Promise<void>) {
      hold = until;
    },
    put(clientId: string, createdAtSeconds: number) {
      rows.set(clientId, {
        clientId,
        name: clientId,
        secretHash: '',
        redirectURI: '',
        scopes: ['compute'],
        data: {},
        createdAt: createdAtSeconds * 1000 + 999,
      });
    },
    async get(clientId: string) {
      gets++;
      const row = rows.get(clientId);
      const waiting = hold;
      hold = undefined;
      if (waiting) await waiting;
      return row;
    },
  };
}

const token = (clientId: string, over: Partial<AccessTokenInfo> = {}): AccessTokenInfo => ({
  kind: 'signed',
  jti: `j-${clientId}`,
  clientId,
  scopes: ['compute'],
  issuedAt: NOW,
  expiresAt: NOW + 3600,
  data: {},
  ...over,
});

const refused = (why: RegExp) => (err: unknown) =>
  err instanceof TwitcherError && err.code === 'invalid_token' && why.test(err.detail ?? '');

describe('live clients: tokens die with their client', () => {
  test('allowed: a token of an existing client issued after its creation; one lookup per client', async () => {
    const clients = fakeClients();
    clients.put('c1', NOW - 10);
    const live = createLiveClients(clients, new LocalChangeFeed());
    for (let i = 0; i < 5; i++) await live.assertClientLive(token('c1'));
    // issued in the very second of its creation: still its token
    await live.assertClientLive(token('c1', { issuedAt: NOW - 10 }));
    assert.equal(clients.gets, 1);
    live.close();
  });

  test('denied: an unknown client, and a token issued before the client was created (same id again)', async () => {
    const clients = fakeClients();
    clients.put('c1', NOW - 10);
    const live = createLiveClients(clients, new LocalChangeFeed());
    await assert.rejects(live.assertClientLive(token('gone')), refused(/no client gone/));
    await assert.rejects(live.assertClientLive(token('gone')), refused(/no client gone/));
    assert.equal(clients.gets, 1, 'absent clients are remembered too');
    await assert.rejects(live.assertClientLive(token('c1', { issuedAt: NOW - 11 })), refused(/created at/));
    live.close();
  });

  test('external tokens are not checked: their clients are the provider’s', async () => {
    const clients = fakeClients();
    const live = createLiveClients(clients, new LocalChangeFeed());
    await live.assertClientLive(token('keycloak-client', { kind: 'external' }));
    assert.equal(clients.gets, 0);
    live.close();
  });

  test('a client change forgets that client; `all` forgets everything; creation is seen', async () => {
    const clients = fakeClients();
    const feed = new LocalChangeFeed();
    clients.put('c1', NOW - 10);
    clients.put('c2', NOW - 10);
    const live = createLiveClients(clients, feed);
    await live.assertClientLive(token('c1'));
    await live.assertClientLive(token('c2'));
    await assert.rejects(live.assertClientLive(token('c3')), refused(/no client/));
    clients.rows.delete('c1');
    feed.emit({ aggregate: 'clients', key: 'c1' });
    await assert.rejects(live.assertClientLive(token('c1')), refused(/no client c1/));
    await live.assertClientLive(token('c2'));
    clients.put('c3', NOW - 1);
    feed.emit({ aggregate: 'clients', key: 'c3' });
    await live.assertClientLive(token('c3'));
    clients.rows.delete('c2');
    feed.emit({ aggregate: 'all' });
    await assert.rejects(live.assertClientLive(token('c2')), refused(/no client c2/));
    live.close();
  });

  test('regression: a lookup overtaken by a deletion is not remembered as live', async () => {
    const clients = fakeClients();
    const feed = new LocalChangeFeed();
    clients.put('c1', NOW - 10);
    const live = createLiveClients(clients, feed);
    let release = () => {};
    clients.holdNext(
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    // the lookup reads the client, then the deletion is announced before the answer comes back
    const inFlight = live.assertClientLive(token('c1'));
    clients.rows.delete('c1');
    feed.emit({ aggregate: 'clients', key: 'c1' });
    release();
    await inFlight;
    await assert.rejects(live.assertClientLive(token('c1')), refused(/no client c1/));
    live.close();
  });

  test('bounded: the least recently used client id goes first', async () => {
    const clients = fakeClients();
    for (const id of ['a', 'b', 'c']) clients.put(id, NOW - 10);
    const live = createLiveClients(clients, new LocalChangeFeed(), { max: 2 });
    await live.assertClientLive(token('a'));
    await live.assertClientLive(token('b'));
    await live.assertClientLive(token('a')); // a is now the most recent
    await live.assertClientLive(token('c')); // b goes
    assert.equal(clients.gets, 3);
    await live.assertClientLive(token('a'));
    assert.equal(clients.gets, 3);
    await live.assertClientLive(token('b'));
    assert.equal(clients.gets, 4);
    live.close();
  });
});
