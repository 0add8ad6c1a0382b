import { type Kysely, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Fine-grained authorization: groups (with the special `administrators`, `anonymous` and
 * `authenticated`), memberships, a resource tree per service, permissions granted to a user or a
 * group, the audit log of decisions; users get an optional certificate DN, clients an owner user.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const key = <T extends { primaryKey(): T; autoIncrement(): T }>(c: T): T =>
    pg ? c.primaryKey() : c.primaryKey().autoIncrement();

  await db.schema
    .createTable('groups')
    .addColumn('id', pg ? 'serial' : 'integer', key)
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_groups')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_groups_pk', ['user_id', 'group_id'])
    .execute();
  await db.schema.createIndex('user_groups_group').on('user_groups').column('group_id').execute();

  await db.schema.alterTable('users').addColumn('certificate_dn', 'text').execute();
  // The canonical form of the DN (see pki/x509/dn/key.ts): one user per certificate subject.
  await db.schema.alterTable('users').addColumn('certificate_dn_key', 'text').execute();
  await db.schema
    .createIndex('users_certificate_dn_key')
    .unique()
    .on('users')
    .column('certificate_dn_key')
    .execute();

  await db.schema
    .alterTable('clients')
    .addColumn('owner', 'varchar(128)', (c) => c.references('users.username').onDelete('set null'))
    .execute();

  await db.schema
    .createTable('resources')
    .addColumn('id', pg ? 'serial' : 'integer', key)
    .addColumn('service', 'varchar(64)', (c) => c.notNull().references('services.name').onDelete('cascade'))
    .addColumn('parent_id', 'integer', (c) => c.references('resources.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('name_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // Siblings have distinct names; a process, layer, feature type, coverage or record name is unique
  // in its service (requests name them without a path).
  await sql`create unique index resources_sibling on resources (service, (coalesce(parent_id, 0)), name_key)`.execute(
    db,
  );
  await sql`create unique index resources_ows_name on resources (service, kind, name_key) where kind <> 'path'`.execute(
    db,
  );
  await db.schema.createIndex('resources_parent').on('resources').column('parent_id').execute();

  await db.schema
    .createTable('permissions')
    .addColumn('id', pg ? 'serial' : 'integer', key)
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) => c.references('groups.id').onDelete('cascade'))
    .addColumn('service', 'varchar(64)', (c) => c.notNull().references('services.name').onDelete('cascade'))
    .addColumn('resource_id', 'integer', (c) => c.references('resources.id').onDelete('cascade'))
    .addColumn('permission', 'varchar(32)', (c) => c.notNull())
    .addColumn('access', 'varchar(8)', (c) => c.notNull())
    .addColumn('scope', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('permissions_one_grantee', sql`(user_id is null) <> (group_id is null)`)
    .execute();
  // One grant per grantee, resource (or service) and permission name: granting twice is an error.
  await sql`create unique index permissions_grant on permissions ((coalesce(user_id, 0)), (coalesce(group_id, 0)), service, (coalesce(resource_id, 0)), permission)`.execute(
    db,
  );
  await db.schema.createIndex('permissions_service').on('permissions').column('service').execute();

  await db.schema
    .createTable('audit')
    .addColumn('id', pg ? 'bigserial' : 'integer', key)
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('username', 'varchar(128)')
    .addColumn('client_address', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('service', 'varchar(64)', (c) => c.notNull())
    .addColumn('operation', 'varchar(128)', (c) => c.notNull())
    .addColumn('permission', 'varchar(32)', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('outcome', 'varchar(8)', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_at').on('audit').column('at').execute();
  await db.schema.createIndex('audit_username').on('audit').columns(['username', 'id']).execute();
  await db.schema.createIndex('audit_service').on('audit').columns(['service', 'id']).execute();

  const now = Date.now();
  await sql`insert into groups (name, priority, description, created_at) values
    ('administrators', 1000000, 'Allowed everything', ${now}),
    ('anonymous', -1, 'Everyone, with or without a credential', ${now}),
    ('authenticated', 0, 'Everyone with a valid credential', ${now})`.execute(db);
}
