/** Settings of the rate limits of the proxy routes (docs/ratelimits.md). */
import { clientOverridesOf, rateLimitRuleOf, serviceOverridesOf } from '../ratelimit-rules.js';
import { optional, withDefault } from '../setting.js';
import * as t from '../setting-types.js';

const RULE_DOC =
  'a limit such as `{"requests": 100, "per": "1m", "burst": 20}`: `requests` per window of `per` (whole ' +
  'seconds, at most 24 days), and a reserve of `burst` more once they are spent, refilled every `burstPer` ' +
  '(default ten windows, at most 24 days too)';

/** Requests per client, user, address and service (unset: no limit, and no cost). */
export const RATELIMIT_SETTINGS = {
  'ratelimit.client': optional({
    env: 'TWITCHER_RATELIMIT_CLIENT',
    type: t.json(rateLimitRuleOf),
    doc: `Allowed proxy requests per OAuth2 client (the token's client id), ${RULE_DOC}. Unset: none.`,
  }),
  'ratelimit.user': optional({
    env: 'TWITCHER_RATELIMIT_USER',
    type: t.json(rateLimitRuleOf),
    doc:
      "Allowed proxy requests per user (a Twitcher user, an external token's subject, a certificate's DN), " +
      `${RULE_DOC}. Unset: none.`,
  }),
  'ratelimit.address': optional({
    env: 'TWITCHER_RATELIMIT_ADDRESS',
    type: t.json(rateLimitRuleOf),
    doc:
      'Proxy requests per client address (`server.trustProxy` decides which), counted before anything else, ' +
      `refused ones included, ${RULE_DOC}. Unset: none.`,
  }),
  'ratelimit.service': optional({
    env: 'TWITCHER_RATELIMIT_SERVICE',
    type: t.json(rateLimitRuleOf),
    doc: `Allowed proxy requests per service, all callers together, ${RULE_DOC}. Unset: none.`,
  }),
  'ratelimit.services': withDefault({
    env: 'TWITCHER_RATELIMIT_SERVICES',
    type: t.json(serviceOverridesOf),
    default: {},
    defaultDoc: 'none',
    doc:
      'Limits of requests to one service, replacing the global ones for it (with a budget of their own), e.g. ' +
      '`{"emu": {"service": {"requests": 50, "per": "1s"}, "client": {"requests": 10, "per": "1m"}}}`; ' +
      '`false` lifts a limit.',
  }),
  'ratelimit.clients': withDefault({
    env: 'TWITCHER_RATELIMIT_CLIENTS',
    type: t.json(clientOverridesOf),
    default: {},
    defaultDoc: 'none',
    doc:
      'The `client` limit of one OAuth2 client, before those of `ratelimit.services` and `ratelimit.client`, ' +
      'e.g. `{"harvester": {"client": {"requests": 1000, "per": "1m"}}, "portal": {"client": false}}`.',
  }),
  'ratelimit.redisUrl': optional({
    env: 'TWITCHER_RATELIMIT_REDIS_URL',
    type: t.string({ minLength: 1 }),
    secret: true,
    doc:
      'Redis (`redis://` or `rediss://`) where several instances count one budget. Unset: counted in memory ' +
      '(the workers of one instance share it through the primary).',
  }),
  'ratelimit.redisPrefix': withDefault({
    env: 'TWITCHER_RATELIMIT_REDIS_PREFIX',
    type: t.string({ minLength: 1 }),
    default: 'twitcher:rl:',
    doc: 'Prefix of the Redis keys (instances sharing a budget use the same one).',
  }),
  'ratelimit.redisTimeout': withDefault({
    env: 'TWITCHER_RATELIMIT_REDIS_TIMEOUT',
    type: t.duration({ timer: true }),
    default: 500,
    doc: 'Longest wait for Redis to connect or answer one count; then `ratelimit.redisFailure` applies.',
  }),
  'ratelimit.redisFailure': withDefault({
    env: 'TWITCHER_RATELIMIT_REDIS_FAILURE',
    type: t.oneOf(['local', 'open', 'closed']),
    default: 'local',
    doc:
      'When Redis cannot be reached: `local` counts on this instance alone until it is back (the limits hold ' +
      'per instance), `open` lets requests through uncounted, `closed` refuses them with 503. Logged at most ' +
      'once a minute, and counted.',
  }),
};
