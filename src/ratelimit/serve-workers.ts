/**
 * `server.workers` > 1 without Redis: the workers of one instance count one budget, kept by the
 * primary (rate-limiter-flexible's RateLimiterClusterMaster answers the workers' RateLimiterCluster
 * over the cluster's IPC channel).
 */
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';

/** Called once in the cluster primary, before the workers are forked. */
export function serveRateLimitsToWorkers(): void {
  new RateLimiterClusterMaster();
}
