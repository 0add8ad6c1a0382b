/**
 * The check of `token.macaroonKeys`, the root keys of macaroons (the first mints, all verify). The
 * token service (oauth/tokens/macaroon-keys.ts) checks the keys it is given with the same rules.
 */
import type { MacaroonKey } from './config.js';
import { isRecord, unknownKeys } from './json-shapes.js';
import type { Parsed } from './setting.js';

/** Key ids go into the macaroon identifier and into logs: short and plain. */
export const MACAROON_KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** As for HS256 secrets (RFC 7518 §3.2): at least 256 bits. */
export const MIN_MACAROON_SECRET_LENGTH = 32;

/** The keys, or the first problem of an entry; a problem never quotes a secret. */
export function macaroonKeysOf(value: unknown): Parsed<MacaroonKey[]> {
  if (!Array.isArray(value)) return { error: 'must be a list of {"id": …, "secret": …}' };
  const entries: unknown[] = value;
  const keys: MacaroonKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const key = macaroonKeyOf(entry, keys);
    if ('error' in key) return { error: `[${i}]${key.error}` };
    keys.push(key.value);
  }
  return { value: keys };
}

/** Why `value` is not a valid list of macaroon root keys, or undefined. */
export function macaroonKeysProblem(value: unknown): string | undefined {
  const keys = macaroonKeysOf(value);
  return 'error' in keys ? keys.error : undefined;
}

function macaroonKeyOf(entry: unknown, before: readonly MacaroonKey[]): Parsed<MacaroonKey> {
  if (!isRecord(entry)) return { error: ' must be an object' };
  const unknown = unknownKeys(entry, ['id', 'secret']);
  if (unknown.length > 0) return { error: ` has unknown key(s) ${unknown.join(', ')}` };
  const { id, secret } = entry;
  if (typeof id !== 'string' || !MACAROON_KEY_ID.test(id)) {
    return { error: '.id must be 1 to 64 characters of A-Z a-z 0-9 _ -' };
  }
  if (before.some((k) => k.id === id)) return { error: `.id ${id} is repeated` };
  if (typeof secret !== 'string' || secret.length < MIN_MACAROON_SECRET_LENGTH) {
    return { error: `.secret must be a string of at least ${MIN_MACAROON_SECRET_LENGTH} characters` };
  }
  return { value: { id, secret } };
}
