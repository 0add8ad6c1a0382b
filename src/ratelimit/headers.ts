/**
 * The rate-limit fields of draft-ietf-httpapi-ratelimit-headers (-12, November 2026), Structured
 * Field lists (RFC 9651) with one item per limit that applied to the request, named by its scope:
 *
 *   RateLimit-Policy: "address";q=600;w=60, "client";q=100;w=60
 *   RateLimit: "address";r=598;t=41, "client";r=0;t=12
 *
 * `q` is the quota of a window of `w` seconds (§3.1), `r` what remains of it and `t` the seconds
 * until it resets (§4.1). A reserve (`burst`) is a policy of its own, `"client-burst"`. On a 429,
 * `Retry-After` (RFC 9110 §10.2.3) says when the limit that refused frees a request.
 */
import type { RateLimitRule, RateLimitScope } from '../config/ratelimit-types.js';

/** One limit's count for a request: what remains of it and when it resets; none when it was not counted. */
export interface LimitCount {
  scope: RateLimitScope;
  rule: RateLimitRule;
  /** Undefined where the store failed and the request went uncounted (`redisFailure: open`). */
  remaining?: number | undefined;
  /** Milliseconds until the window resets. */
  resetMs?: number | undefined;
}

/** The two fields for the limits counted so far (empty when none applied). */
export function rateLimitFields(counts: readonly LimitCount[]): Record<string, string> {
  if (counts.length === 0) return {};
  const policies: string[] = [];
  const states: string[] = [];
  for (const { scope, rule, remaining, resetMs } of counts) {
    policies.push(`"${scope}";q=${rule.requests};w=${rule.per}`);
    if (rule.burst > 0) policies.push(`"${scope}-burst";q=${rule.burst};w=${rule.burstPer}`);
    if (remaining !== undefined) states.push(`"${scope}";r=${remaining};t=${seconds(resetMs ?? 0)}`);
  }
  const fields: Record<string, string> = { 'RateLimit-Policy': policies.join(', ') };
  if (states.length > 0) fields['RateLimit'] = states.join(', ');
  return fields;
}

/** Whole seconds, rounded up: a client that waits `t` finds the window reset. */
export function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}
