/**
 * The Prometheus implementation of `Metrics`: one prom-client Registry per assembled app (tests run
 * many apps in one process, so never the global registry), holding the metrics of metric-names.ts;
 * the process's own metrics (event-loop lag, GC, memory) are collected once per process in a registry
 * of their own (process-registry.ts) and merged at scrape time. Label children are made once per
 * label set and kept, so that a request costs a map lookup and an increment.
 */
import { Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import type { CacheStats } from '../store/change-cache.js';
import {
  errorOutcome,
  methodLabel,
  operationLabel,
  statusClass,
  tokenRefusalReason,
  UNMATCHED_ROUTE,
  UNREGISTERED,
} from './labels.js';
import { LATENCY_BUCKETS, METRICS, type MetricName } from './metric-names.js';
import type { AuditQueue, CacheName, Metrics, PoolUse, ProxyRequestRecord } from './metrics.js';
import { processRegistry } from './process-registry.js';

type Child = { inc(value?: number): void };
type Observer = { observe(value: number): void };

/** Label children by the joined label values: made on first use, then a map lookup. */
function children<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const made = new Map<string, C>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = made.get(key);
    if (child === undefined) {
      child = make(...values);
      made.set(key, child);
    }
    return child;
  };
}

/** A metric of the table, registered in `registry`. */
function define(registry: Registry, name: MetricName, collect?: () => void): Metric {
  const d = METRICS[name];
  const options = {
    name,
    help: d.help,
    labelNames: [...d.labels] as string[],
    registers: [registry],
    ...(collect && { collect }),
  };
  switch (d.type) {
    case 'counter':
      return new Counter(options);
    case 'gauge':
      return new Gauge(options);
    case 'histogram':
      return new Histogram({ ...options, buckets: [...LATENCY_BUCKETS] });
  }
}

/** Metrics counted in this process for one app. */
export function createPromMetrics(): Metrics {
  const registry = new Registry();
  const pools: Array<() => Iterable<PoolUse>> = [];
  const caches: Array<{ name: CacheName; stats: CacheStats }> = [];
  const audits: AuditQueue[] = [];

  const counter = (name: MetricName) => define(registry, name) as Counter;
  const histogram = (name: MetricName) => define(registry, name) as Histogram;

  const proxyRequests = counter('twitcher_proxy_requests_total');
  const requestsChild = children((...v) => proxyRequests.labels(...v) as Child);
  const duration = histogram('twitcher_proxy_request_duration_seconds');
  const durationChild = children((...v) => duration.labels(...v) as Observer);
  const upstream = histogram('twitcher_upstream_response_seconds');
  const upstreamChild = children((...v) => upstream.labels(...v) as Observer);
  const received = counter('twitcher_proxy_received_bytes_total');
  const receivedChild = children((...v) => received.labels(...v) as Child);
  const sent = counter('twitcher_proxy_sent_bytes_total');
  const sentChild = children((...v) => sent.labels(...v) as Child);
  const upstreamErrors = counter('twitcher_upstream_errors_total');
  const busy = counter('twitcher_service_busy_total');
  const issued = counter('twitcher_tokens_issued_total');
  const requestRefused = counter('twitcher_token_requests_refused_total');
  const tokenRefused = counter('twitcher_tokens_refused_total');
  const logons = counter('twitcher_certificate_logons_total');
  const rateLimited = counter('twitcher_rate_limited_total');
  const rateLimitStore = counter('twitcher_rate_limit_store_errors_total');
  const http = counter('twitcher_http_requests_total');
  const httpChild = children((...v) => http.labels(...v) as Child);
  const httpDuration = histogram('twitcher_http_request_duration_seconds');
  const httpDurationChild = children((...v) => httpDuration.labels(...v) as Observer);

  // Read at scrape time.
  define(registry, 'twitcher_upstream_in_flight', function (this: Gauge) {
    this.reset();
    for (const read of pools) for (const p of read()) this.labels(p.service).inc(p.inFlight);
  });
  define(registry, 'twitcher_upstream_max_concurrent', function (this: Gauge) {
    this.reset();
    for (const read of pools) for (const p of read()) this.labels(p.service).inc(p.maxConcurrent);
  });
  define(registry, 'twitcher_cache_hits_total', function (this: Counter) {
    this.reset();
    for (const { name, stats } of caches) this.labels(name).inc(stats.hits);
  });
  define(registry, 'twitcher_cache_misses_total', function (this: Counter) {
    this.reset();
    for (const { name, stats } of caches) this.labels(name).inc(stats.misses);
  });
  define(registry, 'twitcher_audit_queue_depth', function (this: Gauge) {
    this.set(audits.reduce((n, a) => n + a.queued, 0));
  });
  define(registry, 'twitcher_audit_dropped_total', function (this: Counter) {
    this.reset();
    this.inc(audits.reduce((n, a) => n + a.dropped, 0));
  });

  const serviceLabel = (service: string | undefined) => service ?? UNREGISTERED;

  return {
    enabled: true,
    proxyRequest({ service, ows, method, errorCode, status, seconds }: ProxyRequestRecord) {
      const s = serviceLabel(service);
      const operation = operationLabel(ows);
      const outcome = errorCode === undefined ? 'allowed' : errorOutcome(errorCode);
      requestsChild(s, operation, methodLabel(method), outcome, statusClass(status)).inc();
      durationChild(s, operation).observe(seconds);
    },
    proxyBytes(service, inBytes, outBytes) {
      const s = serviceLabel(service);
      if (inBytes > 0) receivedChild(s).inc(inBytes);
      if (outBytes > 0) sentChild(s).inc(outBytes);
    },
    upstreamResponse(service, seconds) {
      upstreamChild(service).observe(seconds);
    },
    upstreamError(service, kind) {
      upstreamErrors.labels(service, kind).inc();
    },
    serviceBusy(service) {
      busy.labels(service).inc();
    },
    tokenIssued(kind) {
      issued.labels(kind).inc();
    },
    tokenRequestRefused(reason) {
      requestRefused.labels(errorOutcome(reason)).inc();
    },
    tokenRefused(kind, description) {
      tokenRefused.labels(kind, tokenRefusalReason(description)).inc();
    },
    certificateLogon(backend, outcome) {
      logons.labels(backend, outcome === 'issued' ? outcome : errorOutcome(outcome)).inc();
    },
    rateLimited(scope, service) {
      rateLimited.labels(scope, service).inc();
    },
    rateLimitStoreError(mode) {
      rateLimitStore.labels(mode).inc();
    },
    httpRequest(route, method, status, seconds) {
      const r = route ?? UNMATCHED_ROUTE;
      httpChild(r, methodLabel(method), statusClass(status)).inc();
      httpDurationChild(r).observe(seconds);
    },
    observePools(read) {
      pools.push(read);
    },
    observeCache(name, stats) {
      caches.push({ name, stats });
    },
    observeAudit(queue) {
      audits.push(queue);
    },
    registries: [registry, processRegistry()],
  };
}
