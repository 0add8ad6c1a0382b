/**
 * A row of the Python Twitcher's `client` table (`tw:twitcher/models/oauth.py`) as a desired client.
 * Pure. The secret was stored in clear there: it is carried as `{plain}` and hashed by the engine, so
 * clients keep working with the secret they have. It is never put in a note.
 */
import { DEFAULT_CLIENT_SCOPES, KNOWN_SCOPES } from '../../oauth/clients.js';
import type { DesiredClient, Note } from '../model.js';
import type { SourceRow } from './source-database.js';

/**
 * Twitcher's client ids: the store holds up to 64 characters and the API has no pattern; the
 * Python Twitcher's column is String(40). Visible ASCII, no spaces (an id is typed on command lines
 * and sent in HTTP Basic, RFC 6749 §2.3.1).
 */
export const CLIENT_ID_PATTERN = /^[!-~]{1,40}$/;

/** The longest client name Twitcher accepts (oauth/clients.ts). */
const MAX_NAME = 128;

const words = (value: unknown): string[] =>
  typeof value === 'string' ? value.split(/\s+/).filter((w) => w.length > 0) : [];

function redirectProblem(uri: string): string | undefined {
  try {
    return new URL(uri).hash ? 'has a fragment' : undefined;
  } catch {
    return 'is not an absolute URL';
  }
}

/**
 * The client of one row, or undefined (with an `error` note). `columns`: the client columns this
 * revision has (older ones lack default_scope, name and _redirect_uris: missingAt() says so once).
 */
export function mapClientRow(
  row: SourceRow,
  columns: readonly string[],
  notes: Note[],
): DesiredClient | undefined {
  const id = row['client_id'];
  const origin = `python-twitcher client row ${typeof id === 'string' ? JSON.stringify(id) : String(id)}`;
  const errors: string[] = [];
  if (typeof id !== 'string' || !CLIENT_ID_PATTERN.test(id)) {
    errors.push('client_id must be 1 to 40 visible ASCII characters, without spaces');
  }
  const secret = row['client_secret'];
  if (typeof secret !== 'string' || secret.length === 0) errors.push('client_secret is empty');
  if (errors.length > 0) {
    notes.push({ severity: 'error', origin, message: `client is refused: ${errors.join('; ')}` });
    return undefined;
  }
  const client: DesiredClient = {
    clientId: id as string,
    secret: { plain: secret as string },
    scopes: readScopes(row, columns, origin, notes),
    origin,
  };
  if (columns.includes('name')) {
    const name = typeof row['name'] === 'string' ? row['name'].trim() : '';
    if (name.length > MAX_NAME) {
      notes.push({
        severity: 'dropped',
        origin,
        message: `name is longer than ${MAX_NAME} characters; not carried`,
      });
    } else if (name.length > 0) client.name = name;
  }
  if (columns.includes('_redirect_uris')) {
    const [first, ...rest] = words(row['_redirect_uris']);
    if (first !== undefined) {
      const problem = redirectProblem(first);
      if (problem) {
        notes.push({ severity: 'dropped', origin, message: `redirect URI ${first} ${problem}; not carried` });
      } else client.redirectURI = first;
    }
    if (rest.length > 0) {
      notes.push({
        severity: 'dropped',
        origin,
        message: `Twitcher keeps one redirect URI per client (the first, the one the Python Twitcher used by default); not carried: ${rest.join(' ')}`,
      });
    }
  }
  return client;
}

/** `default_scope`, space-separated; the scopes Twitcher does not know are dropped; none: compute. */
function readScopes(row: SourceRow, columns: readonly string[], origin: string, notes: Note[]): string[] {
  // older revisions: missingAt() says once that every client is given compute
  if (!columns.includes('default_scope')) return [...DEFAULT_CLIENT_SCOPES];
  const listed = [...new Set(words(row['default_scope']))];
  const known = listed.filter((s) => (KNOWN_SCOPES as readonly string[]).includes(s));
  const unknown = listed.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    notes.push({
      severity: 'dropped',
      origin,
      message: `scope(s) Twitcher does not know: ${unknown.join(' ')} (known: ${KNOWN_SCOPES.join(', ')}); not carried`,
    });
  }
  if (known.length > 0) return known;
  notes.push({
    severity: 'info',
    origin,
    message:
      listed.length === 0
        ? 'default_scope is empty (the Python Twitcher gave such a client no usable token); carried with scope compute'
        : 'no scope left; carried with scope compute',
  });
  return [...DEFAULT_CLIENT_SCOPES];
}
