/**
 * `provision.files` applied at the start, before listening (Magpie's habit): in one transaction under
 * the provisioning lock, so that instances starting at once apply the files one after the other and
 * the later ones find nothing to do. A file that cannot be applied stops the start.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Store } from '../store/types.js';
import { type ApplyResult, applyState } from './apply.js';
import { formatChanges, formatNote, summary } from './format-plan.js';
import { loadSourceFiles, readSources } from './read-files.js';

export async function provisionAtStart(
  config: Config,
  store: Store,
  env: Readonly<Record<string, string | undefined>>,
  write: (text: string) => void,
): Promise<ApplyResult | undefined> {
  const { files: paths, prune, strict } = config.provision;
  if (paths.length === 0) return undefined;
  const notes: Parameters<typeof loadSourceFiles>[1] = [];
  const files = loadSourceFiles(paths, notes);
  const read = readSources(files, env);
  const digest = createHash('sha256');
  for (const f of files) digest.update(f.name).update('\0').update(f.text).update('\0');
  const result = await applyState(
    store,
    { state: read.state, notes: [...notes, ...read.notes] },
    { prune, strict, adminUsername: config.admin.username, digest: digest.digest('hex') },
  );
  const lines = [
    ...result.notes.filter((n) => n.severity !== 'info').map(formatNote),
    ...formatChanges(result.changes),
  ];
  write(
    `twitcher: provision.files (${files.length} file${files.length === 1 ? '' : 's'}): ${
      result.changes.length === 0 ? 'the store matches them' : summary(result.changes)
    }\n${lines.map((l) => `  ${l}\n`).join('')}`,
  );
  return result;
}
