import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChangeCache } from '../../src/store/change-cache.js';
import { LocalChangeFeed } from '../../src/store/change-feed.js';

/** A loader that counts its calls and answers from `rows`. */
function counted(rows: Map<string, string>) {
  let loads = 0;
  return {
    get loads() {
      return loads;
    },
    load: (key: string) => async () => {
      loads++;
      return rows.get(key);
    },
  };
}

/** A promise and the function that resolves it. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('ChangeCache', () => {
  test('a value is loaded once, then served from the cache', async () => {
    const loader = counted(new Map([['a', 'A']]));
    const cache = new ChangeCache<string>({ max: 10 });
    for (let i = 0; i < 3; i++) assert.equal(await cache.lookup('a', loader.load('a')), 'A');
    assert.equal(loader.loads, 1);
    assert.equal(cache.peek('a'), 'A');
    // twin: another key is loaded
    assert.equal(cache.peek('b'), undefined);
    cache.close();
  });

  test('a keyed event drops that key only; an aggregate not listened to drops nothing; `all` drops all', async () => {
    const feed = new LocalChangeFeed();
    const rows = new Map([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    const cache = new ChangeCache<string>({ max: 10, changes: { feed, drop: { services: 'key' } } });
    await cache.lookup('a', counted(rows).load('a'));
    await cache.lookup('b', counted(rows).load('b'));
    feed.emit({ aggregate: 'services', key: 'a' });
    assert.equal(cache.peek('a'), undefined);
    assert.equal(cache.peek('b'), 'B');
    feed.emit({ aggregate: 'tokens', key: 'b' });
    assert.equal(cache.peek('b'), 'B', 'not an aggregate of this cache');
    feed.emit({ aggregate: 'services' });
    assert.equal(cache.peek('b'), undefined, 'an event without a key drops everything');
    await cache.lookup('b', counted(rows).load('b'));
    feed.emit({ aggregate: 'all' });
    assert.equal(cache.peek('b'), undefined);
    cache.close();
  });

  test('unknown keys are remembered with maxAbsent, and forgotten on a change of that key', async () => {
    const feed = new LocalChangeFeed();
    const rows = new Map<string, string>();
    const loader = counted(rows);
    const cache = new ChangeCache<string>({
      max: 10,
      maxAbsent: 10,
      changes: { feed, drop: { clients: 'key' } },
    });
    assert.equal(await cache.lookup('x', loader.load('x')), undefined);
    assert.equal(await cache.lookup('x', loader.load('x')), undefined);
    assert.equal(loader.loads, 1);
    rows.set('x', 'X');
    feed.emit({ aggregate: 'clients', key: 'x' });
    assert.equal(await cache.lookup('x', loader.load('x')), 'X');
    // twin: without maxAbsent every lookup of an unknown key loads
    const plain = new ChangeCache<string>({ max: 10 });
    const other = counted(new Map());
    await plain.lookup('y', other.load('y'));
    await plain.lookup('y', other.load('y'));
    assert.equal(other.loads, 2);
    cache.close();
  });

  test('regression: a load overtaken by a change is returned but not kept', async () => {
    const feed = new LocalChangeFeed();
    const cache = new ChangeCache<string>({ max: 10, changes: { feed, drop: { authz: 'all' } } });
    const g = gate();
    const inFlight = cache.get('k', async () => {
      await g.opened;
      return 'read before the change';
    });
    feed.emit({ aggregate: 'authz' });
    g.open();
    assert.equal(await inFlight, 'read before the change');
    assert.equal(cache.peek('k'), undefined);
    // twin: a load that no change overtook is kept
    await cache.get('k', async () => 'after');
    assert.equal(cache.peek('k'), 'after');
    cache.close();
  });

  test('a derived cache follows the generation of its source, also against a racing load', async () => {
    const source = { generation: 0 };
    const cache = new ChangeCache<string>({ max: 10, follows: source });
    await cache.get('k', async () => 'v1');
    assert.equal(cache.peek('k'), 'v1');
    const before = cache.generation;
    source.generation++;
    assert.equal(cache.peek('k'), undefined);
    assert.notEqual(cache.generation, before);
    const g = gate();
    const inFlight = cache.get('k', async () => {
      await g.opened;
      return 'v2';
    });
    source.generation++;
    g.open();
    assert.equal(await inFlight, 'v2');
    assert.equal(cache.peek('k'), undefined, 'the source changed during the load');
    cache.close();
  });

  test('stale values are loaded again and never kept', async () => {
    let now = 0;
    const cache = new ChangeCache<{ until: number }>({ max: 10, stale: (v) => v.until <= now });
    await cache.get('k', async () => ({ until: 5 }));
    assert.deepEqual(cache.peek('k'), { until: 5 });
    now = 5;
    assert.equal(cache.peek('k'), undefined);
    assert.deepEqual(await cache.get('k', async () => ({ until: 4 })), { until: 4 });
    now = 0;
    assert.deepEqual(
      cache.peek('k'),
      { until: 5 },
      'the first entry is still there, the stale one was not kept',
    );
    cache.close();
  });

  test('bounded: the least recently used key goes first', async () => {
    const cache = new ChangeCache<string>({ max: 2 });
    await cache.get('a', async () => 'A');
    await cache.get('b', async () => 'B');
    cache.peek('a');
    await cache.get('c', async () => 'C');
    assert.equal(cache.peek('b'), undefined);
    assert.equal(cache.peek('a'), 'A');
    assert.equal(cache.peek('c'), 'C');
    cache.close();
  });

  test('close stops listening: a later change calls no onChange', async () => {
    const feed = new LocalChangeFeed();
    let changes = 0;
    const cache = new ChangeCache<string>({
      max: 10,
      changes: { feed, drop: { authz: 'all' } },
      onChange: () => changes++,
    });
    feed.emit({ aggregate: 'authz' });
    assert.equal(changes, 1);
    cache.close();
    feed.emit({ aggregate: 'authz' });
    assert.equal(changes, 1);
  });
});
