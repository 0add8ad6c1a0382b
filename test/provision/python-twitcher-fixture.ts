/**
 * Python Twitcher databases for the import tests: the schema at a given alembic revision, built from
 * test/fixtures/python-twitcher/{sqlite,postgres}/N-REVISION.sql applied in order (as `alembic
 * upgrade REVISION` would), and sample rows in that revision's shape.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { REVISIONS, type Revision } from '../../src/provision/python-twitcher/revisions.js';

export type Dialect = 'sqlite' | 'postgres';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'python-twitcher');

/** The schema's SQL up to `revision` (inclusive), in revision order. */
export function schemaSQL(dialect: Dialect, revision: Revision): string {
  const upTo = REVISIONS.indexOf(revision);
  const files = readdirSync(join(FIXTURES, dialect))
    .filter((f) => f.endsWith('.sql'))
    .sort();
  if (files.length !== REVISIONS.length) throw new Error(`expected ${REVISIONS.length} files in ${dialect}/`);
  return files
    .slice(0, upTo + 1)
    .map((f) => readFileSync(join(FIXTURES, dialect, f), 'utf8'))
    .join('\n');
}

type Value = string | number | null;

export interface SampleService {
  id: number;
  name: string;
  url: string;
  type: string | null;
  purl: string | null;
  auth: string | null;
  /** `_verify` (current) or `verify` (legacy). */
  verify: number | null;
  /** Legacy revisions only. */
  public?: number | null;
}

export interface SampleClient {
  client_id: string;
  client_secret: string;
  name: string | null;
  _redirect_uris: string | null;
  default_scope: string | null;
}

/** Services of each auth, as a current (d9cff565b8db) database holds them. */
export const SAMPLE_SERVICES: SampleService[] = [
  { id: 1, name: 'emu', url: 'http://127.0.0.1:5000/wps', type: 'WPS', purl: '', auth: 'token', verify: 1 },
  {
    id: 2,
    name: 'certwps',
    url: 'https://wps.example.org/wps',
    type: 'wps',
    purl: 'https://proxy.example.org/ows/proxy/certwps',
    auth: 'cert',
    verify: 1,
  },
  {
    id: 3,
    name: 'openwms',
    url: 'http://127.0.0.1:8080/wms',
    type: 'WMS',
    purl: null,
    auth: null,
    verify: null,
  },
  {
    id: 4,
    name: 'publicwfs',
    url: 'https://wfs.example.org/ows',
    type: 'wfs',
    purl: '',
    auth: 'public',
    verify: 0,
  },
];

/** The same services before d9cff565b8db: a `public` flag, `verify` instead of `_verify`. */
export const LEGACY_SAMPLE_SERVICES: SampleService[] = [
  { ...(SAMPLE_SERVICES[0] as SampleService), public: 0 },
  { ...(SAMPLE_SERVICES[1] as SampleService), public: 0 },
  { ...(SAMPLE_SERVICES[2] as SampleService), public: 1 },
  { ...(SAMPLE_SERVICES[3] as SampleService), public: 1 },
];

/** Clients with one and two redirect URIs, an unknown scope, and one with no known scope at all. */
export const SAMPLE_CLIENTS: SampleClient[] = [
  {
    client_id: 'demo-client',
    client_secret: 'demo-secret-0123456789',
    name: 'Demo',
    _redirect_uris: 'http://localhost:8000/callback',
    default_scope: 'compute',
  },
  {
    client_id: 'two-uris',
    client_secret: 'two-uris-secret-0123456789',
    name: 'Two URIs',
    _redirect_uris: 'https://a.example.org/cb https://b.example.org/cb',
    default_scope: 'compute register',
  },
  {
    client_id: 'odd-scope',
    client_secret: 'odd-scope-secret-0123456789',
    name: null,
    _redirect_uris: null,
    default_scope: 'compute admin',
  },
  {
    client_id: 'magic-only',
    client_secret: 'magic-only-secret-0123456789',
    name: 'Magic',
    _redirect_uris: '',
    default_scope: 'magic',
  },
];

/** Token rows of the sample (access_tokens at the init revision). */
export const SAMPLE_TOKEN_COUNT = 3;

const literal = (v: Value): string =>
  v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`;

function insert(table: string, row: Record<string, Value>): string {
  const columns = Object.keys(row);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => literal(row[c] ?? null)).join(', ')});`;
}

const legacy = (revision: Revision) => REVISIONS.indexOf(revision) < REVISIONS.indexOf('d9cff565b8db');
const atLeast = (revision: Revision, since: Revision) =>
  REVISIONS.indexOf(revision) >= REVISIONS.indexOf(since);

/** A service row in the shape of `revision`. */
export function serviceSQL(revision: Revision, s: SampleService): string {
  const { verify, public: isPublic, ...rest } = s;
  return insert(
    'services',
    legacy(revision) ? { ...rest, verify, public: isPublic ?? 0 } : { ...rest, _verify: verify },
  );
}

/** A client row in the shape of `revision` (columns it does not have yet are left out). */
export function clientSQL(revision: Revision, c: SampleClient): string {
  const row: Record<string, Value> = { client_id: c.client_id, client_secret: c.client_secret };
  if (atLeast(revision, '0a075bcbeb8f')) row['default_scope'] = c.default_scope;
  if (atLeast(revision, 'b8aa09688558')) {
    row['name'] = c.name;
    row['_redirect_uris'] = c._redirect_uris;
  }
  return insert('client', row);
}

/** The sample rows in the shape of `revision`. */
export function sampleSQL(revision: Revision): string {
  const statements = (legacy(revision) ? LEGACY_SAMPLE_SERVICES : SAMPLE_SERVICES).map((s) =>
    serviceSQL(revision, s),
  );
  if (atLeast(revision, '1ab5b6358dd5')) {
    statements.push(...SAMPLE_CLIENTS.map((c) => clientSQL(revision, c)));
    for (let i = 1; i <= SAMPLE_TOKEN_COUNT; i++) {
      statements.push(
        insert('token', {
          id: i,
          client_id: 'demo-client',
          token_type: 'Bearer',
          access_token: `token-${i}`,
          expires: '2026-01-01 00:00:00',
          scope: 'compute',
        }),
      );
    }
  } else {
    for (let i = 1; i <= SAMPLE_TOKEN_COUNT; i++) {
      statements.push(insert('access_tokens', { id: i, token: `token-${i}`, expires_at: 1_700_000_000 }));
    }
  }
  return statements.join('\n');
}

/** A SQLite file at `path` with the schema of `revision`, and the samples unless `samples: false`. */
export function buildSQLiteDatabase(
  path: string,
  revision: Revision,
  options: { samples?: boolean; extraSQL?: string } = {},
): void {
  const db = new SQLite(path);
  try {
    db.exec(schemaSQL('sqlite', revision));
    if (options.samples !== false) db.exec(sampleSQL(revision));
    if (options.extraSQL) db.exec(options.extraSQL);
  } finally {
    db.close();
  }
}

/**
 * A schema of its own in the PostgreSQL server `admin` is connected to, built like
 * buildSQLiteDatabase; the URL reaches it through `search_path`. Dropped by `drop()`.
 */
export async function buildPostgresDatabase(
  admin: pg.Client,
  serverURL: string,
  revision: Revision,
  options: { samples?: boolean; extraSQL?: string } = {},
): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `python_twitcher_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  const drop = async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  };
  try {
    await admin.query('BEGIN');
    await admin.query(`SET LOCAL search_path TO ${schema}`);
    await admin.query(schemaSQL('postgres', revision));
    if (options.samples !== false) await admin.query(sampleSQL(revision));
    if (options.extraSQL) await admin.query(options.extraSQL);
    await admin.query('COMMIT');
  } catch (err) {
    await admin.query('ROLLBACK');
    await drop();
    throw err;
  }
  const u = new URL(serverURL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), schema, drop };
}
