import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m001 from './001-services-and-users.js';
import * as m002 from './002-oauth.js';
import * as m003 from './003-issued-certificates.js';
import * as m004 from './004-service-cert-subjects.js';
import * as m005 from './005-authorization.js';
import * as m006 from './006-audit-counts.js';
import * as m007 from './007-service-limits.js';
import * as m008 from './008-provisioning.js';
import type { Dialect } from './dialect.js';

interface VersionedMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Every migration, in order. A new one is appended here; released ones are never edited. */
const MIGRATIONS: Record<string, VersionedMigration> = {
  '001-services-and-users': m001,
  '002-oauth': m002,
  '003-issued-certificates': m003,
  '004-service-cert-subjects': m004,
  '005-authorization': m005,
  '006-audit-counts': m006,
  '007-service-limits': m007,
  '008-provisioning': m008,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => m.up(db, this.dialect) };
    return out;
  }
}

/** Applies the pending migrations (idempotent; safe when several instances start at once on PostgreSQL). */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: Dialect,
  schema?: string,
): Promise<string[]> {
  // On PostgreSQL the migrator's own tables live in the current schema: Kysely would otherwise find
  // another schema's kysely_migration table and skip creating its own.
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(dialect),
    ...(schema !== undefined && { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
