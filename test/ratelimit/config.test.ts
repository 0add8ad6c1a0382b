import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function problemsOf(overrides: Record<string, unknown>, env: Record<string, string> = {}): string[] {
  try {
    loadConfig({ env, overrides });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const OK = { requests: 100, per: '1m' };

describe('ratelimit settings: a limit that cannot hold is refused at the start, every problem named', () => {
  const cases: { name: string; overrides: Record<string, unknown>; expect: RegExp[] }[] = [
    {
      name: 'zero requests',
      overrides: { 'ratelimit.client': { requests: 0, per: '1m' } },
      expect: [/^ratelimit\.client requests must be a whole number of at least 1$/],
    },
    {
      name: 'negative requests, fractional requests',
      overrides: {
        'ratelimit.user': { requests: -5, per: '1m' },
        'ratelimit.service': { requests: 2.5, per: '1m' },
      },
      expect: [/^ratelimit\.user requests must be/, /^ratelimit\.service requests must be/],
    },
    {
      name: 'a zero window, a window below one second, not whole seconds',
      overrides: {
        'ratelimit.client': { requests: 1, per: 0 },
        'ratelimit.user': { requests: 1, per: '500ms' },
        'ratelimit.address': { requests: 1, per: 1500 },
      },
      expect: [
        /^ratelimit\.client per must be whole seconds, at least 1s$/,
        /^ratelimit\.user per must be whole seconds/,
        /^ratelimit\.address per must be whole seconds/,
      ],
    },
    {
      name: 'a negative window, a window that is no duration',
      overrides: {
        'ratelimit.client': { requests: 1, per: '-1m' },
        'ratelimit.user': { requests: 1, per: 'soon' },
      },
      expect: [/^ratelimit\.client per must be a duration/, /^ratelimit\.user per must be a duration/],
    },
    {
      name: 'every problem of one limit, not only the first',
      overrides: { 'ratelimit.client': { requests: 0, per: '0s', burst: -1, extra: 1 } },
      expect: [/extra is unknown.*requests must be.*per must be.*burst must be/],
    },
    {
      name: 'missing fields; a limit that is no mapping',
      overrides: { 'ratelimit.client': {}, 'ratelimit.user': 100 },
      expect: [/^ratelimit\.client requests is missing; per is missing$/, /^ratelimit\.user must be a limit/],
    },
    {
      name: 'a reserve refilled faster than the window; burstPer without burst',
      overrides: {
        'ratelimit.client': { requests: 10, per: '1m', burst: 5, burstPer: '10s' },
        'ratelimit.user': { requests: 10, per: '1m', burstPer: '10m' },
      },
      expect: [/^ratelimit\.client burstPer must be at least per/, /^ratelimit\.user burstPer needs burst$/],
    },
    {
      name: 'per-service overrides: an unknown scope, a bad rule, not a mapping',
      overrides: {
        'ratelimit.services': { emu: { clinet: OK, service: { requests: 0, per: '1s' } }, wms: 5 },
      },
      expect: [
        /^ratelimit\.services emu\.clinet is no scope \(client, user, address, service\); emu\.service\.requests must be a whole number of at least 1; wms must map scopes/,
      ],
    },
    {
      name: 'per-client overrides: a scope that does not exist per client',
      overrides: { 'ratelimit.clients': { harvester: { address: OK, user: OK } } },
      expect: [
        /^ratelimit\.clients harvester\.address: there is no address limit per client id.*harvester\.user: there is no user limit/,
      ],
    },
    {
      name: 'overrides that are no mapping',
      overrides: { 'ratelimit.services': [], 'ratelimit.clients': 5 },
      expect: [
        /^ratelimit\.services must map each service name/,
        /^ratelimit\.clients must map each client id/,
      ],
    },
    {
      name: 'a Redis URL that is not redis:// or rediss://, and one that is no URL',
      overrides: { 'ratelimit.redisUrl': 'http://127.0.0.1:6379', 'ratelimit.client': OK },
      expect: [/^ratelimit\.redisUrl must be a redis:\/\/ or rediss:\/\/ URL, not http:\/\/$/],
    },
    {
      name: 'a Redis URL that is no URL; its password is not echoed',
      overrides: { 'ratelimit.redisUrl': 'redis//:s3cret@host' },
      expect: [/^ratelimit\.redisUrl must be a URL such as redis:\/\/127\.0\.0\.1:6379\/0$/],
    },
    {
      name: 'an unknown failure mode; a zero timeout',
      overrides: { 'ratelimit.redisFailure': 'maybe', 'ratelimit.redisTimeout': 0 },
      expect: [/ratelimit\.redisFailure must be one of/, /^ratelimit\.redisTimeout must be at least 1 ms$/],
    },
    {
      name: 'an unknown rate-limit setting',
      overrides: { 'ratelimit.clientz': OK },
      expect: [/unknown setting "ratelimit\.clientz"/],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const problems = problemsOf(c.overrides);
      assert.equal(problems.length, c.expect.length, problems.join('\n'));
      for (const [i, re] of c.expect.entries()) assert.match(problems[i] ?? '', re);
      for (const p of problems) assert.doesNotMatch(p, /s3cret/);
    });
  }

  test('allowed twin: every scope, overrides (lifting ones too), Redis', () => {
    const c = loadConfig({
      env: {},
      overrides: {
        'ratelimit.client': { requests: 100, per: '1m', burst: 20 },
        'ratelimit.user': { requests: 300, per: 60_000 },
        'ratelimit.address': { requests: 600, per: '1m' },
        'ratelimit.service': { requests: 5000, per: '1m' },
        'ratelimit.services': { emu: { client: { requests: 10, per: '1m' }, address: false } },
        'ratelimit.clients': {
          portal: { client: 'unlimited' },
          harvester: { client: { requests: 1000, per: '1h' } },
        },
        'ratelimit.redisUrl': 'rediss://:pw@redis.example:6380/2',
        'ratelimit.redisFailure': 'closed',
      },
    });
    const r = c.ratelimit;
    assert.deepEqual(r.global.client, { requests: 100, per: 60, burst: 20, burstPer: 600 });
    assert.deepEqual(r.global.user, { requests: 300, per: 60, burst: 0, burstPer: 600 });
    assert.deepEqual(r.services['emu'], {
      client: { requests: 10, per: 60, burst: 0, burstPer: 600 },
      address: null,
    });
    assert.deepEqual(r.clients['portal'], { client: null });
    assert.deepEqual(r.clients['harvester'], {
      client: { requests: 1000, per: 3600, burst: 0, burstPer: 36_000 },
    });
    assert.deepEqual(r.redis, {
      url: 'rediss://:pw@redis.example:6380/2',
      prefix: 'twitcher:rl:',
      timeout: 500,
    });
    assert.equal(r.redisFailure, 'closed');
  });

  test('unset: no limits, memory, local failure mode', () => {
    const r = loadConfig({ env: {} }).ratelimit;
    assert.deepEqual(r, { global: {}, services: {}, clients: {}, redis: undefined, redisFailure: 'local' });
  });

  test('from the environment (JSON) and from a YAML file, where `false` lifts a limit', () => {
    const env = { TWITCHER_RATELIMIT_CLIENT: '{"requests": 5, "per": "10s"}' };
    assert.deepEqual(loadConfig({ env }).ratelimit.global.client, {
      requests: 5,
      per: 10,
      burst: 0,
      burstPer: 100,
    });
    assert.match(
      problemsOf({}, { TWITCHER_RATELIMIT_CLIENT: '{"requests": 0}' })[0] ?? '',
      /^ratelimit\.client /,
    );
    const dir = mkdtempSync(join(tmpdir(), 'twitcher-rl-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'twitcher.yaml');
    writeFileSync(
      file,
      'ratelimit:\n  service: {requests: 50, per: 1s}\n  services:\n    emu:\n      service: false\n',
    );
    const r = loadConfig({ env: {}, file }).ratelimit;
    assert.deepEqual(r.global.service, { requests: 50, per: 1, burst: 0, burstPer: 10 });
    assert.deepEqual(r.services['emu'], { service: null });
  });
});
