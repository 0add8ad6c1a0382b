/**
 * `server.workers` > 1 without Redis: the workers of one instance count one budget, kept by the
 * primary (rate-limiter-flexible's RateLimiterClusterMaster answers the workers' RateLimiterCluster
 * over the cluster's IPC channel).
 */
import type { RateLimitConfig } from '../config/ratelimit-types.js';
import { anyRateLimit } from './configured.js';

/**
 * Called once in the cluster primary, before the workers are forked: keeps the counts when limits
 * are configured without Redis (rate-limiter-flexible is loaded only then).
 */
export async function serveRateLimitsToWorkers(config: RateLimitConfig): Promise<void> {
  if (!anyRateLimit(config) || config.redis) return;
  const { RateLimiterClusterMaster } = await import('rate-limiter-flexible');
  new RateLimiterClusterMaster();
}
