import type { ChangeEvent } from '../types.js';

/** What differs between the dialects for the repositories. */
export interface DialectHooks {
  isUniqueViolation(err: unknown): boolean;
  /** How a boolean is bound: SQLite takes 0/1. */
  bool(value: boolean): number | boolean;
  /** Called after every committed write. */
  notify(event: ChangeEvent): Promise<void> | void;
}
