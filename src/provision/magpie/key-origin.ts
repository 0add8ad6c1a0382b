/**
 * The origin of a mapping's key rather than of its value: a note about `hooks:` or `webhooks:`
 * points at the key's line, not at the first line of the list under it.
 */
import type { Origin } from '../model.js';
import type { ParsedSource } from '../source.js';

/** `source` whose `at(path)` names the key when the path ends with one (the node otherwise). */
export function atKeys(source: ParsedSource, text: string): ParsedSource {
  const lines = text.split('\n');
  return {
    ...source,
    at(path) {
      const origin = source.at(path);
      const key = path[path.length - 1];
      if (typeof key !== 'string') return origin;
      return keyOrigin(origin, key, lines) ?? origin;
    },
  };
}

function keyOrigin(origin: Origin, key: string, lines: readonly string[]): Origin | undefined {
  const match = /^(.*):(\d+):(\d+)$/.exec(origin);
  if (!match) return undefined;
  const [, name, lineText, colText] = match as unknown as [string, string, string, string];
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(^|[\\s{,-])(["']?)${escaped}\\2\\s*:(\\s|$)`, 'g');
  // the key is on the value's line, before it, or on a line above (a block value)
  for (let line = Number(lineText); line >= 1 && line > Number(lineText) - 100; line--) {
    let text = lines[line - 1] ?? '';
    if (line === Number(lineText)) text = text.slice(0, Number(colText) - 1);
    let last: RegExpExecArray | undefined;
    for (const m of text.matchAll(pattern)) last = m as RegExpExecArray;
    if (last) return `${name}:${line}:${last.index + (last[1] as string).length + 1}`;
  }
  return undefined;
}
