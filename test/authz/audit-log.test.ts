import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditLog } from '../../src/authz/audit-log.js';
import type { AuditRecord, AuditRepository } from '../../src/store/types.js';

const record = (i: number): AuditRecord => ({
  at: i,
  subject: 'anonymous',
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
