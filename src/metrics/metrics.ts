/**
 * What the rest of Twitcher counts, as one interface with two implementations: Prometheus
 * (prom-metrics.ts, one registry per assembled app) and none (`NO_METRICS`, `metrics.enabled: false`:
 * nothing is counted and `/metrics` is not served). Callers pass raw values; the labels are bounded
 * here (labels.ts). What is only read (pools, caches, the audit queue) is registered as a source and
 * read at scrape time, so that the hot path only increments a number.
 */
import type { Registry } from 'prom-client';
import type { OWSRequest } from '../ows/types.js';
import type { UpstreamFailureKind } from '../proxy/map-upstream-error.js';
import type { CacheStats } from '../store/change-cache.js';

/** A pool's use, read at scrape time (src/proxy/agents.ts). */
export interface PoolUse {
  service: string;
  inFlight: number;
  maxConcurrent: number;
}

/** The audit log's queue, read at scrape time (src/authz/audit-log.ts). */
export interface AuditQueue {
  readonly queued: number;
  readonly dropped: number;
}

/** Kinds of upstream failure (src/proxy/map-upstream-error.ts), and the one retry on a stale connection. */
export type UpstreamErrorKind = UpstreamFailureKind | 'retried';

/** The caches whose hits and misses are exported. */
export type CacheName = 'registry' | 'tokens' | 'clients' | 'acl' | 'principals' | 'certificates';

/** One /ows/proxy request, once answered. */
export interface ProxyRequestRecord {
  /** The registered service's name; undefined when the name is not registered (or not reached). */
  service: string | undefined;
  ows: OWSRequest | undefined;
  method: string;
  /** undefined: allowed and answered; else the TwitcherError code of the refusal or failure. */
  errorCode: string | undefined;
  /** The status sent to the client. */
  status: number;
  seconds: number;
}

export interface Metrics {
  /** False for `NO_METRICS`: nothing is counted, `/metrics` is not served. */
  readonly enabled: boolean;

  proxyRequest(record: ProxyRequestRecord): void;
  /** Bytes read from and written to the client's connection for one proxied request. */
  proxyBytes(service: string | undefined, received: number, sent: number): void;
  /** The upstream's status line arrived `seconds` after the request was sent. */
  upstreamResponse(service: string, seconds: number): void;
  upstreamError(service: string, kind: UpstreamErrorKind): void;
  serviceBusy(service: string): void;

  tokenIssued(kind: string): void;
  /** The token endpoint refused a request (`reason`: the error code). */
  tokenRequestRefused(reason: string): void;
  /** A presented token was refused (`kind`: of the verifier that refused it, or `unknown`). */
  tokenRefused(kind: string, description: string): void;
  certificateLogon(backend: string, outcome: string): void;

  rateLimited(scope: 'client' | 'user' | 'address' | 'service', service: string): void;
  rateLimitStoreError(mode: string): void;

  /** A request to a route other than the proxy's (`route`: its pattern, undefined when none matched). */
  httpRequest(route: string | undefined, method: string, status: number, seconds: number): void;

  /** Sources read at scrape time. */
  observePools(read: () => Iterable<PoolUse>): void;
  observeCache(name: CacheName, stats: CacheStats): void;
  observeAudit(queue: AuditQueue): void;

  /** The registries to scrape: this app's and the process's (event loop, GC, memory). */
  readonly registries: readonly Registry[];
}

function ignore(): void {}

/** `metrics.enabled: false`: every method does nothing. */
export const NO_METRICS: Metrics = {
  enabled: false,
  proxyRequest: ignore,
  proxyBytes: ignore,
  upstreamResponse: ignore,
  upstreamError: ignore,
  serviceBusy: ignore,
  tokenIssued: ignore,
  tokenRequestRefused: ignore,
  tokenRefused: ignore,
  certificateLogon: ignore,
  rateLimited: ignore,
  rateLimitStoreError: ignore,
  httpRequest: ignore,
  observePools: ignore,
  observeCache: ignore,
  observeAudit: ignore,
  registries: [],
};
