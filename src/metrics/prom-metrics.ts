/**
 * The Prometheus implementation of `Metrics`: one prom-client Registry per assembled app (tests run
 * many apps in one process, so never the global registry), holding the metrics of metric-names.ts;
 * the process's own metrics (event-loop lag, GC, memory) are collected once per process in a registry
 * of their own (process-registry.ts) and merged at scrape time. What requests count goes through
 * labelled-series.ts (a plain object per label set, made once); what is read at scrape time is
 * prom-client's own gauges and counters with a collect function.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { CacheStats } from '../store/change-cache.js';
import { CounterFamily, HistogramFamily } from './labelled-series.js';
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

/** A metric read at scrape time (prom-client's own, with a collect function). */
function collected(registry: Registry, name: MetricName, collect: () => void): void {
  const d = METRICS[name];
  const options = {
    name,
    help: d.help,
    labelNames: [...d.labels] as string[],
    registers: [registry],
    collect,
  };
  if (d.type === 'gauge') new Gauge(options);
  else new Counter(options);
}

/** Metrics counted in this process for one app. */
export function createPromMetrics(): Metrics {
  const registry = new Registry();
  const pools: Array<() => Iterable<PoolUse>> = [];
  const caches: Array<{ name: CacheName; stats: CacheStats }> = [];
  const audits: AuditQueue[] = [];

  const counter = (name: MetricName) =>
    new CounterFamily(name, METRICS[name].help, METRICS[name].labels).register(registry);
  const histogram = (name: MetricName) =>
    new HistogramFamily(name, METRICS[name].help, METRICS[name].labels, LATENCY_BUCKETS).register(registry);

  const requests = counter('twitcher_proxy_requests_total');
  const duration = histogram('twitcher_proxy_request_duration_seconds');
  const upstream = histogram('twitcher_upstream_response_seconds');
  const received = counter('twitcher_proxy_received_bytes_total');
  const sent = counter('twitcher_proxy_sent_bytes_total');
  const upstreamErrors = counter('twitcher_upstream_errors_total');
  const busy = counter('twitcher_service_busy_total');
  const issued = counter('twitcher_tokens_issued_total');
  const requestRefused = counter('twitcher_token_requests_refused_total');
  const tokenRefused = counter('twitcher_tokens_refused_total');
  const logons = counter('twitcher_certificate_logons_total');
  const rateLimited = counter('twitcher_rate_limited_total');
  const rateLimitStore = counter('twitcher_rate_limit_store_errors_total');
  const http = counter('twitcher_http_requests_total');
  const httpDuration = histogram('twitcher_http_request_duration_seconds');

  // Read at scrape time.
  collected(registry, 'twitcher_upstream_in_flight', function (this: Gauge) {
    this.reset();
    for (const read of pools) for (const p of read()) this.labels(p.service).inc(p.inFlight);
  });
  collected(registry, 'twitcher_upstream_max_concurrent', function (this: Gauge) {
    this.reset();
    for (const read of pools) for (const p of read()) this.labels(p.service).inc(p.maxConcurrent);
  });
  collected(registry, 'twitcher_cache_hits_total', function (this: Counter) {
    this.reset();
    for (const { name, stats } of caches) this.labels(name).inc(stats.hits);
  });
  collected(registry, 'twitcher_cache_misses_total', function (this: Counter) {
    this.reset();
    for (const { name, stats } of caches) this.labels(name).inc(stats.misses);
  });
  collected(registry, 'twitcher_audit_queue_depth', function (this: Gauge) {
    this.set(audits.reduce((n, a) => n + a.queued, 0));
  });
  collected(registry, 'twitcher_audit_dropped_total', function (this: Counter) {
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
      requests.series(s, operation, methodLabel(method), outcome, statusClass(status)).inc();
      duration.series(s, operation).observe(seconds);
    },
    proxyBytes(service, inBytes, outBytes) {
      const s = serviceLabel(service);
      if (inBytes > 0) received.series(s).inc(inBytes);
      if (outBytes > 0) sent.series(s).inc(outBytes);
    },
    upstreamResponse(service, seconds) {
      upstream.series(service).observe(seconds);
    },
    upstreamError(service, kind) {
      upstreamErrors.series(service, kind).inc();
    },
    serviceBusy(service) {
      busy.series(service).inc();
    },
    tokenIssued(kind) {
      issued.series(kind).inc();
    },
    tokenRequestRefused(reason) {
      requestRefused.series(errorOutcome(reason)).inc();
    },
    tokenRefused(kind, description) {
      tokenRefused.series(kind, tokenRefusalReason(description)).inc();
    },
    certificateLogon(backend, outcome) {
      logons.series(backend, outcome === 'issued' ? outcome : errorOutcome(outcome)).inc();
    },
    rateLimited(scope, service) {
      rateLimited.series(scope, service).inc();
    },
    rateLimitStoreError(mode) {
      rateLimitStore.series(mode).inc();
    },
    httpRequest(route, method, status, seconds) {
      const r = route ?? UNMATCHED_ROUTE;
      http.series(r, methodLabel(method), statusClass(status)).inc();
      httpDuration.series(r).observe(seconds);
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
