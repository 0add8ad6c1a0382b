/**
 * Provisioning files read into one desired state: each file is Twitcher's format when it says
 * `format: twitcher/v1`, Magpie's otherwise (providers, permissions or combined config.yml). A
 * directory stands for its .yml, .yaml, .json and .cfg files in name order (Magpie's habit).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { readMagpieFiles } from './magpie/read-magpie.js';
import { type DesiredState, emptyState, type Note, type ReadResult } from './model.js';
import { NATIVE_FORMAT, readNative } from './native/read-native.js';
import { parseSource, type SourceFile } from './source.js';

const EXTENSIONS = new Set(['.yml', '.yaml', '.json', '.cfg']);

/** The files named (directories expanded); one that cannot be read is an error note. */
export function loadSourceFiles(paths: readonly string[], notes: Note[]): SourceFile[] {
  const files: SourceFile[] = [];
  for (const path of paths) {
    try {
      if (statSync(path).isDirectory()) {
        const names = readdirSync(path)
          .filter((n) => EXTENSIONS.has(extname(n).toLowerCase()))
          .sort();
        for (const n of names) files.push({ name: join(path, n), text: readFileSync(join(path, n), 'utf8') });
      } else files.push({ name: path, text: readFileSync(path, 'utf8') });
    } catch (err) {
      notes.push({
        severity: 'error',
        origin: path,
        message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      });
    }
  }
  return files;
}

/**
 * Is this file in Twitcher's own format? (It names its format; Magpie's files never do.) A top-level
 * `format` key in any spelling (`"format":` in YAML, JSON whose first key is another) counts: read
 * as Magpie's, such a file's sections would be dropped and its permissions read by Magpie's rules.
 */
export function isNativeFile(file: SourceFile): boolean {
  if (/^format\s*:/m.test(file.text) || /^\s*\{\s*"format"\s*:/.test(file.text)) return true;
  if (!/format/.test(file.text)) return false;
  const doc = parseDocument(file.text, { uniqueKeys: false });
  return doc.errors.length === 0 && isMap(doc.contents) && doc.contents.has('format');
}

/** Reads `files` (native and Magpie ones, in any mix) into one state. */
export function readSources(
  files: readonly SourceFile[],
  env: Readonly<Record<string, string | undefined>>,
  options: { expand?: boolean } = {},
): ReadResult {
  const notes: Note[] = [];
  const states: DesiredState[] = [];
  const magpie: SourceFile[] = [];
  for (const file of files) {
    if (!isNativeFile(file)) {
      magpie.push(file);
      continue;
    }
    const source = parseSource(file, notes);
    if (source.value !== undefined)
      states.push(readNative(source, notes, { env, expand: options.expand ?? true }));
  }
  if (magpie.length > 0) {
    states.push(readMagpieFiles(magpie, { ...env }, notes));
    for (const f of magpie) {
      notes.push({
        severity: 'info',
        origin: f.name,
        message: `read as Magpie's format (no "format: ${NATIVE_FORMAT}")`,
      });
    }
  }
  return { state: concatStates(states), notes };
}

/**
 * The files named (directories expanded) read into one state, with how many there were and the
 * digest of their names and texts (recorded with the state applied).
 */
export function readProvisioningFiles(
  paths: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { read: ReadResult; count: number; digest: string } {
  const notes: Note[] = [];
  const files = loadSourceFiles(paths, notes);
  const read = readSources(files, env);
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.name).update('\0').update(f.text).update('\0');
  return {
    read: { state: read.state, notes: [...notes, ...read.notes] },
    count: files.length,
    digest: hash.digest('hex'),
  };
}

export function concatStates(states: readonly DesiredState[]): DesiredState {
  const out = emptyState();
  const resources: NonNullable<DesiredState['resources']> = [];
  for (const s of states) {
    out.services.push(...s.services);
    out.users.push(...s.users);
    out.groups.push(...s.groups);
    out.clients.push(...s.clients);
    out.permissions.push(...s.permissions);
    resources.push(...(s.resources ?? []));
  }
  if (resources.length > 0) out.resources = resources;
  return out;
}
