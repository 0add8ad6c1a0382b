import { Client, Pool } from 'undici';
import type { Config } from '../config/config.js';
import type { Service } from '../registry/service.js';

/**
 * The connections to the upstreams: one keep-alive pool per registered service (not per origin, so
 * that a service whose requests hang cannot take the connections of another on the same host),
 * each with its own limit of requests in flight and its own timeouts (`limits` of the service, the
 * `proxy.*` settings otherwise).
 */
export interface UpstreamPool {
  readonly pool: Pool;
  /** Takes a slot for one request; false when `maxConcurrent` requests are in flight already. */
  tryAcquire(): boolean;
  release(): void;
  /** Requests in flight. */
  readonly inFlight: number;
  /** Milliseconds of silence allowed within a body, either way (the service's, else the setting). */
  readonly bodyTimeout: number;
  /**
   * A client on a connection of its own, for the one retry of a request whose reused connection
   * failed before any byte of the answer (the idle pool may hold more connections closed by the same
   * server). The caller closes it.
   */
  fresh(): Client;
}

/** Finds (or opens) the pool of a service. */
export interface UpstreamAgents {
  forService(service: Service): UpstreamPool;
  /** Pools open now (tests and metrics). */
  readonly size: number;
  /** Each open pool's requests in flight and limit, by service name (read by the metrics at scrape time). */
  use(): Iterable<{ service: string; inFlight: number; maxConcurrent: number }>;
  close(): Promise<void>;
}

type ProxySettings = Pick<
  Config['proxy'],
  'connectTimeout' | 'headersTimeout' | 'bodyTimeout' | 'keepAliveTimeout' | 'maxConcurrent'
>;

/** A pool unused this long, with nothing in flight, is closed (its service may be gone). */
const IDLE_POOL_MS = 5 * 60_000;

interface Entry extends UpstreamPool {
  key: string;
  lastUsed: number;
  readonly maxConcurrent: number;
}

/** The pools of every service, made on first use and closed when their service changed or idled. */
export function createUpstreamAgents(proxy: ProxySettings): UpstreamAgents {
  const pools = new Map<string, Entry>();
  // The registry hands out the same object for a service until it changes: its pool is found
  // without building the key (a URL parse) on every request.
  const byObject = new WeakMap<Service, Entry>();

  // Pools of services that were deleted or changed and are no longer used are closed, once idle.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [name, entry] of pools) {
      if (entry.inFlight === 0 && now - entry.lastUsed > IDLE_POOL_MS) {
        pools.delete(name);
        void entry.pool.close();
      }
    }
  }, IDLE_POOL_MS);
  sweeper.unref();

  return {
    forService(service) {
      const known = byObject.get(service);
      if (known !== undefined && pools.get(service.name) === known) {
        known.lastUsed = Date.now();
        return known;
      }
      const key = poolKey(service);
      let entry = pools.get(service.name);
      if (entry?.key !== key) {
        // The service changed (URL, verification, limits): requests in flight finish on the old pool.
        if (entry) void entry.pool.close();
        entry = createEntry(proxy, service, key);
        pools.set(service.name, entry);
      }
      byObject.set(service, entry);
      entry.lastUsed = Date.now();
      return entry;
    },
    get size() {
      return pools.size;
    },
    *use() {
      for (const [service, entry] of pools) {
        yield { service, inFlight: entry.inFlight, maxConcurrent: entry.maxConcurrent };
      }
    },
    async close() {
      clearInterval(sweeper);
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((e) => e.pool.close()));
    },
  };
}

/** undici's options for a service's pool: its own limits, else the `proxy.*` settings. */
function poolOptions(proxy: ProxySettings, service: Service) {
  const limits = service.limits ?? {};
  const maxConcurrent = limits.maxConcurrent ?? proxy.maxConcurrent;
  return {
    maxConcurrent,
    options: {
      connectTimeout: limits.connectTimeout ?? proxy.connectTimeout,
      headersTimeout: limits.headersTimeout ?? proxy.headersTimeout,
      bodyTimeout: limits.bodyTimeout ?? proxy.bodyTimeout,
      // Dropped before common servers drop it (gunicorn 2 s, httpd and lighttpd 5 s): a request sent
      // on a connection the server is closing fails. An upstream's `Keep-Alive: timeout=N` is
      // followed, less a second of margin.
      keepAliveTimeout: proxy.keepAliveTimeout,
      keepAliveTimeoutThreshold: 1000,
      keepAliveMaxTimeout: 600_000,
      connections: maxConcurrent,
      pipelining: 1,
      ...(service.verify ? {} : { connect: { rejectUnauthorized: false } }),
    },
  };
}

/** A service's pool with its count of requests in flight. */
function createEntry(proxy: ProxySettings, service: Service, key: string): Entry {
  const origin = new URL(service.url).origin;
  const { maxConcurrent, options } = poolOptions(proxy, service);
  const pool = new Pool(origin, options);
  let inFlight = 0;
  return {
    key,
    lastUsed: Date.now(),
    maxConcurrent,
    pool,
    bodyTimeout: options.bodyTimeout,
    get inFlight() {
      return inFlight;
    },
    tryAcquire() {
      if (inFlight >= maxConcurrent) return false;
      inFlight++;
      return true;
    },
    release() {
      inFlight--;
    },
    fresh() {
      return new Client(origin, options);
    },
  };
}

function poolKey(service: Service): string {
  const l = service.limits ?? {};
  return [
    new URL(service.url).origin,
    service.verify,
    l.maxConcurrent,
    l.connectTimeout,
    l.headersTimeout,
    l.bodyTimeout,
  ].join(' ');
}
