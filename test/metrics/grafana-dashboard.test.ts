import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { METRICS } from '../../src/metrics/metric-names.js';
import { processRegistry } from '../../src/metrics/process-registry.js';

const DASHBOARD = new URL('../../docs/grafana/twitcher.json', import.meta.url);

/** Labels every scraped series carries besides its own (added by Prometheus for the target). */
const TARGET_LABELS = ['instance', 'job'];

/** PromQL words that are no metric names: aggregations, functions, keywords. */
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'histogram_quantile',
  'label_values',
  'abs',
  'clamp_min',
  'clamp_max',
  'vector',
  'scalar',
  'time',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'inf',
  'nan',
]);

interface MetricInfo {
  type: string;
  labels: readonly string[];
}

/** The metrics a dashboard may name: Twitcher's table, and prom-client's defaults as they are collected here. */
async function knownMetrics(): Promise<Map<string, MetricInfo>> {
  const known = new Map<string, MetricInfo>();
  for (const [name, d] of Object.entries(METRICS)) known.set(name, { type: d.type, labels: d.labels });
  for (const m of await processRegistry().getMetricsAsJSON()) {
    const labels = new Set<string>();
    for (const v of m.values) for (const l of Object.keys(v.labels)) if (l !== 'le') labels.add(l);
    known.set(m.name, { type: String(m.type), labels: [...labels] });
  }
  return known;
}

/** A series name as used in an expression, resolved to its metric (a histogram's _bucket, _sum, _count). */
function resolve(
  series: string,
  known: Map<string, MetricInfo>,
): { metric: string; info: MetricInfo; bucket: boolean } | undefined {
  const direct = known.get(series);
  if (direct && direct.type !== 'histogram') return { metric: series, info: direct, bucket: false };
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  const base = m && known.get(m[1] as string);
  if (m && base?.type === 'histogram')
    return { metric: m[1] as string, info: base, bucket: m[2] === 'bucket' };
  return undefined;
}

/** Every problem of one PromQL expression: unknown series, unknown labels in matchers and groupings. */
function problemsOf(expr: string, known: Map<string, MetricInfo>): string[] {
  const problems: string[] = [];
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const used: { metric: string; info: MetricInfo; bucket: boolean }[] = [];
  // series with their matchers: name{label="…", …}
  for (const m of noStrings.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)) {
    const r = resolve(m[1] as string, known);
    if (!r) continue;
    for (const l of (m[2] as string).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) {
      const label = l[1] as string;
      if (!r.info.labels.includes(label) && !TARGET_LABELS.includes(label)) {
        problems.push(`${m[1]} has no label "${label}"`);
      }
    }
  }
  const groupings: string[] = [];
  const bare = noStrings
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without)\s*\(([^)]*)\)/g, (_, _kw: string, labels: string) => {
      groupings.push(
        ...labels
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
      );
      return ' ';
    });
  for (const m of bare.matchAll(/(?<![$\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) {
    const word = m[1] as string;
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    const r = resolve(word, known);
    if (r) used.push(r);
    else problems.push(`"${word}" is no metric Twitcher exports`);
  }
  const available = new Set([
    ...TARGET_LABELS,
    ...used.flatMap((u) => [...u.info.labels, ...(u.bucket ? ['le'] : [])]),
  ]);
  for (const label of groupings) {
    if (!available.has(label)) problems.push(`grouping by "${label}", which none of its series has`);
  }
  return problems;
}

/** Every PromQL expression of a dashboard: panel targets (rows included) and template queries. */
function expressionsOf(dashboard: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'expr' || k === 'query' || k === 'definition') && typeof v === 'string') found.push(v);
        else walk(v);
      }
    }
  };
  walk(dashboard);
  // label_values(metric, label): the metric and the label
  return found
    .filter((e) => e !== 'prometheus')
    .map((e) => e.replace(/label_values\(\s*([^,]+),\s*([^)]+)\)/, '$1{$2=""}'));
}

describe('docs/grafana/twitcher.json', () => {
  test('names only metrics (and labels) Twitcher exports', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: unknown[]; title: string };
    const known = await knownMetrics();
    const expressions = expressionsOf(dashboard);
    assert.ok(expressions.length >= 20, `${expressions.length} expressions`);
    const problems = expressions.flatMap((e) => problemsOf(e, known).map((p) => `${p} in: ${e}`));
    assert.deepEqual(problems, []);
    // what the issue asks the dashboard to show
    const all = expressions.join('\n');
    for (const needed of [
      'twitcher_proxy_requests_total',
      'histogram_quantile',
      'twitcher_upstream_response_seconds_bucket',
      'twitcher_upstream_errors_total',
      'twitcher_upstream_in_flight',
      'twitcher_rate_limited_total',
    ]) {
      assert.ok(all.includes(needed), `the dashboard shows ${needed}`);
    }
  });

  test('the checker refuses what is not exported (unknown name, bare histogram, unknown label)', async () => {
    const known = await knownMetrics();
    assert.deepEqual(problemsOf('sum(rate(twitcher_nope_total[5m]))', known), [
      '"twitcher_nope_total" is no metric Twitcher exports',
    ]);
    assert.deepEqual(problemsOf('rate(twitcher_upstream_response_seconds[5m])', known), [
      '"twitcher_upstream_response_seconds" is no metric Twitcher exports',
    ]);
    assert.deepEqual(problemsOf('rate(twitcher_service_busy_total{user="x"}[5m])', known), [
      'twitcher_service_busy_total has no label "user"',
    ]);
    assert.deepEqual(problemsOf('sum by (client_id) (rate(twitcher_tokens_issued_total[5m]))', known), [
      'grouping by "client_id", which none of its series has',
    ]);
    assert.deepEqual(
      problemsOf('sum by (le) (rate(twitcher_upstream_response_seconds_bucket[5m]))', known),
      [],
    );
  });
});
