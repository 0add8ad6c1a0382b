/**
 * The filter rules (filter-rules.ts) in the byte scanner's terms: every local name the rules mention
 * is a small integer id (read from a tag's bytes by filter-stream.ts `tagNameId`), so that the
 * scanner makes no string of the tag names it passes over (almost all of a document's tags).
 */
import { type FilterRule, nameId, RULE_TABLE } from './filter-rules.js';

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
