/**
 * Root keys of macaroons. Each has an id, written into every macaroon it mints, so that keys can be
 * rotated by configuration: the first key mints, the others still verify until they are removed
 * (retired). Several Twitcher instances share them through `token.macaroonKeys`; with none
 * configured, one key is generated on the first start under `token.keyDir` (mode 0600).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GENERATED_MACAROON_KEY_FILE } from './generated-key-files.js';
import { TokenConfigError } from './key-config-error.js';

/** A root key as configured: `secret` is used as its UTF-8 bytes. */
export interface MacaroonRootKey {
  id: string;
  secret: string;
}

export interface MacaroonKeyRing {
  /** The key that mints. */
  current: { id: string; key: Buffer };
  /** Every accepted key by id (the current one included). */
  byId: ReadonlyMap<string, Buffer>;
}

/** Key ids go into the macaroon identifier and into logs: short and plain. */
export const MACAROON_KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** As for HS256 secrets (RFC 7518 §3.2): at least 256 bits. */
export const MIN_MACAROON_SECRET_LENGTH = 32;
export { GENERATED_MACAROON_KEY_FILE };

/** Why `value` is not a valid `token.macaroonKeys`, or undefined. */
export function macaroonKeysProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be a list of {"id": …, "secret": …}';
  const seen = new Set<string>();
  for (const [i, entry] of value.entries()) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      return `[${i}] must be an object`;
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => k !== 'id' && k !== 'secret');
    if (unknown.length > 0) return `[${i}] has unknown key(s) ${unknown.join(', ')}`;
    if (typeof e['id'] !== 'string' || !MACAROON_KEY_ID.test(e['id']))
      return `[${i}].id must be 1 to 64 characters of A-Z a-z 0-9 _ -`;
    if (seen.has(e['id'])) return `[${i}].id ${e['id']} is repeated`;
    seen.add(e['id']);
    if (typeof e['secret'] !== 'string' || e['secret'].length < MIN_MACAROON_SECRET_LENGTH)
      return `[${i}].secret must be a string of at least ${MIN_MACAROON_SECRET_LENGTH} characters`;
  }
  return undefined;
}

export function createMacaroonKeyRing(keys: readonly MacaroonRootKey[]): MacaroonKeyRing {
  const problem = keys.length === 0 ? 'no key' : macaroonKeysProblem(keys);
  if (problem) throw new TokenConfigError(`macaroon root keys: ${problem}`);
  const byId = new Map(keys.map((k) => [k.id, Buffer.from(k.secret, 'utf8')]));
  const first = keys[0]!;
  return { current: { id: first.id, key: byId.get(first.id)! }, byId };
}

/**
 * The generated root key in `dir` (created on the first start, mode 0600), reused on later starts.
 * Written under a temporary name and linked into place, so a concurrent start never reads half a file
 * and never overwrites a key.
 */
export async function generateMacaroonKey(dir: string): Promise<MacaroonRootKey> {
  const file = join(dir, GENERATED_MACAROON_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key: MacaroonRootKey = {
    id: `g${randomBytes(6).toString('hex')}`,
    secret: randomBytes(32).toString('base64url'),
  };
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${JSON.stringify(key)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temporary);
  }
  const stored = await readKeyFile(file);
  if (!stored) throw new TokenConfigError(`${file} vanished`);
  return stored;
}

/**
 * The root key generated earlier in `dir`, or undefined when there is none (nothing is generated):
 * after a switch of `token.type`, the macaroons minted before stay valid while it is there.
 */
export function readGeneratedMacaroonKey(dir: string): Promise<MacaroonRootKey | undefined> {
  return readKeyFile(join(dir, GENERATED_MACAROON_KEY_FILE));
}

async function readKeyFile(file: string): Promise<MacaroonRootKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenConfigError(`cannot read the macaroon root key ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const problem = macaroonKeysProblem([parsed]);
  if (problem)
    throw new TokenConfigError(
      `${file} is not a macaroon root key (${problem}): remove it to generate a new one`,
    );
  return parsed as MacaroonRootKey;
}
