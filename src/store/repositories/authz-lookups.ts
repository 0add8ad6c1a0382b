/** Lookups and errors shared by the authorization repositories (groups, resources, permissions). */
import type { Kysely, Transaction } from 'kysely';
import { TwitcherError } from '../../errors.js';
import type { ServiceType } from '../../registry/service.js';
import type { Database } from '../schema.js';

/** The database, or a transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>;

/** A reference to something that does not exist, named by the field that held it. */
export function unknownReference(field: string, description: string): TwitcherError {
  return new TwitcherError('unknown_reference', { description, fields: [{ field, message: description }] });
}

export function notFound(description: string): TwitcherError {
  return new TwitcherError('not_found', { description });
}

export async function userIdOf(db: Db, username: string): Promise<number | undefined> {
  const row = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  return row?.id;
}

export async function groupIdOf(db: Db, name: string): Promise<number | undefined> {
  const row = await db.selectFrom('groups').select('id').where('name', '=', name).executeTakeFirst();
  return row?.id;
}

export async function serviceTypeOf(db: Db, service: string): Promise<ServiceType | undefined> {
  const row = await db.selectFrom('services').select('type').where('name', '=', service).executeTakeFirst();
  return row?.type as ServiceType | undefined;
}
