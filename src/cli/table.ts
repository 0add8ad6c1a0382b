/** A value in one table cell: lists joined, objects as k=v, nothing as empty. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(cell).join(' ');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${cell(v)}`)
      .join(' ');
  }
  return String(value).replace(/[\r\n\t]+/g, ' ');
}

function render(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Text for people (`-o table`): a list of objects as columns under a header (the union of their
 * members, in order of appearance), one object as `member  value` lines, anything else as is.
 */
export function toTable(data: unknown): string {
  if (Array.isArray(data)) {
    if (data.length === 0) return '(none)';
    const objects = data.map(
      (d): Record<string, unknown> => (d !== null && typeof d === 'object' ? { ...d } : { value: d }),
    );
    const columns = [...new Set(objects.flatMap((o) => Object.keys(o)))];
    return render([
      columns.map((c) => c.toUpperCase()),
      ...objects.map((o) => columns.map((c) => cell(o[c]))),
    ]);
  }
  if (data !== null && typeof data === 'object') {
    return render(Object.entries(data).map(([k, v]) => [k, cell(v)]));
  }
  return cell(data);
}
