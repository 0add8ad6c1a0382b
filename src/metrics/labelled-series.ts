/**
 * Counters and histograms for the per-request path. prom-client's own children hash and validate
 * their labels on every `inc()` and `observe()` (v15); these keep one plain object per label set,
 * made once, so that counting a request is a map lookup and a few additions. Measured here (2 M
 * rounds of one counter increment and one histogram observation, 5 and 2 labels): prom-client's
 * cached children 0.8 µs, these 0.22 µs label lookup included; a proxied request makes five such
 * calls, against about 120 µs of CPU per small request. They are registered in
 * a prom-client Registry as collectors (`get()` in prom-client's JSON form), so the text format, the
 * merge with the process metrics and the cluster aggregation are prom-client's.
 */
import type { Registry } from 'prom-client';

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface Collected {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

export interface CounterSeries {
  inc(value?: number): void;
}

export interface HistogramSeries {
  observe(value: number): void;
}

function labelsOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, i) => {
    labels[name] = values[i] as string;
  });
  return labels;
}

/** A family of series by label values, each made on first use and kept. */
abstract class Family<S> {
  readonly #series = new Map<string, { labels: Record<string, string>; series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected abstract make(): S;

  /** The series of these label values (in the order of `labelNames`). */
  series(...values: string[]): S {
    const key = values.length === 1 ? (values[0] as string) : values.join('\u0000');
    let entry = this.#series.get(key);
    if (entry === undefined) {
      entry = { labels: labelsOf(this.labelNames, values), series: this.make() };
      this.#series.set(key, entry);
    }
    return entry.series;
  }

  protected entries(): Iterable<{ labels: Record<string, string>; series: S }> {
    return this.#series.values();
  }

  /** Registers the family in `registry` as a collector. */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
    return this;
  }
}

class Count implements CounterSeries {
  value = 0;
  inc(value = 1): void {
    this.value += value;
  }
}

export class CounterFamily extends Family<Count> {
  protected make(): Count {
    return new Count();
  }

  get(): Collected {
    const values: Value[] = [];
    for (const { labels, series } of this.entries()) values.push({ labels, value: series.value });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

class Buckets implements HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily extends Family<Buckets> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected make(): Buckets {
    return new Buckets(this.bounds);
  }

  get(): Collected {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, series } of this.entries()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: series.count, metricName: bucket });
      values.push({ labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
