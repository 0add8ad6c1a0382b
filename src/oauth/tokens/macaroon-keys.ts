/**
 * Root keys of macaroons. Each has an id, written into every macaroon it mints, so that keys can be
 * rotated by configuration: the first key mints, the others still verify until they are removed
 * (retired). Several Twitcher instances share them through `token.macaroonKeys`; with none
 * configured, one key is generated on the first start under `token.keyDir` (mode 0600).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MACAROON_KEY_ID,
  MIN_MACAROON_SECRET_LENGTH,
  macaroonKeysProblem,
} from '../../config/macaroon-keys.js';
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

// the rules of a root key are those of the `token.macaroonKeys` setting, checked in config/
export { GENERATED_MACAROON_KEY_FILE, MACAROON_KEY_ID, MIN_MACAROON_SECRET_LENGTH, macaroonKeysProblem };

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
