import { toTable } from './table.js';

/** What a command printed: JSON for scripts (the default, as the seeds' examples), a table for people. */
export function formatOutput(data: unknown, format: 'json' | 'table'): string {
  return format === 'table' ? toTable(data) : JSON.stringify(data, null, 2);
}
