import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/open-postgres.js';
import type { Store } from '../../src/store/types.js';
import { authzStoreContract, type StoreFactory, storeContract } from './contract.js';

const url = process.env['TWITCHER_TEST_POSTGRES_URL'];

if (!url) {
  const reason = 'TWITCHER_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)';
  describe('store contract: postgres', () => {
    test('needs a PostgreSQL server', (t) => {
      if (process.env['TWITCHER_REQUIRE_PEERS'] === '1') throw new Error(`PostgreSQL required: ${reason}`);
      console.log(`# skipped: ${reason}`);
      t.skip(reason);
    });
  });
} else {
  // Each store gets its own schema (search_path), dropped at the end: test files may run at once.
  const schemas: string[] = [];
  const urls = new Map<Store, string>();
  const admin = new pg.Client({ connectionString: url });
  const ready = admin.connect();
  after(async () => {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
  });
  const withSchema = (schema: string) => {
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  };

  const factory: StoreFactory = {
    async open() {
      await ready;
      const schema = `twitcher_test_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      const connectionString = withSchema(schema);
      const store = await openPostgresStore({ connectionString, poolSize: 5 });
      urls.set(store, connectionString);
      return store;
    },
    async openSibling(store) {
      return openPostgresStore({ connectionString: urls.get(store) ?? url, poolSize: 5 });
    },
    async lockWaiters() {
      await ready;
      const { rows } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      );
      return (rows[0] as { n: number }).n;
    },
  };
  storeContract('postgres', factory);
  authzStoreContract('postgres', factory);
}
