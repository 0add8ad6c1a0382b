/**
 * The filter rules (filter-rules.ts) in the byte scanner's terms: every local name the rules mention
 * is a small integer id, read straight from a tag's bytes, so that the scanner makes no string of
 * the tag names it passes over (almost all of a document's tags).
 */
import { type FilterRule, nameId, RULE_NAMES, RULE_TABLE } from './filter-rules.js';
import { GT } from './xml-tokens.js';

/** A rule with its names as ids (see `tagNameId`). */
export interface CompiledRule {
  nested: boolean;
  /** Ids of the children that name the element. */
  nameIds: readonly number[];
  /** Id of `rootParent`, or 0. */
  rootParentId: number;
}

/** `COMPILED_RULES[element * NAME_IDS + parent]` (filter-rules.ts `RULE_TABLE`): the rule for an element id in a parent id, if any. */
export const COMPILED_RULES: readonly (CompiledRule | undefined)[] = (() => {
  const byRule = new Map<FilterRule, CompiledRule>();
  return RULE_TABLE.map((rule) => {
    if (rule === undefined) return undefined;
    let compiled = byRule.get(rule);
    if (!compiled) {
      compiled = {
        nested: rule.nested,
        nameIds: rule.names.map(nameId),
        rootParentId: rule.rootParent === undefined ? 0 : nameId(rule.rootParent),
      };
      byRule.set(rule, compiled);
    }
    return compiled;
  });
})();

/** The ids of the rules' names, by length. */
const IDS_BY_LENGTH: (readonly number[] | undefined)[] = (() => {
  const table: number[][] = [];
  RULE_NAMES.forEach((name, i) => {
    const list = table[name.length] ?? [];
    list.push(i + 1);
    table[name.length] = list;
  });
  return table;
})();
/** The rules' names as bytes, by id. */
const NAME_BYTES: readonly Uint8Array[] = ['', ...RULE_NAMES].map((name) => Buffer.from(name, 'latin1'));

/**
 * The id (filter-rules.ts `nameId`) of the local name (prefix dropped) of the tag whose name starts
 * at `from`; 0 when no rule mentions it. Compares bytes: no string is made of a tag name.
 */
export function tagNameId(data: Buffer, from: number, end: number): number {
  let i = from;
  let local = from;
  for (; i < end; i++) {
    const b = data[i];
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x2f || b === GT) break;
    if (b === 0x3a) local = i + 1;
  }
  const length = i - local;
  const ids = IDS_BY_LENGTH[length];
  if (ids === undefined) return 0;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k] as number;
    const bytes = NAME_BYTES[id] as Uint8Array;
    let j = 0;
    while (j < length && bytes[j] === data[local + j]) j++;
    if (j === length) return id;
  }
  return 0;
}
