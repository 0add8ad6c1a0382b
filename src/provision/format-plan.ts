/** The plan and the notes as `twitcher apply` prints them (terraform's habit: + add, ~ change, - remove). */
import type { ApplyResult, PlannedChange } from './apply.js';
import type { Note } from './model.js';

const SIGN: Record<PlannedChange['action'], string> = { add: '+', change: '~', remove: '-' };

export function formatChanges(changes: readonly PlannedChange[]): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    const [first, ...rest] =
      c.action === 'change' ? [undefined, ...c.details] : [c.details.join(', ') || undefined];
    lines.push(`${SIGN[c.action]} ${c.kind} ${c.key}${first ? `: ${first}` : ''}`);
    for (const d of rest) lines.push(`    ${d}`);
  }
  return lines;
}

export function summary(changes: readonly PlannedChange[]): string {
  const count = (a: PlannedChange['action']) => changes.filter((c) => c.action === a).length;
  return `${count('add')} to add, ${count('change')} to change, ${count('remove')} to remove`;
}

export function formatNote(n: Note): string {
  return `${n.origin}: ${n.severity === 'info' ? '' : `${n.severity}: `}${n.message}`;
}

/** The whole report: notes (errors and dropped always, info when `verbose`), changes, summary. */
export function formatResult(result: ApplyResult, options: { dryRun: boolean; verbose?: boolean }): string {
  const notes = result.notes.filter((n) => options.verbose || n.severity !== 'info').map(formatNote);
  const lines = [...notes, ...(notes.length > 0 ? [''] : []), ...formatChanges(result.changes)];
  const total = summary(result.changes);
  if (result.changes.length === 0) lines.push('No changes: the store matches the files.');
  else lines.push('', options.dryRun ? `Plan: ${total} (dry run: nothing applied).` : `Applied: ${total}.`);
  return `${lines.join('\n')}\n`;
}
