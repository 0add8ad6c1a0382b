/**
 * The Python Twitcher's (bird-house/twitcher 0.5–0.11) database schema at each alembic revision
 * (`twitcher/alembic/versions/*`): which tables and columns the reader needs at each one. Pure.
 */

/** The alembic chain, oldest first. */
export const REVISIONS = [
  'd39766e64a84', // init: services (with public, verify), access_tokens
  '1ab5b6358dd5', // client (client_id, client_secret) and token; access_tokens dropped
  '0a075bcbeb8f', // client.default_scope
  'b8aa09688558', // client.name, client._redirect_uris
  'd9cff565b8db', // services._verify; public and verify dropped
] as const;
export type Revision = (typeof REVISIONS)[number];

export function isRevision(value: string): value is Revision {
  return (REVISIONS as readonly string[]).includes(value);
}

/** What the reader reads at a revision. */
export interface SchemaAt {
  /** `legacy`: `public` and `verify` columns (before d9cff565b8db); `current`: `_verify`. */
  services: 'legacy' | 'current';
  /** Columns of `client` read; undefined when there is no client table yet. */
  client: readonly string[] | undefined;
  /** The table whose rows are counted (not carried): `access_tokens` at the init revision. */
  tokens: 'access_tokens' | 'token';
}

const since = (revision: Revision, at: Revision) => REVISIONS.indexOf(at) >= REVISIONS.indexOf(revision);

export function schemaAt(revision: Revision): SchemaAt {
  const client = since('1ab5b6358dd5', revision)
    ? [
        'client_id',
        'client_secret',
        ...(since('0a075bcbeb8f', revision) ? ['default_scope'] : []),
        ...(since('b8aa09688558', revision) ? ['name', '_redirect_uris'] : []),
      ]
    : undefined;
  return {
    services: since('d9cff565b8db', revision) ? 'current' : 'legacy',
    client,
    tokens: client ? 'token' : 'access_tokens',
  };
}

export const SERVICE_COLUMNS = {
  legacy: ['id', 'url', 'name', 'type', 'purl', 'auth', 'public', 'verify'],
  current: ['id', 'url', 'name', 'type', 'purl', 'auth', '_verify'],
} as const;

/** Every table the reader needs at `revision`, with the columns it reads of each. */
export function requiredColumns(revision: Revision): Map<string, readonly string[]> {
  const schema = schemaAt(revision);
  const tables = new Map<string, readonly string[]>([['services', SERVICE_COLUMNS[schema.services]]]);
  if (schema.client) tables.set('client', schema.client);
  // only counted: any column will do
  tables.set(schema.tokens, ['id']);
  return tables;
}

/** What an older revision lacks, said once (`info`): the fields carried without a value. */
export function missingAt(revision: Revision): string[] {
  const schema = schemaAt(revision);
  const lacks: string[] = [];
  if (!schema.client) {
    lacks.push('no client table (added in 1ab5b6358dd5): there are no OAuth clients to carry');
    return lacks;
  }
  if (!schema.client.includes('default_scope')) {
    lacks.push('clients have no default_scope (added in 0a075bcbeb8f): every client is given compute');
  }
  if (!schema.client.includes('name')) {
    lacks.push(
      'clients have no name and no redirect URIs (added in b8aa09688558): they are carried without them',
    );
  }
  return lacks;
}
