import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { METRICS } from '../../src/metrics/metric-names.js';

test('docs/metrics.md names every metric with its labels, and no metric that does not exist', () => {
  const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  for (const [name, d] of Object.entries(METRICS)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    assert.ok(row, `a row for ${name}`);
    for (const label of d.labels)
      assert.ok(row.includes(`\`${label}\``), `${name} documents its label ${label}`);
  }
  const named = [...doc.matchAll(/`(twitcher_[a-z0-9_]+)`/g)].map((m) => m[1] as string);
  for (const name of named) assert.ok(name in METRICS, `${name} is a metric of metric-names.ts`);
});
