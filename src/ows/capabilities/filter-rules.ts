/**
 * Which elements of a capabilities document list a resource that a subject may or may not see, and
 * which child names it. Matched on local names (any namespace prefix), in their parent's context:
 *
 * | standard | element | in | named by |
 * |---|---|---|---|
 * | WPS 1.0 (OGC 05-007r7 §8.3) | `Process` | `ProcessOfferings` | `ows:Identifier` |
 * | WPS 2.0 (OGC 14-065 §9.6.3) | `ProcessSummary` | `Contents` | `ows:Identifier` |
 * | WMS 1.1.1 / 1.3.0 (OGC 06-042 §7.2.4.6) | `Layer`, nested | `Capability`, `Layer` | `Name` |
 * | WFS 1.x / 2.0 (OGC 09-025r2 §8.3.3) | `FeatureType` | `FeatureTypeList` | `Name` |
 * | WCS 1.0 (OGC 03-065r6 §8.2.4) | `CoverageOfferingBrief` | `ContentMetadata` | `name` |
 * | WCS 1.1 (OGC 07-067r5 §8.2.4) | `CoverageSummary`, nested | `Contents`, `CoverageSummary` | `Identifier` |
 * | WCS 2.0 (OGC 09-110r4 §8.2.4) | `CoverageSummary` | `Contents` | `CoverageId` |
 * | WMTS 1.0 (OGC 07-057r7 §7.2.4) | `Layer` | `Contents` | `ows:Identifier` |
 */

export interface FilterRule {
  /** Local name of the listing element. */
  element: string;
  /** Local names of the parents it is recognised in. */
  parents: readonly string[];
  /** Local names of the direct child whose text names it (the first one found decides). */
  names: readonly string[];
  /**
   * Listing elements nest (WMS layers, WCS 1.1 coverages): a forbidden one with an allowed
   * descendant stays as an unnamed container, so the descendant keeps its place and what it inherits.
   */
  nested: boolean;
  /**
   * The parent where a listing element is the document's single root of the tree (the WMS top-level
   * layer): it always stays, unnamed when forbidden, so the document keeps the structure it must have.
   */
  rootParent?: string;
}

export const FILTER_RULES: readonly FilterRule[] = [
  { element: 'Process', parents: ['ProcessOfferings'], names: ['Identifier'], nested: false },
  { element: 'ProcessSummary', parents: ['Contents'], names: ['Identifier'], nested: false },
  {
    element: 'Layer',
    parents: ['Capability', 'Layer'],
    names: ['Name'],
    nested: true,
    rootParent: 'Capability',
  },
  { element: 'FeatureType', parents: ['FeatureTypeList'], names: ['Name'], nested: false },
  { element: 'CoverageOfferingBrief', parents: ['ContentMetadata'], names: ['name'], nested: false },
  {
    element: 'CoverageSummary',
    parents: ['Contents', 'CoverageSummary'],
    names: ['Identifier', 'CoverageId'],
    nested: true,
  },
  { element: 'Layer', parents: ['Contents'], names: ['Identifier'], nested: false },
];

/** The rule for an element in its parent, if any. */
export function ruleFor(element: string, parent: string | undefined): FilterRule | undefined {
  if (parent === undefined) return undefined;
  for (const rule of FILTER_RULES) {
    if (rule.element === element && rule.parents.includes(parent)) return rule;
  }
  return undefined;
}

/**
 * The local names the rules mention (elements, parents, naming children), as small integer ids
 * (1…), so that a scanner can tell them apart without making a string of every tag name: any other
 * name has id 0. `RULE_TABLE[element * NAME_IDS + parent]` is `ruleFor(element, parent)`.
 */
export const RULE_NAMES: readonly string[] = [
  ...new Set(FILTER_RULES.flatMap((r) => [r.element, ...r.parents, ...r.names])),
];

/** Number of ids, 0 (any other name) included. */
export const NAME_IDS = RULE_NAMES.length + 1;

/** The id of a local name (0: none of the rules' names). */
export function nameId(name: string): number {
  return RULE_NAMES.indexOf(name) + 1;
}

export const RULE_TABLE: readonly (FilterRule | undefined)[] = (() => {
  const table: (FilterRule | undefined)[] = new Array(NAME_IDS * NAME_IDS).fill(undefined);
  for (let e = 1; e < NAME_IDS; e++) {
    for (let p = 1; p < NAME_IDS; p++) {
      table[e * NAME_IDS + p] = ruleFor(RULE_NAMES[e - 1] as string, RULE_NAMES[p - 1]);
    }
  }
  return table;
})();
