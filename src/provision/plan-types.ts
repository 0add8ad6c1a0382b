/** The types the planner's parts share: its options, and a step of the plan. */
import type { TransactionRepositories } from '../store/types.js';
import type { PlannedChange } from './model.js';

export interface PlanOptions {
  prune: boolean;
  allowPlainPasswords: boolean;
  adminUsername: string;
}

/** Resource ids by pathKey: those of the store, and those created by earlier steps. */
export type ResourceIds = Map<string, number>;

export interface Step {
  change: PlannedChange;
  run(tx: TransactionRepositories, ids: ResourceIds): Promise<void>;
}

/** Adds a step (details default to none). */
export type AddStep = (
  change: Omit<PlannedChange, 'details'> & { details?: string[] },
  run: Step['run'],
) => void;
