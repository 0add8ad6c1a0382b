/**
 * Applying a desired state to a store: read (files) → plan (diff with the store) → apply, in one
 * transaction that holds the provisioning lock. STUB: the engine lands next.
 */
import type { Store } from '../store/types.js';
import type { Note, ReadResult } from './model.js';

export interface PlannedChange {
  action: 'add' | 'change' | 'remove';
  kind: 'service' | 'resource' | 'user' | 'group' | 'membership' | 'client' | 'permission';
  /** What it is: `emu`, `emu /outputs/2026`, `alice in researchers`, `group:anonymous execute on emu /hello`. */
  key: string;
  /** For a change: `field: before → after` lines. */
  details: string[];
}

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
  _store: Store,
  _read: ReadResult,
  _options: ApplyOptions,
): Promise<ApplyResult> {
  throw new Error('not implemented yet');
}
