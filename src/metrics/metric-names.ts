/**
 * Every metric Twitcher exports: name, type, help and label names, in one table. The metrics
 * (src/metrics/prom-metrics.ts), docs/metrics.md, the label-set test and the Grafana dashboard's test
 * all read it from here. Label values are bounded (src/metrics/labels.ts): services come from the
 * registry, operations from the operation tables, methods and outcomes from fixed lists; never a
 * user, a client id, a path or a token.
 */

/** Seconds: OGC requests span a tile in milliseconds to a WPS Execute of minutes. */
export const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;

export interface MetricDefinition {
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labels: readonly string[];
  /** Only for the primary process of a cluster (`server.workers` > 1). */
  readonly primary?: true;
}

export const METRICS = {
  twitcher_proxy_requests_total: {
    type: 'counter',
    help:
      'Requests to /ows/proxy by service, operation, method, outcome (allowed, or the error code of the ' +
      'refusal or failure) and the status class of the answer (the upstream status when forwarded).',
    labels: ['service', 'operation', 'method', 'outcome', 'status_class'],
  },
  twitcher_proxy_request_duration_seconds: {
    type: 'histogram',
    help: 'Time from the request to the end of the answer on /ows/proxy, by service and operation.',
    labels: ['service', 'operation'],
  },
  twitcher_upstream_response_seconds: {
    type: 'histogram',
    help: "Time from sending a request upstream to the upstream's status line, by service.",
    labels: ['service'],
  },
  twitcher_proxy_received_bytes_total: {
    type: 'counter',
    help: "Bytes read from clients' connections for /ows/proxy requests (headers included), by service.",
    labels: ['service'],
  },
  twitcher_proxy_sent_bytes_total: {
    type: 'counter',
    help: "Bytes written to clients' connections for /ows/proxy answers (headers included), by service.",
    labels: ['service'],
  },
  twitcher_upstream_errors_total: {
    type: 'counter',
    help:
      'Upstream failures by service and kind: refused, reset, timeout, unreachable (DNS, no route), tls, ' +
      'other; retried counts the one retry of a safe request whose reused connection failed.',
    labels: ['service', 'kind'],
  },
  twitcher_upstream_in_flight: {
    type: 'gauge',
    help: 'Requests in flight to each service now (read from its pool at scrape time).',
    labels: ['service'],
  },
  twitcher_upstream_max_concurrent: {
    type: 'gauge',
    help: "Each service's limit of requests in flight (limits.maxConcurrent, else proxy.maxConcurrent).",
    labels: ['service'],
  },
  twitcher_service_busy_total: {
    type: 'counter',
    help: "Requests refused with 503 service_busy because the service's limit of requests in flight was reached.",
    labels: ['service'],
  },
  twitcher_tokens_issued_total: {
    type: 'counter',
    help: 'Access tokens issued, by kind (random, signed, custom, macaroon).',
    labels: ['kind'],
  },
  twitcher_token_requests_refused_total: {
    type: 'counter',
    help: 'Token endpoint requests refused, by reason (the OAuth error code).',
    labels: ['reason'],
  },
  twitcher_tokens_refused_total: {
    type: 'counter',
    help:
      'Presented access tokens refused, by kind (unknown when no configured kind recognised it) and reason ' +
      '(expired, not_yet_valid, revoked, signature, issuer, client_gone, malformed, invalid).',
    labels: ['kind', 'reason'],
  },
  twitcher_certificate_logons_total: {
    type: 'counter',
    help: 'Certificate service logons by backend (ca, myproxy) and outcome (issued, or the error code).',
    labels: ['backend', 'outcome'],
  },
  twitcher_cache_hits_total: {
    type: 'counter',
    help: 'Cache lookups answered from memory, by cache (registry, tokens, clients, acl, principals, certificates).',
    labels: ['cache'],
  },
  twitcher_cache_misses_total: {
    type: 'counter',
    help: 'Cache lookups that had to load (store, signature check, chain validation), by cache.',
    labels: ['cache'],
  },
  twitcher_audit_queue_depth: {
    type: 'gauge',
    help: 'Audit records waiting to be written to the store.',
    labels: [],
  },
  twitcher_audit_dropped_total: {
    type: 'counter',
    help: 'Audit records dropped because the store did not keep up (the oldest go first).',
    labels: [],
  },
  twitcher_rate_limited_total: {
    type: 'counter',
    help: 'Requests refused with 429 by a rate limit, by scope (client, user, address, service) and service.',
    labels: ['scope', 'service'],
  },
  twitcher_rate_limit_store_errors_total: {
    type: 'counter',
    help: 'Rate-limit store (Redis) failures, by the mode applied (open: let through, closed: refused).',
    labels: ['mode'],
  },
  twitcher_http_requests_total: {
    type: 'counter',
    help: 'Requests to the other routes (admin API, OAuth, certificate service, front page) by route pattern, method and status class.',
    labels: ['route', 'method', 'status_class'],
  },
  twitcher_http_request_duration_seconds: {
    type: 'histogram',
    help: 'Time to answer the other routes, by route pattern.',
    labels: ['route'],
  },
  twitcher_config_reloads_total: {
    type: 'counter',
    help: 'Configuration reloads on SIGHUP (server.workers > 1) by outcome: applied, refused (invalid), failed.',
    labels: ['outcome'],
    primary: true,
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

/** The metrics prom-client's collectDefaultMetrics adds (event loop, GC, memory, handles, …), by prefix. */
export const DEFAULT_METRIC_PREFIXES = ['process_', 'nodejs_'] as const;
