/** The capabilities filter's options, counters, and what it keeps of each listing element. */

import { type Hold, newHold } from './filter-hold.js';
import type { CompiledRule } from './filter-ids.js';

/** What the filter asks of its caller: the subject's view, and a bound on what it may hold. */
export interface CapabilitiesFilterOptions {
  /** Whether the resource named `name` may be listed. Called once per listing element. */
  visible: (name: string) => boolean;
  /** Most bytes held for one undecided or forbidden-nesting element (default 4 MiB). */
  maxHold?: number;
}

/** Where a listing element stands: being named, kept, held as a possible container, or dropped. */
export type State = 'deciding' | 'allowed' | 'pending' | 'flushed' | 'dropped';

/** A listing element being filtered, from its start tag to its end tag. */
export interface Target {
  rule: CompiledRule;
  state: State;
  /** Index in the element stack of the listing element itself. */
  depth: number;
  root: boolean;
  hold: Hold | undefined;
  /** While deciding: the parts of the hold that are its name element, to drop when it is refused. */
  nameStart: number;
  nameEnd: number;
  capturing: boolean;
  /** The name's text as read: raw bytes, and CDATA contents (literal strings). */
  nameBytes: (Buffer | string)[];
}

/** Counters of what was filtered, for logs and tests. */
export interface FilterCounts {
  kept: number;
  dropped: number;
  /** Forbidden nesting elements kept, unnamed, for an allowed descendant. */
  containers: number;
}

/** A listing element whose start tag was just read: deciding, holding its bytes until it is named. */
export function newTarget(rule: CompiledRule, depth: number, root: boolean): Target {
  return {
    rule,
    state: 'deciding',
    depth,
    root,
    hold: newHold(),
    nameStart: -1,
    nameEnd: -1,
    capturing: false,
    nameBytes: [],
  };
}
