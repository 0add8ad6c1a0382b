import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Note } from '../../src/provision/model.js';
import { readPythonTwitcherDatabase } from '../../src/provision/python-twitcher/read-database.js';
import { REVISIONS, type Revision } from '../../src/provision/python-twitcher/revisions.js';
import { assertSampleRead } from './python-twitcher-expected.js';
import { buildSQLiteDatabase, clientSQL, serviceSQL } from './python-twitcher-fixture.js';

const LATEST: Revision = 'd9cff565b8db';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-python-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function read(url: string) {
  const notes: Note[] = [];
  const state = await readPythonTwitcherDatabase(url, notes);
  return { state, notes, errors: notes.filter((n) => n.severity === 'error').map((n) => n.message) };
}

const emptyState = { services: [], users: [], groups: [], clients: [], permissions: [] };

describe('python-twitcher import: SQLite, each revision', () => {
  for (const revision of REVISIONS) {
    test(`reads the services and clients at ${revision}`, async (t) => {
      const file = join(tempDir(t), 'twitcher.sqlite');
      buildSQLiteDatabase(file, revision);
      const { state, notes } = await read(file);
      assertSampleRead(revision, state, notes);
    });
  }

  test('the database is opened read-only: the file is the same byte for byte afterwards', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    buildSQLiteDatabase(file, LATEST);
    const digest = () => createHash('sha256').update(readFileSync(file)).digest('hex');
    const before = digest();
    await read(file);
    assert.equal(digest(), before);
    assert.ok(!existsSync(`${file}-journal`) && !existsSync(`${file}-wal`));
  });
});

describe('python-twitcher import: the database URL', () => {
  for (const [form, url] of [
    ['a path', (f: string) => f],
    ['sqlite:PATH', (f: string) => `sqlite:${f}`],
    ["sqlite:///PATH (SQLAlchemy's form)", (f: string) => `sqlite://${f}`],
    ['sqlite:////PATH', (f: string) => `sqlite:///${f}`],
  ] as const) {
    test(`${form} is read`, async (t) => {
      const file = join(tempDir(t), 'twitcher.sqlite');
      buildSQLiteDatabase(file, LATEST);
      const { state, errors } = await read(url(file));
      assert.deepEqual(errors, []);
      assert.equal(state.services.length, 4);
    });
  }

  test('a file that does not exist is an error note, and is not created', async (t) => {
    const file = join(tempDir(t), 'missing.sqlite');
    const { state, notes } = await read(`sqlite://${file}`);
    assert.deepEqual(state, emptyState);
    assert.equal(notes.length, 1);
    assert.equal(notes[0]?.severity, 'error');
    assert.match(notes[0]?.message ?? '', new RegExp(`^cannot open ${file}: `));
    assert.ok(!existsSync(file));
  });
});

describe('python-twitcher import: what is refused', () => {
  test('an unknown alembic revision is an error and nothing is read', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    buildSQLiteDatabase(file, LATEST, {
      extraSQL: "UPDATE alembic_version SET version_num = 'abcdef012345';",
    });
    const { state, errors } = await read(file);
    assert.deepEqual(state, emptyState);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0] ?? '',
      /^alembic revision abcdef012345 is not one Twitcher can read; known: d39766e64a84 → /,
    );
  });

  test('a known revision is read (its denied twin above: an unknown one is not)', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    buildSQLiteDatabase(file, LATEST);
    const { errors, state } = await read(file);
    assert.deepEqual(errors, []);
    assert.equal(state.clients.length, 4);
  });

  test('no alembic_version table is an error', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    buildSQLiteDatabase(file, LATEST, { extraSQL: 'DROP TABLE alembic_version;' });
    const { state, errors } = await read(file);
    assert.deepEqual(state, emptyState);
    assert.deepEqual(errors, [
      'has no alembic_version table: not a Python Twitcher database, or one never migrated (run `alembic upgrade head` there first)',
    ]);
  });

  test('missing tables and columns are every one an error, at once, and nothing is read', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    buildSQLiteDatabase(file, LATEST, {
      extraSQL:
        'DROP TABLE token; ALTER TABLE client DROP COLUMN default_scope; ALTER TABLE client DROP COLUMN name;',
    });
    const { state, errors } = await read(file);
    assert.deepEqual(state, emptyState);
    assert.deepEqual(errors, [
      'column client.default_scope is missing (revision d9cff565b8db has it)',
      'column client.name is missing (revision d9cff565b8db has it)',
      'table token is missing (revision d9cff565b8db has it)',
    ]);
  });

  test('a service Twitcher refuses is an error naming the row and every field; the others are carried', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    const bad = [
      {
        id: 10,
        name: 'ftpsrv',
        url: 'ftp://files.example.org/',
        type: 'sos',
        purl: '',
        auth: 'token',
        verify: 1,
      },
      {
        id: 11,
        name: 'typo',
        url: 'http://127.0.0.1:5001/wps',
        type: 'wps',
        purl: '',
        auth: 'Token',
        verify: 1,
      },
      {
        id: 12,
        name: 'Emu3',
        url: 'http://127.0.0.1:5002/wps',
        type: 'wps',
        purl: 'not a url',
        auth: 'token',
        verify: 1,
      },
      {
        id: 13,
        name: 'Emu2',
        url: 'http://127.0.0.1:5003/wps',
        type: 'wps',
        purl: '',
        auth: 'token',
        verify: 1,
      },
    ];
    buildSQLiteDatabase(file, LATEST, { extraSQL: bad.map((s) => serviceSQL(LATEST, s)).join('\n') });
    const { state, notes, errors } = await read(file);
    assert.deepEqual(errors, [
      'service "ftpsrv" is refused: url must be an http or https URL; type must be one of wps, wms, wfs, wcs, wmts, csw, thredds, ogcapi, http',
      'service "typo": auth "Token" left the service public in the Python Twitcher (only "token" and "cert" protect one); set it to token, cert or public in the source database and import again',
    ]);
    assert.deepEqual(
      notes.filter((n) => n.severity === 'error').map((n) => n.origin),
      ['python-twitcher services row 10', 'python-twitcher services row 11'],
    );
    // a purl the Python Twitcher ignored (not a URL) is dropped, the service carried
    assert.deepEqual(
      notes
        .filter((n) => n.severity === 'dropped' && n.origin.includes('services'))
        .map((n) => `${n.origin}: ${n.message}`),
      [
        'python-twitcher services row 12: service "Emu3": purl "not a url" must be an absolute URL; not carried (documents name the proxy URL instead)',
      ],
    );
    assert.equal(state.services.find((s) => s.service.name === 'emu3')?.service.purl, '');
    // a name Twitcher sanitises is carried under its new name, and said
    assert.ok(state.services.some((s) => s.service.name === 'emu2'));
    assert.ok(
      notes.some((n) => n.severity === 'info' && /^service "Emu2" is carried as "emu2"/.test(n.message)),
    );
  });

  test('before d9cff565b8db only the public flag opened a service: auth "public" with public = 0 needed a token', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    const legacy: Revision = 'b8aa09688558';
    const rows = [
      {
        id: 30,
        name: 'flagged',
        url: 'http://127.0.0.1:5010/wps',
        type: 'wps',
        purl: '',
        auth: 'public',
        verify: 1,
        public: 0,
      },
      {
        id: 31,
        name: 'opened',
        url: 'http://127.0.0.1:5011/wps',
        type: 'wps',
        purl: '',
        auth: 'token',
        verify: 1,
        public: 1,
      },
    ];
    buildSQLiteDatabase(file, legacy, {
      samples: false,
      extraSQL: rows.map((s) => serviceSQL(legacy, s)).join('\n'),
    });
    const { state, notes, errors } = await read(file);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      state.services.map((s) => [s.service.name, s.service.auth]),
      [
        ['flagged', 'token'],
        ['opened', 'public'],
      ],
    );
    assert.ok(
      notes.some((n) => /^service "flagged": auth "public" with public = 0 needed a token/.test(n.message)),
    );
  });

  test('two rows whose names sanitise alike are an error', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    const twin = {
      id: 20,
      name: 'EMU',
      url: 'http://127.0.0.1:5009/wps',
      type: 'wps',
      purl: '',
      auth: 'token',
      verify: 1,
    };
    buildSQLiteDatabase(file, LATEST, { extraSQL: serviceSQL(LATEST, twin) });
    const { errors } = await read(file);
    assert.deepEqual(errors, ['service name "emu" is also that of python-twitcher services row 1']);
  });

  test('a client whose id or secret Twitcher cannot carry is an error; the secret is never shown', async (t) => {
    const file = join(tempDir(t), 'twitcher.sqlite');
    const clients = [
      {
        client_id: 'has space',
        client_secret: 'space-secret-0123',
        name: null,
        _redirect_uris: null,
        default_scope: 'compute',
      },
      {
        client_id: 'x'.repeat(41),
        client_secret: 'long-secret-0123',
        name: null,
        _redirect_uris: null,
        default_scope: null,
      },
      {
        client_id: 'empty-secret',
        client_secret: '',
        name: null,
        _redirect_uris: null,
        default_scope: 'compute',
      },
      {
        client_id: 'bad-redirect',
        client_secret: 'redirect-secret-0123',
        name: 'R',
        _redirect_uris: 'not-a-url',
        default_scope: '',
      },
    ];
    // client_id is String(40) there, which SQLite does not enforce
    buildSQLiteDatabase(file, LATEST, { extraSQL: clients.map((c) => clientSQL(LATEST, c)).join('\n') });
    const { state, notes, errors } = await read(file);
    // in client_id order: empty-secret, has space, xxx…
    assert.deepEqual(errors, [
      'client is refused: client_secret is empty',
      'client is refused: client_id must be 1 to 40 visible ASCII characters, without spaces',
      'client is refused: client_id must be 1 to 40 visible ASCII characters, without spaces',
    ]);
    const redirect = state.clients.find((c) => c.clientId === 'bad-redirect');
    assert.deepEqual(redirect && { ...redirect, origin: undefined }, {
      clientId: 'bad-redirect',
      secret: { plain: 'redirect-secret-0123' },
      name: 'R',
      scopes: ['compute'],
      origin: undefined,
    });
    const about = notes
      .filter((n) => n.origin === 'python-twitcher client row "bad-redirect"')
      .map((n) => `${n.severity}: ${n.message}`);
    assert.deepEqual(about, [
      'info: default_scope is empty (the Python Twitcher gave such a client no usable token); carried with scope compute',
      'dropped: redirect URI not-a-url is not an absolute URL; not carried',
    ]);
    for (const c of clients) {
      if (c.client_secret) assert.ok(!notes.some((n) => n.message.includes(c.client_secret)));
    }
  });
});
