import { type FieldError, TwitcherError } from '../errors.js';
import type { ClientRecord, ClientRepository } from '../store/types.js';
import { generateClientId, generateClientSecret, hashSecret } from './client-secret.js';
import { parseTokenData } from './token-data.js';

/**
 * The scopes Twitcher knows: `compute` opens the protected operations of `auth: token` services,
 * `register` lets a token manage the service registry (the seeds' `twitcherctl -t TOKEN register`).
 */
export const KNOWN_SCOPES = ['compute', 'register'] as const;
export const DEFAULT_CLIENT_SCOPES = ['compute'];

export interface ClientInput {
  name?: unknown;
  redirect_uri?: unknown;
  scopes?: unknown;
  data?: unknown;
}

/** A client as the admin API shows it (never the secret, which is shown once at creation). */
export interface ClientJSON {
  client_id: string;
  name: string;
  redirect_uri: string;
  scopes: string[];
  data: Record<string, string>;
  created_at: string;
}

export function toClientJSON(c: ClientRecord): ClientJSON {
  return {
    client_id: c.clientId,
    name: c.name,
    redirect_uri: c.redirectURI,
    scopes: c.scopes,
    data: c.data,
    created_at: new Date(c.createdAt).toISOString(),
  };
}

export function parseScopes(value: unknown, field: string, errors: FieldError[]): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    errors.push({ field, message: 'must be a list of scopes' });
    return undefined;
  }
  const unknown = list.filter((s) => !(KNOWN_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    errors.push({
      field,
      message: `unknown scope(s) ${unknown.join(', ')}; known: ${KNOWN_SCOPES.join(', ')}`,
    });
    return undefined;
  }
  return [...new Set(list)];
}

/** Why `value` cannot be a client's redirect URI (absolute, no fragment), or undefined. */
export function redirectURIProblem(value: string): string | undefined {
  try {
    if (new URL(value).hash) return 'must be an absolute URL without a fragment';
  } catch {
    return 'must be an absolute URL without a fragment';
  }
  return undefined;
}

function parseClientFields(input: ClientInput) {
  const errors: FieldError[] = [];
  let name: string | undefined;
  if (input.name !== undefined) {
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 128) {
      errors.push({ field: 'name', message: 'must be a string of 1 to 128 characters' });
    } else name = input.name.trim();
  }
  let redirectURI: string | undefined;
  if (input.redirect_uri !== undefined && input.redirect_uri !== '') {
    if (typeof input.redirect_uri !== 'string')
      errors.push({ field: 'redirect_uri', message: 'must be a string' });
    else {
      const problem = redirectURIProblem(input.redirect_uri);
      if (problem) errors.push({ field: 'redirect_uri', message: problem });
      else redirectURI = input.redirect_uri;
    }
  } else if (input.redirect_uri === '') redirectURI = '';
  const scopes = parseScopes(input.scopes, 'scopes', errors);
  if (scopes !== undefined && scopes.length === 0)
    errors.push({ field: 'scopes', message: 'must not be empty' });
  const data = input.data === undefined ? undefined : parseTokenData(input.data, 'data', errors);
  if (errors.length > 0) {
    throw new TwitcherError('validation_failed', {
      description: errors.map((e) => `${e.field} ${e.message}`).join('; '),
      fields: errors,
    });
  }
  return { name, redirectURI, scopes, data };
}

/** Registers a client; the secret is returned once and only its hash is stored. */
export async function createClient(
  clients: ClientRepository,
  input: ClientInput,
): Promise<{ client: ClientRecord; secret: string }> {
  const f = parseClientFields(input);
  const secret = generateClientSecret();
  const client: ClientRecord = {
    clientId: generateClientId(),
    name: f.name ?? 'client',
    secretHash: hashSecret(secret),
    redirectURI: f.redirectURI ?? '',
    scopes: f.scopes ?? DEFAULT_CLIENT_SCOPES,
    data: f.data ?? {},
    createdAt: Date.now(),
  };
  await clients.create(client);
  return { client, secret };
}

export async function updateClient(
  clients: ClientRepository,
  clientId: string,
  input: ClientInput,
): Promise<ClientRecord> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new TwitcherError('validation_failed', { description: 'The body must be a JSON object.' });
  }
  const f = parseClientFields(input);
  const updated = await clients.update(clientId, {
    ...(f.name !== undefined && { name: f.name }),
    ...(f.redirectURI !== undefined && { redirectURI: f.redirectURI }),
    ...(f.scopes !== undefined && { scopes: f.scopes }),
    ...(f.data !== undefined && { data: f.data }),
  });
  if (!updated) throw clientNotFound(clientId);
  return updated;
}

export function clientNotFound(clientId: string): TwitcherError {
  return new TwitcherError('not_found', { description: `No client "${clientId}".` });
}
