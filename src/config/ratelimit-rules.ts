/**
 * The values of the `ratelimit.*` JSON settings, checked and typed: a rule
 * (`{requests: 100, per: 1m, burst: 20}`, or `false` to lift a limit), and the override maps. Every
 * problem of a value is named (joined in one line per setting), not only the first.
 */
import { isRecord, unknownKeys } from './json-shapes.js';
import { parseDuration } from './parse-value.js';
import {
  RATE_LIMIT_SCOPES,
  type RateLimitRule,
  type RateLimitScope,
  type ScopeLimits,
} from './ratelimit-types.js';
import type { Parsed } from './setting.js';
import { MAX_TIMER_MS } from './setting-types.js';

const RULE_KEYS = ['requests', 'per', 'burst', 'burstPer'] as const;
/** A reserve refills over ten windows unless told otherwise. */
const DEFAULT_BURST_WINDOWS = 10;
/** Written where a limit is lifted (YAML `false`, or the word). */
const LIFTED = 'unlimited';

/** `ratelimit.client` (and the other scopes): a rule, or `false`/`"unlimited"` for none. */
export function rateLimitRuleOf(value: unknown): Parsed<RateLimitRule | null | undefined> {
  if (value === undefined) return { value: undefined };
  const problems: string[] = [];
  const rule = ruleOf(value, '', problems);
  return problems.length > 0 ? { error: problems.join('; ') } : { value: rule };
}

/** `ratelimit.services`: `{<service>: {client|user|address|service: rule}}`. */
export function serviceOverridesOf(value: unknown): Parsed<Record<string, ScopeLimits>> {
  return overridesOf(value, RATE_LIMIT_SCOPES, 'service name', ['emu', 'service']);
}

/** `ratelimit.clients`: `{<client id>: {client: rule}}` (only the client scope is a client's own). */
export function clientOverridesOf(value: unknown): Parsed<Record<string, Pick<ScopeLimits, 'client'>>> {
  return overridesOf(value, ['client'], 'client id', ['harvester', 'client']);
}

function overridesOf(
  value: unknown,
  scopes: readonly RateLimitScope[],
  what: string,
  example: readonly [string, string],
): Parsed<Record<string, ScopeLimits>> {
  if (value === undefined) return { value: {} };
  if (!isRecord(value))
    return { error: `must map each ${what} to its limits, e.g. {"${example[0]}": {"${example[1]}": {...}}}` };
  const problems: string[] = [];
  const out: Record<string, ScopeLimits> = {};
  for (const [name, limits] of Object.entries(value)) {
    if (!isRecord(limits)) {
      problems.push(`${name} must map scopes (${scopes.join(', ')}) to limits`);
      continue;
    }
    const own: ScopeLimits = {};
    for (const key of Object.keys(limits)) {
      if (!(scopes as readonly string[]).includes(key)) {
        const known = (RATE_LIMIT_SCOPES as readonly string[]).includes(key);
        problems.push(
          known
            ? `${name}.${key}: there is no ${key} limit per ${what} (an override here sets ${scopes.join(', ')})`
            : `${name}.${key} is no scope (${scopes.join(', ')})`,
        );
        continue;
      }
      own[key as RateLimitScope] = ruleOf(limits[key], `${name}.${key}`, problems);
    }
    out[name] = own;
  }
  return problems.length > 0 ? { error: problems.join('; ') } : { value: out };
}

/** A rule at `at` (for problems), or null where it lifts the limit; its problems go to `problems`. */
function ruleOf(value: unknown, at: string, problems: string[]): RateLimitRule | null {
  const where = (field: string) => (at === '' ? field : `${at}.${field}`);
  if (value === false || value === LIFTED) return null;
  if (!isRecord(value)) {
    problems.push(
      `${at === '' ? 'must' : `${at} must`} be a limit such as {"requests": 100, "per": "1m"}, or false (none)`,
    );
    return null;
  }
  for (const key of unknownKeys(value, RULE_KEYS)) {
    problems.push(`${where(key)} is unknown (a limit has ${RULE_KEYS.join(', ')})`);
  }
  const requests = wholeNumber(value['requests'], 1, where('requests'), problems);
  const per = seconds(value['per'], where('per'), problems, true);
  const burst = value['burst'] === undefined ? 0 : wholeNumber(value['burst'], 0, where('burst'), problems);
  let burstPer = per === undefined ? undefined : per * DEFAULT_BURST_WINDOWS;
  if (value['burstPer'] !== undefined) {
    burstPer = seconds(value['burstPer'], where('burstPer'), problems, true);
    if (value['burst'] === undefined) problems.push(`${where('burstPer')} needs ${where('burst')}`);
  }
  if (per !== undefined && burstPer !== undefined && burstPer < per) {
    problems.push(
      `${where('burstPer')} must be at least ${where('per')} (a reserve refilled faster is the limit)`,
    );
  }
  if (per !== undefined && per > MAX_WINDOW_S) problems.push(`${where('per')} ${TOO_LONG}`);
  else if ((burst ?? 0) > 0 && burstPer !== undefined && burstPer > MAX_WINDOW_S) {
    problems.push(
      `${where('burstPer')}${value['burstPer'] === undefined ? ` (by default ten windows: ${burstPer} s)` : ''} ${TOO_LONG}`,
    );
  }
  if (requests === undefined || per === undefined || burst === undefined || burstPer === undefined)
    return null;
  return { requests, per, burst, burstPer };
}

/**
 * The longest window: counters in memory (one process, a cluster's primary, `redisFailure: local`)
 * end a window with a Node timer, and a timer past 2^31 ms (24.8 days) fires at once: the window
 * would end with each request and the limit never hold.
 */
const MAX_WINDOW_S = Math.floor(MAX_TIMER_MS / 1000);
const TOO_LONG = 'must be at most 24 days (576h): longer windows cannot be counted in memory';

function wholeNumber(value: unknown, least: number, at: string, problems: string[]): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= least) return value;
  problems.push(
    value === undefined ? `${at} is missing` : `${at} must be a whole number of at least ${least}`,
  );
  return undefined;
}

/** A duration in whole seconds, at least one (the windows of the counters and of the headers). */
function seconds(value: unknown, at: string, problems: string[], required: boolean): number | undefined {
  if (value === undefined) {
    if (required) problems.push(`${at} is missing`);
    return undefined;
  }
  const parsed = parseDuration(value);
  if ('error' in parsed) {
    problems.push(`${at} ${parsed.error}`);
    return undefined;
  }
  if (parsed.value < 1000 || parsed.value % 1000 !== 0) {
    problems.push(`${at} must be whole seconds, at least 1s`);
    return undefined;
  }
  return parsed.value / 1000;
}
