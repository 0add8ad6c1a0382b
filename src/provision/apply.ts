/**
 * Applying a desired state to a store: read (files) → plan (diff with the store) → apply, in one
 * transaction that holds the provisioning lock.
 */
import { TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import { mergeStates } from './merge.js';
import type { Note, PlannedChange, ReadResult } from './model.js';

export type { PlannedChange };

import { checkReferences } from './check-references.js';
import { planSteps } from './plan.js';
import type { PlanOptions, ResourceIds } from './plan-types.js';
import { pathKey, readSnapshot } from './snapshot.js';

export interface ApplyOptions {
  /** Remove what the state no longer names. */
  prune?: boolean | undefined;
  /** Plan only. */
  dryRun?: boolean | undefined;
  /** `dropped` notes are errors. */
  strict?: boolean | undefined;
  /** Clear passwords in files are accepted. */
  allowPlainPasswords?: boolean | undefined;
  /** The configured administrator (admin.username): never touched. */
  adminUsername: string;
  /** Recorded with the applied state. */
  digest?: string | undefined;
}

export interface ApplyResult {
  changes: PlannedChange[];
  notes: Note[];
  /** False on a dry run or when nothing had to change. */
  applied: boolean;
}

/**
 * Plans and (unless `dryRun`) applies `read` to `store`. Throws `TwitcherError('provisioning_failed')`
 * listing every problem (`fields`: origin and message) when anything is wrong; nothing is written then.
 */
export async function applyState(
  store: Store,
  read: ReadResult,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const notes: Note[] = read.notes.map((n) =>
    options.strict && n.severity === 'dropped'
      ? { ...n, severity: 'error', message: `${n.message} (--strict)` }
      : n,
  );
  // every problem at once: what the files say, then what they say against the store
  const merged = mergeStates([read.state], notes);
  const planOptions: PlanOptions = {
    prune: options.prune ?? false,
    allowPlainPasswords: options.allowPlainPasswords ?? false,
    adminUsername: options.adminUsername,
  };
  return store.transaction(async (tx) => {
    // A dry run reads only; a real one takes the lock first, so that its snapshot is the latest.
    const last = options.dryRun ? undefined : await tx.lockProvisioning();
    const snap = await readSnapshot(tx);
    checkReferences(merged, snap, planOptions, notes);
    failOnErrors(notes);
    const steps = await planSteps(merged, snap, planOptions);
    const changes = steps.map((s) => s.change);
    if (options.dryRun) return { changes, notes, applied: false };
    const ids: ResourceIds = new Map();
    for (const [service, list] of snap.resources)
      for (const r of list) ids.set(pathKey(service, r.path), r.record.id);
    for (const step of steps) {
      try {
        await step.run(tx, ids);
      } catch (err) {
        if (!(err instanceof TwitcherError)) throw err;
        const what = `${step.change.action} ${step.change.kind} ${step.change.key}`;
        throw new TwitcherError('provisioning_failed', {
          description: `The store refused to ${what}: ${err.description} Nothing was applied.`,
          fields: [{ field: what, message: err.description }],
        });
      }
    }
    if (options.digest !== undefined && (steps.length > 0 || last?.digest !== options.digest)) {
      await tx.recordProvisioning(options.digest);
    }
    return { changes, notes, applied: steps.length > 0 };
  });
}

/** Every error note at once, as one `provisioning_failed` (nothing has been written yet). */
function failOnErrors(notes: readonly Note[]): void {
  const errors = notes.filter((n) => n.severity === 'error');
  if (errors.length === 0) return;
  throw new TwitcherError('provisioning_failed', {
    description: `${errors.length} problem${errors.length === 1 ? '' : 's'} in what was read; nothing was applied.`,
    fields: errors.map((n) => ({ field: n.origin, message: n.message })),
  });
}
