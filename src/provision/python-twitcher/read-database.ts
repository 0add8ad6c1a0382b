/**
 * `twitcher import python-twitcher --database URL`: the services and OAuth clients of a Python
 * Twitcher (bird-house/twitcher 0.5–0.11) read from its database into a desired state. Tokens are
 * not carried (short-lived; their count is said). The database is opened read-only.
 *
 * The revision in `alembic_version` must be one of the chain (revisions.ts); an unknown revision or
 * a missing table or column is an `error` note, every one at once, and nothing is read.
 */
import { type DesiredState, emptyState, type Note } from '../model.js';
import { mapClientRow } from './map-client.js';
import { mapServiceRow } from './map-service.js';
import { isRevision, missingAt, REVISIONS, type Revision, requiredColumns, schemaAt } from './revisions.js';
import {
  describeLocation,
  openSourceDatabase,
  parseSourceLocation,
  type SourceDatabase,
} from './source-database.js';

const ORIGIN = 'python-twitcher';

/**
 * Reads the Python Twitcher's database at `url`: a SQLite file path, `sqlite:PATH`,
 * `sqlite:///PATH`, or `postgres://…` / `postgresql://…`. Problems are pushed onto `notes`; with an
 * `error` among them the state must not be applied (the engine refuses it).
 *
 * @example
 * const notes: Note[] = [];
 * const state = await readPythonTwitcherDatabase('sqlite:///var/lib/twitcher/twitcher.sqlite', notes);
 * await applyState(store, { state, notes }, { adminUsername: 'admin', dryRun: true });
 */
export async function readPythonTwitcherDatabase(url: string, notes: Note[]): Promise<DesiredState> {
  const location = parseSourceLocation(url);
  let db: SourceDatabase;
  try {
    db = await openSourceDatabase(location);
  } catch (err) {
    notes.push({
      severity: 'error',
      origin: ORIGIN,
      message: `cannot open ${describeLocation(location)}: ${(err as Error).message}`,
    });
    return emptyState();
  }
  const origin = `${ORIGIN} ${db.description}`;
  try {
    const revision = await readRevision(db, origin, notes);
    if (!revision || !(await checkSchema(db, revision, origin, notes))) return emptyState();
    return await readState(db, revision, notes);
  } catch (err) {
    notes.push({ severity: 'error', origin, message: `cannot be read: ${(err as Error).message}` });
    return emptyState();
  } finally {
    await db.close().catch(() => {});
  }
}

async function readRevision(
  db: SourceDatabase,
  origin: string,
  notes: Note[],
): Promise<Revision | undefined> {
  const columns = await db.columns('alembic_version');
  if (!columns?.includes('version_num')) {
    notes.push({
      severity: 'error',
      origin,
      message:
        'has no alembic_version table: not a Python Twitcher database, or one never migrated (run `alembic upgrade head` there first)',
    });
    return undefined;
  }
  const versions = (await db.rows('alembic_version', ['version_num'], 'version_num')).map((r) =>
    String(r['version_num']),
  );
  const [version] = versions;
  if (versions.length !== 1 || version === undefined || !isRevision(version)) {
    notes.push({
      severity: 'error',
      origin,
      message: `alembic revision ${versions.join(', ') || '(none)'} is not one Twitcher can read; known: ${REVISIONS.join(' → ')}`,
    });
    return undefined;
  }
  return version;
}

/** Every missing table and column at once; false when any is missing. */
async function checkSchema(
  db: SourceDatabase,
  revision: Revision,
  origin: string,
  notes: Note[],
): Promise<boolean> {
  let complete = true;
  for (const [table, wanted] of requiredColumns(revision)) {
    const present = await db.columns(table);
    if (!present) {
      complete = false;
      notes.push({
        severity: 'error',
        origin,
        message: `table ${table} is missing (revision ${revision} has it)`,
      });
      continue;
    }
    for (const column of wanted.filter((c) => !present.includes(c))) {
      complete = false;
      notes.push({
        severity: 'error',
        origin,
        message: `column ${table}.${column} is missing (revision ${revision} has it)`,
      });
    }
  }
  return complete;
}

async function readState(db: SourceDatabase, revision: Revision, notes: Note[]): Promise<DesiredState> {
  const state = emptyState();
  const schema = schemaAt(revision);
  const origin = `${ORIGIN} ${db.description}`;
  for (const message of missingAt(revision))
    notes.push({ severity: 'info', origin, message: `revision ${revision}: ${message}` });

  const serviceColumns = requiredColumns(revision).get('services') ?? [];
  const names = new Map<string, string>();
  for (const row of await db.rows('services', serviceColumns, 'id')) {
    const desired = mapServiceRow(row, schema.services, notes);
    if (!desired) continue;
    const first = names.get(desired.service.name);
    if (first !== undefined) {
      notes.push({
        severity: 'error',
        origin: desired.origin,
        message: `service name "${desired.service.name}" is also that of ${first}`,
      });
      continue;
    }
    names.set(desired.service.name, desired.origin);
    state.services.push(desired);
  }

  if (schema.client) {
    for (const row of await db.rows('client', schema.client, 'client_id')) {
      const client = mapClientRow(row, schema.client, notes);
      if (client) state.clients.push(client);
    }
  }

  const tokens = await db.count(schema.tokens);
  notes.push({
    severity: 'info',
    origin,
    message: `${tokens} access token(s) in table ${schema.tokens} are not carried (short-lived): clients ask Twitcher for new ones with their same id and secret`,
  });
  return state;
}
