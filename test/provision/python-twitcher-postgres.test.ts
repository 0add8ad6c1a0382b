import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import type { Note } from '../../src/provision/model.js';
import { readPythonTwitcherDatabase } from '../../src/provision/python-twitcher/read-database.js';
import { assertSampleRead } from './python-twitcher-expected.js';
import { buildPostgresDatabase } from './python-twitcher-fixture.js';

const serverURL = process.env['TWITCHER_TEST_POSTGRES_URL'];

if (!serverURL) {
  const reason = 'TWITCHER_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)';
  describe('python-twitcher import: PostgreSQL', () => {
    test('needs a PostgreSQL server', (t) => {
      if (process.env['TWITCHER_REQUIRE_PEERS'] === '1') throw new Error(`PostgreSQL required: ${reason}`);
      console.log(`# skipped: ${reason}`);
      t.skip(reason);
    });
  });
} else {
  const admin = new pg.Client({ connectionString: serverURL });
  const ready = admin.connect();
  after(() => admin.end());

  const build = async (t: { after(fn: () => Promise<void>): void }, extraSQL?: string) => {
    await ready;
    const db = await buildPostgresDatabase(admin, serverURL, 'd9cff565b8db', {
      ...(extraSQL && { extraSQL }),
    });
    t.after(db.drop);
    return db;
  };

  describe('python-twitcher import: PostgreSQL', () => {
    test('reads the services and clients at the latest revision (d9cff565b8db), in its own schema', async (t) => {
      const { url } = await build(t);
      const notes: Note[] = [];
      const state = await readPythonTwitcherDatabase(url, notes);
      assertSampleRead('d9cff565b8db', state, notes);
    });

    test('an unknown revision is an error and nothing is read', async (t) => {
      const { url } = await build(t, "UPDATE alembic_version SET version_num = '0123456789ab';");
      const notes: Note[] = [];
      const state = await readPythonTwitcherDatabase(url, notes);
      assert.equal(state.services.length + state.clients.length, 0);
      assert.deepEqual(
        notes.map((n) => n.severity),
        ['error'],
      );
      assert.match(notes[0]?.message ?? '', /^alembic revision 0123456789ab is not one Twitcher can read/);
    });

    test('missing columns are errors at once; the origin names the database without its password', async (t) => {
      const { url, schema } = await build(t, 'ALTER TABLE services DROP COLUMN _verify; DROP TABLE token;');
      const withPassword = new URL(url);
      withPassword.password = 'hunter2-not-used';
      const notes: Note[] = [];
      // a password the server (trust authentication in CI) does not need
      const state = await readPythonTwitcherDatabase(withPassword.toString(), notes);
      assert.equal(state.services.length, 0);
      assert.deepEqual(
        notes.map((n) => n.message),
        [
          'column services._verify is missing (revision d9cff565b8db has it)',
          'table token is missing (revision d9cff565b8db has it)',
        ],
      );
      assert.ok(notes.every((n) => !n.origin.includes('hunter2') && !n.origin.includes(schema)));
    });

    test('postgresql:// is read as postgres://', async (t) => {
      const { url } = await build(t);
      const notes: Note[] = [];
      const state = await readPythonTwitcherDatabase(url.replace(/^postgres:/, 'postgresql:'), notes);
      assert.deepEqual(
        notes.filter((n) => n.severity === 'error'),
        [],
      );
      assert.equal(state.clients.length, 4);
    });

    test('a server that does not answer is an error note', async () => {
      const u = new URL(serverURL);
      u.port = '1';
      u.hostname = '127.0.0.1';
      const notes: Note[] = [];
      const state = await readPythonTwitcherDatabase(u.toString(), notes);
      assert.equal(state.services.length, 0);
      assert.equal(notes.length, 1);
      assert.match(
        notes[0]?.message ?? '',
        /^cannot open postgres:\/\/.*127\.0\.0\.1:1\/.*: connect ECONNREFUSED/,
      );
    });
  });
}
