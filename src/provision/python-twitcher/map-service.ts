/**
 * A row of the Python Twitcher's `services` table as a desired service. Pure: the row in, the
 * service (or nothing) and the notes out. What the row meant there (`tw:twitcher/models/service.py`,
 * `tw:twitcher/owssecurity.py`) is what it means here:
 *
 * - auth: only `token` and `cert` protected a service; anything else made it public. NULL, '' and
 *   `public` are carried as `public`; another value (`Token`, a typo) was public there too, but is
 *   refused rather than guessed at: it is most likely a protection that never worked.
 * - Before d9cff565b8db (`legacy`), a `public` column of 1 made the service public whatever its auth,
 *   and every other service but `cert` ones needed a token.
 * - verify: only the value 1 verified the upstream's TLS certificate (`_verify == 1`).
 */
import { isTwitcherError } from '../../errors.js';
import { parseServiceInput, urlProblem } from '../../registry/parse-service.js';
import type { AuthMode, Service } from '../../registry/service.js';
import type { DesiredService, Note } from '../model.js';
import type { SourceRow } from './source-database.js';

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

/** The row's name for messages (the raw value, quoted). */
const rowName = (row: SourceRow) =>
  typeof row['name'] === 'string' ? JSON.stringify(row['name']) : '(no name)';

function currentAuth(row: SourceRow, origin: string, notes: Note[]): AuthMode | undefined {
  const auth = row['auth'];
  if (auth === 'token' || auth === 'cert') return auth;
  if (auth === 'public') return 'public';
  if (isEmpty(auth)) {
    notes.push({
      severity: 'info',
      origin,
      message: `service ${rowName(row)}: auth is empty, which the Python Twitcher served without authentication (only token and cert protect); carried as auth public`,
    });
    return 'public';
  }
  notes.push({
    severity: 'error',
    origin,
    message: `service ${rowName(row)}: auth ${JSON.stringify(auth)} left the service public in the Python Twitcher (only "token" and "cert" protect one); set it to token, cert or public in the source database and import again`,
  });
  return undefined;
}

function legacyAuth(row: SourceRow, origin: string, notes: Note[]): AuthMode {
  if (isTrue(row['public'])) {
    notes.push({
      severity: 'info',
      origin,
      message: `service ${rowName(row)}: public = 1 (before revision d9cff565b8db); carried as auth public`,
    });
    return 'public';
  }
  if (row['auth'] === 'cert') return 'cert';
  if (row['auth'] !== 'token') {
    notes.push({
      severity: 'info',
      origin,
      message: `service ${rowName(row)}: auth ${JSON.stringify(row['auth'] ?? null)} with public = 0 needed a token before revision d9cff565b8db; carried as auth token`,
    });
  }
  return 'token';
}

/** 1 (an integer column, as SQLite and PostgreSQL return it, or text '1'). */
const isTrue = (value: unknown) => value === 1 || value === '1' || value === 1n || value === true;

/**
 * `purl`: the Python Twitcher used it only when it parsed as a URL with a scheme, and ignored it
 * otherwise; one Twitcher cannot use is dropped (the proxy URL is written instead, as there).
 */
function readPURL(row: SourceRow, origin: string, notes: Note[]): string {
  const purl = row['purl'];
  if (isEmpty(purl)) return '';
  const problem = typeof purl === 'string' ? urlProblem(purl) : 'must be a string';
  if (!problem) return purl as string;
  notes.push({
    severity: 'dropped',
    origin,
    message: `service ${rowName(row)}: purl ${JSON.stringify(purl)} ${problem}; not carried (documents name the proxy URL instead)`,
  });
  return '';
}

/**
 * The service of one row, or undefined (with an `error` note) when Twitcher refuses it. `era` is the
 * revision's shape of the table (revisions.ts).
 */
export function mapServiceRow(
  row: SourceRow,
  era: 'legacy' | 'current',
  notes: Note[],
): DesiredService | undefined {
  const origin = `python-twitcher services row ${String(row['id'])}`;
  const auth = era === 'current' ? currentAuth(row, origin, notes) : legacyAuth(row, origin, notes);
  const verifyValue = era === 'current' ? row['_verify'] : row['verify'];
  if (isEmpty(verifyValue)) {
    notes.push({
      severity: 'info',
      origin,
      message: `service ${rowName(row)}: verify is not set, so the Python Twitcher did not check the upstream's TLS certificate; carried as verify false`,
    });
  }
  const input: Record<string, unknown> = {
    name: row['name'] ?? undefined,
    url: row['url'] ?? undefined,
    purl: readPURL(row, origin, notes),
    verify: isTrue(verifyValue),
  };
  if (isEmpty(row['type'])) {
    notes.push({
      severity: 'info',
      origin,
      message: `service ${rowName(row)}: type is empty; carried as wps, the Python Twitcher's default`,
    });
  } else input['type'] = row['type'];
  if (auth) input['auth'] = auth;
  let parsed: ReturnType<typeof parseServiceInput>;
  try {
    parsed = parseServiceInput(input);
  } catch (err) {
    if (!isTwitcherError(err)) throw err;
    notes.push({
      severity: 'error',
      origin,
      message: `service ${rowName(row)} is refused: ${err.fields.map((f) => `${f.field} ${f.message}`).join('; ')}`,
    });
    return undefined;
  }
  if (parsed.name === undefined) {
    notes.push({ severity: 'error', origin, message: 'service (no name) is refused: name is required' });
    return undefined;
  }
  if (!auth) return undefined;
  if (typeof row['name'] === 'string' && parsed.name !== row['name']) {
    notes.push({
      severity: 'info',
      origin,
      message: `service ${rowName(row)} is carried as "${parsed.name}" (Twitcher's names are lower case, [a-z0-9_]); its proxy URL changes with it`,
    });
  }
  return { service: { ...parsed, name: parsed.name } as Service, resources: [], origin };
}
