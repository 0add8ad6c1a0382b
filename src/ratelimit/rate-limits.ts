/**
 * The rate limits of the proxy routes (`ratelimit.*`, docs/ratelimits.md). Each request has a
 * meter: `admit` counts its address before anything is read or decided (a flood of bad tokens or
 * unknown names costs too); `charge` counts its client, user and service once it is allowed (these
 * budget the work sent upstream, so a refused request does not spend a client's or a service's).
 * `/ows/proxy` and `/ows/verify` run the same two steps.
 *
 * Each limit that applies has a counter of its own (see counters.ts): the global one of its scope,
 * or a `ratelimit.services` override (a budget per service), or a `ratelimit.clients` one.
 */
import cluster from 'node:cluster';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { addressBlock } from '../auth/failure-limiter.js';
import type {
  RateLimitConfig,
  RateLimitRule,
  RateLimitScope,
  RedisFailureMode,
  ScopeLimits,
} from '../config/ratelimit-types.js';
import { TwitcherError } from '../errors.js';
import { anyRateLimit } from './configured.js';
import { type Counter, type CounterStore, createCounter } from './counters.js';
import type { RateLimitEvents } from './events.js';
import { NO_RATE_LIMIT_EVENTS } from './events.js';
import { type LimitCount, rateLimitFields, seconds } from './headers.js';
import type { RedisConnection } from './redis-connection.js';
import type { RateLimitSubject } from './subject-keys.js';

/** A failure of the store is told at most this often (with how many were not). */
const WARN_EVERY_MS = 60_000;
/** How long a worker waits for the primary's count. */
const CLUSTER_TIMEOUT_MS = 2_000;

export interface RateLimitsOptions {
  events?: RateLimitEvents | undefined;
  /** Where store failures are told (throttled). */
  warn?: ((err: unknown, msg: string) => void) | undefined;
  /** Where counts are kept without Redis. Default: the cluster primary in a worker, else memory. */
  store?: 'memory' | 'cluster' | undefined;
}

/** The limits of one request (see the module's comment). */
export interface RateLimitMeter {
  /** Counts the address; throws `rate_limited` (429) past its limit. */
  admit(): Promise<void>;
  /**
   * Counts the client, the user and the service (its registered name) of an allowed request; throws
   * `rate_limited` past one.
   */
  charge(who: RateLimitSubject & { service: string }): Promise<void>;
  /** `RateLimit-Policy` and `RateLimit` for the answer: the limits counted so far. */
  fields(): Record<string, string>;
}

export interface RateLimits {
  /** The meter of a request from `address` to the service `service` names in the path (not yet looked up). */
  meter(address: string, service: string): RateLimitMeter;
  /** Closes the Redis connection. */
  close(): Promise<void>;
}

interface Limit {
  scope: RateLimitScope;
  rule: RateLimitRule;
  counter: Counter;
  /** `redisFailure: local`: the same limit counted in this process while the store fails. */
  fallback: Counter | undefined;
  /** The override's service, for the events of the address scope (bounded: from the configuration). */
  service: string | undefined;
}

/** Undefined: no limit; null: lifted by an override. */
type Resolved = Limit | null | undefined;

/** The rate limits configured, or undefined when none is (then nothing is counted, at no cost). */
export async function createRateLimits(
  config: RateLimitConfig,
  options: RateLimitsOptions = {},
): Promise<RateLimits | undefined> {
  if (!anyRateLimit(config)) return undefined;
  const events = options.events ?? NO_RATE_LIMIT_EVENTS;
  const warn = throttledWarning(options.warn ?? (() => {}));
  let redis: RedisConnection | undefined;
  let store: CounterStore;
  if (config.redis) {
    const { url, prefix, timeout } = config.redis;
    // ioredis is loaded only by a deployment that shares its limits through Redis
    const { connectRedis } = await import('./redis-connection.js');
    redis = await connectRedis(url, timeout, (err) => warn(err, 'rate limits: Redis connection failed'));
    store = { kind: 'redis', client: redis.client, prefix };
  } else if ((options.store ?? (cluster.isWorker ? 'cluster' : 'memory')) === 'cluster') {
    store = { kind: 'cluster', timeoutMs: CLUSTER_TIMEOUT_MS };
  } else {
    store = { kind: 'memory' };
  }
  const local = config.redisFailure === 'local' && store.kind !== 'memory';
  const limitOf = (scope: RateLimitScope, rule: RateLimitRule | null, name: string, service?: string) =>
    rule === null
      ? null
      : {
          scope,
          rule,
          counter: createCounter(rule, name, store),
          fallback: local ? createCounter(rule, name, { kind: 'memory' }) : undefined,
          service,
        };
  const global = limitsOf(config.global, (scope, rule) => limitOf(scope, rule, scope));
  const services = new Map<string, Partial<Record<RateLimitScope, Limit | null>>>();
  for (const [name, limits] of Object.entries(config.services)) {
    services.set(
      name,
      limitsOf(limits, (scope, rule) => limitOf(scope, rule, `${scope}@${name}`, name)),
    );
  }
  const clients = new Map<string, Limit | null>();
  for (const [id, limits] of Object.entries(config.clients)) {
    if (limits.client !== undefined) clients.set(id, limitOf('client', limits.client, `client#${id}`));
  }
  const pick = (scope: RateLimitScope, service: string, client?: string): Resolved => {
    if (client !== undefined && clients.has(client)) return clients.get(client);
    const own = services.get(service);
    if (own !== undefined && scope in own) return own[scope];
    return global[scope];
  };
  const failure = { mode: config.redisFailure, events, warn };
  return {
    meter: (address, service) => createMeter(address, service, pick, failure),
    close: async () => redis?.close(),
  };
}

function limitsOf(
  limits: ScopeLimits,
  make: (scope: RateLimitScope, rule: RateLimitRule | null) => Limit | null,
): Partial<Record<RateLimitScope, Limit | null>> {
  const out: Partial<Record<RateLimitScope, Limit | null>> = {};
  for (const [scope, rule] of Object.entries(limits) as [RateLimitScope, RateLimitRule | null][]) {
    out[scope] = make(scope, rule);
  }
  return out;
}

interface Failure {
  mode: RedisFailureMode;
  events: RateLimitEvents;
  warn: (err: unknown, msg: string) => void;
}

function createMeter(
  address: string,
  pathName: string,
  pick: (scope: RateLimitScope, service: string, client?: string) => Resolved,
  failure: Failure,
): RateLimitMeter {
  const counts: LimitCount[] = [];
  const count = async (limit: Resolved, key: string | undefined, eventService: string) => {
    if (!limit || key === undefined) return;
    counts.push(await countOne(limit, key, eventService, counts, failure));
  };
  return {
    admit: () => {
      const limit = pick('address', pathName);
      // an IPv6 address by its /64 (one host commonly holds it whole), as the password throttles count it
      return count(limit, addressBlock(address), limit?.service ?? 'other');
    },
    async charge({ service, clientId, user }) {
      // one after the other: a request refused by its client's limit does not spend its service's
      await count(pick('client', service, clientId), clientId, service);
      await count(pick('user', service), user, service);
      await count(pick('service', service), service, service);
    },
    fields: () => rateLimitFields(counts),
  };
}

/** One count of `limit` for `key`: its state, or the 429 that it refuses (or what the failure mode does). */
async function countOne(
  limit: Limit,
  key: string,
  service: string,
  counted: readonly LimitCount[],
  failure: Failure,
): Promise<LimitCount> {
  const { scope, rule } = limit;
  let res: RateLimiterRes;
  try {
    res = await limit.counter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) return storeFailed(limit, key, service, counted, failure, err);
    res = err;
    failure.events.rateLimited(scope, service);
    throw refusal(limit, res, counted);
  }
  return { scope, rule, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
}

async function storeFailed(
  limit: Limit,
  key: string,
  service: string,
  counted: readonly LimitCount[],
  failure: Failure,
  err: unknown,
): Promise<LimitCount> {
  const { mode, events, warn } = failure;
  events.rateLimitStoreError(mode);
  warn(err, `rate limits: their store failed; requests are ${MODE_TELLS[mode]}`);
  if (mode === 'closed') {
    throw new TwitcherError('unavailable', {
      description: 'Rate limits cannot be counted at the moment; try again shortly.',
      headers: { 'Retry-After': '1' },
    });
  }
  if (mode === 'local' && limit.fallback) {
    return countOne(
      { ...limit, counter: limit.fallback, fallback: undefined },
      key,
      service,
      counted,
      failure,
    );
  }
  return { scope: limit.scope, rule: limit.rule };
}

const MODE_TELLS: Record<RedisFailureMode, string> = {
  local: 'counted on this instance alone (ratelimit.redisFailure: local)',
  open: 'let through uncounted (ratelimit.redisFailure: open)',
  closed: 'refused with 503 (ratelimit.redisFailure: closed)',
};

const SCOPE_WORDS: Record<RateLimitScope, string> = {
  client: 'from this client',
  user: 'from this user',
  address: 'from this address',
  service: 'to this service (all callers together)',
};

function refusal(limit: Limit, res: RateLimiterRes, counted: readonly LimitCount[]): TwitcherError {
  const { scope, rule } = limit;
  const wait = Math.max(1, seconds(res.msBeforeNext));
  const fields = rateLimitFields([...counted, { scope, rule, remaining: 0, resetMs: res.msBeforeNext }]);
  return new TwitcherError('rate_limited', {
    description:
      `Too many requests ${SCOPE_WORDS[scope]}: at most ${rule.requests} every ${rule.per} s` +
      `${rule.burst > 0 ? ` (and ${rule.burst} more every ${rule.burstPer} s)` : ''}. Try again in ${wait} s.`,
    headers: { 'Retry-After': String(wait), ...fields },
  });
}

/** `warn`, at most once per WARN_EVERY_MS, saying how many were left untold since. */
function throttledWarning(warn: (err: unknown, msg: string) => void): (err: unknown, msg: string) => void {
  let last = Number.NEGATIVE_INFINITY;
  let untold = 0;
  return (err, msg) => {
    const now = Date.now();
    if (now - last < WARN_EVERY_MS) {
      untold++;
      return;
    }
    last = now;
    warn(err, untold > 0 ? `${msg} (and ${untold} more since the last report)` : msg);
    untold = 0;
  };
}
