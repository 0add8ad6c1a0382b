/**
 * A Magpie THREDDS provider's `configuration` (`skip_prefix`, `file_patterns`,
 * `metadata_type.prefixes`, `data_type.prefixes`) against the rules Twitcher applies to every
 * THREDDS service (src/authz/request-access.ts): each part Twitcher does not honour is a `dropped`
 * note, each prefix Twitcher honours that the configuration does not list an `info` note.
 *
 * Not honouring a prefix only narrows access (Twitcher refuses a first segment it does not know), so
 * nothing here is an error.
 */
import { THREDDS_DATA, THREDDS_METADATA } from '../../authz/request-access.js';
import type { Note, Origin } from '../model.js';

type At = (path: readonly (string | number)[]) => Origin;

/** The catalog document regex Magpie's default lists, which Twitcher honours (`catalog.xml`). */
const CATALOG_DOCUMENT = /^catalog\\\.(?:\\w\+|\[a-z0-9\]\+)$/i;
/** `.+\.nc`, `.*\.ncml`: a file name by its extension, which Twitcher keeps whole (minus DAP suffixes). */
const EXTENSION_PATTERN = /^\.[*+]\\\.[A-Za-z0-9]+\$?$/;

export function compareThreddsConfiguration(
  configuration: unknown,
  at: At,
  base: readonly (string | number)[],
  notes: Note[],
): void {
  const where = (...path: (string | number)[]) => at([...base, ...path]);
  if (configuration === null || configuration === undefined) return;
  if (typeof configuration !== 'object' || Array.isArray(configuration)) {
    notes.push({ severity: 'error', origin: where(), message: 'THREDDS configuration must be a mapping' });
    return;
  }
  const config = configuration as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!['skip_prefix', 'file_patterns', 'metadata_type', 'data_type'].includes(key)) {
      notes.push({
        severity: 'dropped',
        origin: where(key),
        message: `THREDDS configuration "${key}" is not one Magpie knows; ignored`,
      });
    }
  }
  const skip = config['skip_prefix'];
  if (
    skip !== undefined &&
    skip !== null &&
    String(skip)
      .replace(/^\/+|\/+$/g, '')
      .toLowerCase() !== 'thredds'
  ) {
    notes.push({
      severity: 'dropped',
      origin: where('skip_prefix'),
      message: `skip_prefix "${String(skip)}": Twitcher skips only a first path segment "thredds"; a path starting with "${String(skip)}" is refused`,
    });
  }
  const patterns = config['file_patterns'];
  if (Array.isArray(patterns)) {
    patterns.forEach((pattern, i) => {
      if (typeof pattern === 'string' && EXTENSION_PATTERN.test(pattern)) return;
      notes.push({
        severity: 'dropped',
        origin: where('file_patterns', i),
        message: `file pattern ${JSON.stringify(pattern)}: Twitcher names a file by its last path segment (OPeNDAP suffixes such as .html or .dds removed), it takes no file patterns`,
      });
    });
  } else if (patterns !== undefined && patterns !== null) {
    notes.push({
      severity: 'error',
      origin: where('file_patterns'),
      message: 'file_patterns must be a list',
    });
  }
  const metadata = comparePrefixes(config, 'metadata_type', 'browse', THREDDS_METADATA, where, notes);
  const data = comparePrefixes(config, 'data_type', 'read', THREDDS_DATA, where, notes);
  missingPrefixes('metadata_type', 'browse', THREDDS_METADATA, metadata, data, where, notes);
  missingPrefixes('data_type', 'read', THREDDS_DATA, data, metadata, where, notes);
}

/** The prefixes Twitcher honours that the configuration lists nowhere: Magpie refused them. */
function missingPrefixes(
  key: 'metadata_type' | 'data_type',
  permission: string,
  twitcher: ReadonlySet<string>,
  listed: ReadonlySet<string> | undefined,
  other: ReadonlySet<string> | undefined,
  where: (...path: (string | number)[]) => Origin,
  notes: Note[],
): void {
  if (listed === undefined) return;
  for (const name of twitcher) {
    if (listed.has(name) || other?.has(name)) continue;
    notes.push({
      severity: 'info',
      origin: where(key, 'prefixes'),
      message: `Twitcher reads the prefix "${name}" as ${key === 'metadata_type' ? 'metadata' : 'data'} (${permission}), which this configuration does not list (Magpie refused it)`,
    });
  }
}

function comparePrefixes(
  config: Record<string, unknown>,
  key: 'metadata_type' | 'data_type',
  permission: string,
  twitcher: ReadonlySet<string>,
  where: (...path: (string | number)[]) => Origin,
  notes: Note[],
): Set<string> | undefined {
  const section = config[key];
  if (section === undefined || section === null) return undefined;
  const prefixes = (section as { prefixes?: unknown }).prefixes;
  if (!Array.isArray(prefixes)) {
    notes.push({ severity: 'error', origin: where(key), message: `${key}.prefixes must be a list` });
    return undefined;
  }
  const listed = new Set<string>();
  prefixes.forEach((prefix, i) => {
    // null: no prefix (the root catalog), which Twitcher reads as browse on the service
    if (prefix === null && key === 'metadata_type') return;
    const text = typeof prefix === 'string' ? prefix : String(prefix);
    listed.add(text.toLowerCase());
    if (twitcher.has(text.toLowerCase())) return;
    if (key === 'metadata_type' && CATALOG_DOCUMENT.test(text)) return;
    if (key === 'data_type' && THREDDS_METADATA.has(text.toLowerCase())) {
      // Magpie asked read there; Twitcher asks browse, which sites grant more widely than read
      notes.push({
        severity: 'error',
        origin: where(key, 'prefixes', i),
        message: `data prefix ${JSON.stringify(prefix)} needs read in this configuration, but Twitcher reads it as metadata (browse): who may browse would get what only read gave; move it to metadata_type.prefixes`,
      });
      return;
    }
    if (key === 'metadata_type' && THREDDS_DATA.has(text.toLowerCase())) {
      notes.push({
        severity: 'dropped',
        origin: where(key, 'prefixes', i),
        message: `metadata prefix ${JSON.stringify(prefix)} (browse): Twitcher reads it as data, so a path starting with it needs read`,
      });
      return;
    }
    notes.push({
      severity: 'dropped',
      origin: where(key, 'prefixes', i),
      message: `${key === 'metadata_type' ? 'metadata' : 'data'} prefix ${JSON.stringify(prefix)} (${permission}): Twitcher's THREDDS rules do not have it, so a path starting with it is refused`,
    });
  });
  return listed;
}
