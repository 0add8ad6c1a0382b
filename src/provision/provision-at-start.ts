/**
 * `provision.files` applied at the start, before listening (Magpie's habit): in one transaction under
 * the provisioning lock, so that instances starting at once apply the files one after the other and
 * the later ones find nothing to do. A file that cannot be applied stops the start: the error's
 * message lists every problem (the server's and the cluster primary's start print it as it is).
 */
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import { type ApplyResult, applyState } from './apply.js';
import { describeProblems } from './describe-problems.js';
import { formatChanges, formatNote, summary } from './format-plan.js';
import { readProvisioningFiles } from './read-files.js';

export async function provisionAtStart(
  config: Config,
  store: Store,
  env: Readonly<Record<string, string | undefined>>,
  write: (text: string) => void,
): Promise<ApplyResult | undefined> {
  const { files: paths, prune, strict } = config.provision;
  if (paths.length === 0) return undefined;
  const { read, count, digest } = readProvisioningFiles(paths, env);
  let result: ApplyResult;
  try {
    result = await applyState(store, read, { prune, strict, adminUsername: config.admin.username, digest });
  } catch (err) {
    throw err instanceof TwitcherError ? new Error(describeProblems(err)) : err;
  }
  const lines = [
    ...result.notes.filter((n) => n.severity !== 'info').map(formatNote),
    ...formatChanges(result.changes),
  ];
  write(
    `twitcher: provision.files (${count} file${count === 1 ? '' : 's'}): ${
      result.changes.length === 0 ? 'the store matches them' : summary(result.changes)
    }\n${lines.map((l) => `  ${l}\n`).join('')}`,
  );
  return result;
}
