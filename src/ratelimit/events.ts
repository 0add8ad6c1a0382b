/**
 * What the rate limits report as they run. The metrics object fits it structurally (it has these
 * very methods), so the rate limits import nothing of the metrics.
 */
import type { RateLimitScope } from '../config/ratelimit-types.js';

export interface RateLimitEvents {
  /**
   * A request refused by the limit of `scope`. `service` is the registered service's name for the
   * `client`, `user` and `service` scopes (counted once the service is known); for `address`, counted
   * before the service is looked up, the name of a `ratelimit.services` override that applied, else `other`.
   */
  rateLimited(scope: RateLimitScope, service: string): void;
  /** Redis could not count a request: `mode` is what was done instead (`local`, `open`, `closed`). */
  rateLimitStoreError(mode: string): void;
}

/** Nothing is reported. */
export const NO_RATE_LIMIT_EVENTS: RateLimitEvents = {
  rateLimited() {},
  rateLimitStoreError() {},
};
