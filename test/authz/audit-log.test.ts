import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditLog, OVERFLOW_RULE } from '../../src/authz/audit-log.js';
import { openStore } from '../../src/store/open-store.js';
import type { AuditRecord, AuditRepository, Store } from '../../src/store/types.js';

const record = (i: number): AuditRecord => ({
  at: i,
  subject: 'user:bob',
  username: 'bob',
  clientAddress: '127.0.0.1',
  service: 'emu',
  operation: 'Execute',
  permission: 'execute',
  resources: ['hello'],
  outcome: 'deny',
  rule: 'no-permission',
});

function fakeRepo(fail = false) {
  const batches: AuditRecord[][] = [];
  const pruned: number[] = [];
  const repo: AuditRepository = {
    async insert(records) {
      if (fail) throw new Error('database down');
      batches.push([...records]);
    },
    async query() {
      return { records: [] };
    },
    async prune(before) {
      pruned.push(before);
      return 3;
    },
  };
  return { repo, batches, pruned };
}

describe('authz: the audit log writer', () => {
  test('records are written in batches, in order, without the caller waiting', async () => {
    const { repo, batches } = fakeRepo();
    const log = new AuditLog(repo, { retention: 1000, flushInterval: 10_000 });
    for (let i = 0; i < 250; i++) log.record(record(i));
    await log.flush();
    assert.deepEqual(
      batches.map((b) => b.length),
      [200, 50],
    );
    assert.deepEqual(
      batches.flat().map((r) => r.at),
      Array.from({ length: 250 }, (_, i) => i),
    );
    await log.close();
  });

  test('a few records go out after the flush interval', async () => {
    const { repo, batches } = fakeRepo();
    const log = new AuditLog(repo, { retention: 1000, flushInterval: 20 });
    log.record(record(1));
    assert.equal(batches.length, 0, 'one record waits for the interval');
    // the interval's timer, however late a loaded machine runs it (no close() to force it)
    for (let waited = 0; batches.length === 0 && waited < 10_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(batches.length, 1);
    await log.close();
  });

  test('a failing store is reported, never thrown at the proxy', async () => {
    const { repo } = fakeRepo(true);
    const errors: string[] = [];
    const log = new AuditLog(repo, { retention: 1000, onError: (_err, what) => errors.push(what) });
    log.record(record(1));
    await log.close();
    assert.deepEqual(errors, ['writing 1 audit record(s)']);
  });

  test('pruning deletes what is older than the retention', async () => {
    const { repo, pruned } = fakeRepo();
    const log = new AuditLog(repo, { retention: 90 * 86_400_000 });
    assert.equal(await log.prune(100 * 86_400_000), 3);
    assert.deepEqual(pruned, [10 * 86_400_000]);
    await log.close();
  });
});

/** An anonymous refusal at `at` from `address`. */
const refusal = (at: number, address = '192.0.2.1', over: Partial<AuditRecord> = {}): AuditRecord => ({
  at,
  subject: 'anonymous',
  clientAddress: address,
  service: 'emu',
  operation: 'Execute',
  permission: 'execute',
  resources: ['hello'],
  outcome: 'deny',
  rule: 'no-permission',
  ...over,
});

const MINUTE = 60_000;
/** A time at the start of a minute, so that `at + i` stays in it. */
const T0 = 1_700_000_040_000;

async function sqliteStore(t: { after(fn: () => Promise<void>): void }): Promise<Store> {
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  return store;
}

async function allRows(store: Store): Promise<AuditRecord[]> {
  const rows: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.audit.query({ limit: 1000, cursor });
    rows.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

const sum = (rows: AuditRecord[]) => rows.reduce((n, r) => n + (r.count ?? 1), 0);

describe('authz: the audit log under a flood of anonymous refusals', () => {
  test('3,000 anonymous refusals from one address in one minute: one row, count 3,000', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE });
    for (let i = 0; i < 3000; i++) log.record(refusal(T0 + i));
    await log.close();
    const rows = await allRows(store);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.count, 3000);
    // the first refusal's fields
    assert.equal(rows[0]?.at, T0);
    assert.equal(rows[0]?.clientAddress, '192.0.2.1');
    assert.equal(rows[0]?.operation, 'Execute');
  });

  test('twin: 3,000 refusals of an authenticated user are 3,000 rows of count 1', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE });
    for (let i = 0; i < 3000; i++)
      log.record(refusal(T0 + i, '192.0.2.1', { subject: 'user:bob', username: 'bob' }));
    await log.close();
    const rows = await allRows(store);
    assert.equal(rows.length, 3000);
    assert.ok(rows.every((r) => r.count === 1));
  });

  test('twin: refusals with any credential (a client, a certificate), and anonymous allows, are one row each', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE });
    for (let i = 0; i < 50; i++) {
      log.record(refusal(T0 + i, '192.0.2.1', { subject: 'client:c1' }));
      log.record(refusal(T0 + i, '192.0.2.1', { subject: 'dn:CN=someone' }));
      log.record(refusal(T0 + i, '192.0.2.1', { outcome: 'allow', rule: 'group:anonymous:execute' }));
    }
    await log.close();
    const rows = await allRows(store);
    assert.equal(rows.length, 150);
    assert.ok(rows.every((r) => r.count === 1));
  });

  test('one row per key and interval: three minutes of refusals from two addresses are six rows', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE });
    for (let i = 0; i < 3000; i++) {
      log.record(refusal(T0 + Math.floor((i * 3 * MINUTE) / 3000), i % 2 === 0 ? '192.0.2.1' : '192.0.2.2'));
    }
    await log.close();
    const rows = await allRows(store);
    assert.equal(rows.length, 6);
    assert.equal(sum(rows), 3000);
    assert.deepEqual(
      rows.map((r) => r.count),
      [500, 500, 500, 500, 500, 500],
    );
  });

  test('another operation or service is another key', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE });
    for (let i = 0; i < 30; i++) {
      log.record(refusal(T0 + i));
      log.record(refusal(T0 + i, '192.0.2.1', { operation: 'DescribeProcess' }));
      log.record(refusal(T0 + i, '192.0.2.1', { service: 'map' }));
    }
    await log.close();
    const rows = await allRows(store);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.count === 30));
  });

  test('the bound: 3,000 refusals from 3,000 addresses are at most maxRefusalKeys + 1 rows, counts summing to 3,000', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE, maxRefusalKeys: 100 });
    for (let i = 0; i < 3000; i++) log.record(refusal(T0 + (i % 1000), `10.0.${i >> 8}.${i & 255}`));
    await log.close();
    const rows = await allRows(store);
    assert.equal(rows.length, 101);
    assert.equal(sum(rows), 3000);
    const overflow = rows.filter((r) => r.rule === OVERFLOW_RULE);
    assert.equal(overflow.length, 1);
    assert.equal(overflow[0]?.count, 2900);
    assert.equal(overflow[0]?.clientAddress, '*');
    assert.equal(overflow[0]?.operation, '*');
    assert.equal(overflow[0]?.service, 'emu');
    // the first 100 keys keep their own rows
    assert.equal(rows.filter((r) => r.rule !== OVERFLOW_RULE && r.count === 1).length, 100);
  });

  test('the overflow is per service, and a new interval starts with a fresh allowance of keys', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE, maxRefusalKeys: 10 });
    for (let minute = 0; minute < 2; minute++) {
      for (let i = 0; i < 40; i++) {
        const at = T0 + minute * MINUTE + i;
        log.record(refusal(at, `10.1.${minute}.${i}`, { service: i % 2 === 0 ? 'emu' : 'map' }));
      }
    }
    await log.close();
    const rows = await allRows(store);
    // per minute: 10 keys of their own, one overflow row for each of the two services
    assert.equal(rows.length, 2 * (10 + 2));
    assert.equal(sum(rows), 80);
    assert.deepEqual(
      rows
        .filter((r) => r.rule === OVERFLOW_RULE)
        .map((r) => `${r.service}:${r.count}`)
        .sort(),
      ['emu:15', 'emu:15', 'map:15', 'map:15'],
    );
  });

  test('a flush in the middle of an interval (a GET /audit) leaves one row: later refusals add to it', async (t) => {
    const store = await sqliteStore(t);
    const log = new AuditLog(store.audit, { retention: 10 * MINUTE, flushInterval: 60 * MINUTE });
    for (let i = 0; i < 10; i++) log.record(refusal(T0 + i));
    await log.flush();
    assert.deepEqual(
      (await allRows(store)).map((r) => r.count),
      [10],
    );
    for (let i = 0; i < 15; i++) log.record(refusal(T0 + 100 + i));
    await log.flush();
    assert.deepEqual(
      (await allRows(store)).map((r) => r.count),
      [25],
    );
    // twin: the next interval is a row of its own
    log.record(refusal(T0 + MINUTE));
    await log.close();
    assert.deepEqual(
      (await allRows(store)).map((r) => r.count),
      [1, 25],
    );
  });

  test('two instances sharing the store count the same key into one row', async (t) => {
    const store = await sqliteStore(t);
    const a = new AuditLog(store.audit, { retention: 10 * MINUTE });
    const b = new AuditLog(store.audit, { retention: 10 * MINUTE });
    for (let i = 0; i < 100; i++) (i % 2 === 0 ? a : b).record(refusal(T0 + i));
    await Promise.all([a.close(), b.close()]);
    assert.deepEqual(
      (await allRows(store)).map((r) => r.count),
      [100],
    );
  });
});
