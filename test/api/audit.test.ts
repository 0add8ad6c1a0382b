import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_REFUSAL_KEYS, REFUSAL_INTERVAL } from '../../src/authz/audit-log.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { admin, registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

interface AuditJSON {
  time: string;
  subject: string;
  user: string | null;
  client_address: string;
  operation: string;
  outcome: string;
  rule: string;
  count: number;
}

const EXECUTE = '/ows/verify/emu?service=WPS&version=1.0.0&request=Execute&identifier=hello';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** emu (acl), on which nobody may Execute; bob is a user; the loopback is a trusted front proxy. */
async function world(t: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const up = await startUpstream(t);
  const app = await startTestApp(t, {
    overrides: { 'server.trustProxy': ['127.0.0.1'], 'authz.basicAuth': true },
  });
  await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'wps', auth: 'acl' });
  await admin(app, 'POST', '/users', { username: 'bob', password: 'bob-password-1' });
  return app;
}

/** `n` requests, `width` at a time; every answer must have `status`. */
async function flood(n: number, status: number, send: (i: number) => Promise<Response>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const res = await send(next++);
      await res.arrayBuffer();
      assert.equal(res.status, status);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Every audit record, through the admin API. */
async function auditRecords(app: TestApp, query = ''): Promise<AuditJSON[]> {
  const out: AuditJSON[] = [];
  let cursor: string | null = null;
  do {
    const page = (await admin(
      app,
      'GET',
      `/audit?limit=1000${query}${cursor ? `&cursor=${cursor}` : ''}`,
    )) as {
      records: AuditJSON[];
      next_cursor: string | null;
    };
    out.push(...page.records);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/** Intervals of the refusal counts touched between `start` and `end` (epoch ms, both included). */
const intervalsBetween = (start: number, end: number) =>
  Math.floor(end / REFUSAL_INTERVAL) - Math.floor(start / REFUSAL_INTERVAL) + 1;

const sum = (records: AuditJSON[]) => records.reduce((n, r) => n + r.count, 0);

describe('admin API: GET /audit under a flood of refusals', () => {
  test('3,000 anonymous refusals: one row per interval, counts summing to 3,000', async (t) => {
    const app = await world(t);
    const start = Date.now();
    await flood(3000, 401, () =>
      fetch(`${app.url}${EXECUTE}`, { headers: { 'x-forwarded-for': '192.0.2.1' } }),
    );
    const end = Date.now();
    const records = await auditRecords(app);
    assert.ok(records.length >= 1);
    assert.ok(records.length <= intervalsBetween(start, end), `${records.length} rows`);
    assert.equal(sum(records), 3000);
    for (const r of records) {
      assert.equal(r.subject, 'anonymous');
      assert.equal(r.user, null);
      assert.equal(r.client_address, '192.0.2.1');
      assert.equal(r.operation, 'Execute');
      assert.equal(r.outcome, 'deny');
    }
  });

  test('3,000 anonymous refusals from 3,000 addresses: at most 100 + 1 rows per interval, counts summing to 3,000', async (t) => {
    const app = await world(t);
    const start = Date.now();
    await flood(3000, 401, (i) =>
      fetch(`${app.url}${EXECUTE}`, {
        headers: { 'x-forwarded-for': `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` },
      }),
    );
    const end = Date.now();
    const records = await auditRecords(app);
    assert.ok(
      records.length <= (MAX_REFUSAL_KEYS + 1) * intervalsBetween(start, end),
      `${records.length} rows`,
    );
    assert.equal(sum(records), 3000);
    const overflow = records.filter((r) => r.rule === 'overflow');
    assert.ok(overflow.length >= 1);
    for (const r of overflow) {
      assert.equal(r.client_address, '*');
      assert.equal(r.operation, '*');
    }
  });

  test('twin: refusals of an authenticated user are one row each, count 1', async (t) => {
    const app = await world(t);
    await flood(300, 403, () =>
      fetch(`${app.url}${EXECUTE}`, { headers: { authorization: basic('bob', 'bob-password-1') } }),
    );
    const records = await auditRecords(app, '&user=bob');
    assert.equal(records.length, 300);
    assert.ok(records.every((r) => r.count === 1 && r.outcome === 'deny' && r.subject === 'user:bob'));
    // and GET /audit says so for every record
    assert.equal((await auditRecords(app)).length, 300);
  });
});
