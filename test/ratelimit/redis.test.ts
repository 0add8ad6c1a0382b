/**
 * Rate limits shared through Redis: two instances hold one budget (the Redis at 127.0.0.1:6379,
 * a key prefix of their own per test), and what each failure mode does when Redis goes away (a
 * redis-server of the test's own, on a free port, killed mid-run) or is not there at the start.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { RateLimitConfig } from '../../src/config/ratelimit-types.js';
import { TwitcherError } from '../../src/errors.js';
import { createRateLimits } from '../../src/ratelimit/rate-limits.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const CAPS = '/ows/proxy/emu?service=WPS&request=GetCapabilities';
const SHARED = 'redis://127.0.0.1:6379';

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server of this test's own, on a free loopback port, without persistence. */
async function startRedis(t: test.TestContext): Promise<{ url: string; kill(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  t.after(kill);
  await waitUntil(
    'redis-server to answer',
    () =>
      spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG',
  );
  return { url: `redis://127.0.0.1:${port}`, kill };
}

async function appWith(t: test.TestContext, overrides: Record<string, unknown>): Promise<TestApp> {
  const up = await startUpstream(t);
  const app = await startTestApp(t, { overrides });
  await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
  return app;
}

const status = async (app: TestApp) => (await fetch(`${app.url}${CAPS}`)).status;

/** 200 requests split between two instances, ten at a time each: how many were allowed. */
async function flood(a: TestApp, b: TestApp): Promise<number> {
  let allowed = 0;
  for (let round = 0; round < 10; round++) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fetch(`${(i % 2 === 0 ? a : b).url}${CAPS}`)),
    );
    for (const res of answers) {
      await res.arrayBuffer();
      if (res.status === 200) allowed++;
      else assert.equal(res.status, 429);
    }
  }
  return allowed;
}

describe('rate limits shared through Redis', () => {
  test('two instances sharing Redis hold one budget: 200 requests against 100 allow 100 (±5 %)', async (t) => {
    if (!requirePeer(t, 'redis')) return;
    const overrides = {
      'ratelimit.service': { requests: 100, per: '1h' },
      'ratelimit.redisUrl': SHARED,
      'ratelimit.redisPrefix': `twitcher-test:${randomUUID()}:`,
    };
    const a = await appWith(t, overrides);
    const b = await appWith(t, overrides);
    const allowed = await flood(a, b);
    assert.ok(allowed >= 95 && allowed <= 105, `${allowed} allowed`);
    // the budget is spent for both
    assert.equal(await status(a), 429);
    assert.equal(await status(b), 429);
  });

  test('twin: two instances counting in memory each allow the whole budget', async (t) => {
    const overrides = { 'ratelimit.service': { requests: 100, per: '1h' } };
    const allowed = await flood(await appWith(t, overrides), await appWith(t, overrides));
    assert.equal(allowed, 200);
  });
});

describe('Redis lost: ratelimit.redisFailure', () => {
  const limitOf = (url: string, mode: RateLimitConfig['redisFailure']) => ({
    'ratelimit.service': { requests: 2, per: '1h' },
    'ratelimit.redisUrl': url,
    'ratelimit.redisPrefix': `twitcher-test:${randomUUID()}:`,
    'ratelimit.redisFailure': mode,
  });

  test('open: once Redis is killed, requests go through uncounted', async (t) => {
    if (!requirePeer(t, 'redis-server')) return;
    const redis = await startRedis(t);
    const app = await appWith(t, limitOf(redis.url, 'open'));
    assert.equal(await status(app), 200);
    await redis.kill();
    // (the request that meets the dying connection may still be counted; then each goes through)
    await waitUntil('requests to go through uncounted', async () => {
      const res = await fetch(`${app.url}${CAPS}`);
      await res.arrayBuffer();
      return res.status === 200 && res.headers.get('ratelimit') === null;
    });
    for (let i = 0; i < 5; i++) assert.equal(await status(app), 200);
  });

  test('closed: once Redis is killed, requests are refused with 503 and Retry-After', async (t) => {
    if (!requirePeer(t, 'redis-server')) return;
    const redis = await startRedis(t);
    const app = await appWith(t, limitOf(redis.url, 'closed'));
    assert.equal(await status(app), 200);
    await redis.kill();
    let last: Response | undefined;
    await waitUntil('a 503', async () => {
      last = await fetch(`${app.url}${CAPS}`);
      await last.clone().arrayBuffer();
      return last.status === 503;
    });
    assert.equal(last?.headers.get('retry-after'), '1');
    assert.match(await (last as Response).text(), /Rate limits cannot be counted at the moment/);
  });

  test('local: once Redis is killed, each instance keeps the limit alone', async (t) => {
    if (!requirePeer(t, 'redis-server')) return;
    const redis = await startRedis(t);
    const app = await appWith(t, limitOf(redis.url, 'local'));
    assert.equal(await status(app), 200);
    await redis.kill();
    // the local count starts afresh: its two requests, then 429
    await waitUntil('the local limit to refuse', async () => (await status(app)) === 429);
    assert.equal(await status(app), 429);
  });

  test('Redis unreachable at the start: the server starts, and the mode applies', async (t) => {
    if (!requirePeer(t, 'redis-server')) return;
    const nothing = `redis://127.0.0.1:${await freePort()}`;
    const local = await appWith(t, limitOf(nothing, 'local'));
    assert.deepEqual([await status(local), await status(local), await status(local)], [200, 200, 429]);
    const open = await appWith(t, limitOf(nothing, 'open'));
    assert.deepEqual([await status(open), await status(open), await status(open)], [200, 200, 200]);
    const closed = await appWith(t, limitOf(nothing, 'closed'));
    assert.equal(await status(closed), 503);
  });

  test('every failure is counted through the events, the log is told at most once a minute', async (t) => {
    if (!requirePeer(t, 'redis-server')) return;
    const redis = await startRedis(t);
    for (const mode of ['open', 'closed', 'local'] as const) {
      const storeErrors: string[] = [];
      const warnings: string[] = [];
      const limits = await createRateLimits(
        {
          global: { service: { requests: 2, per: 3600, burst: 0, burstPer: 36_000 } },
          services: {},
          clients: {},
          redis: { url: redis.url, prefix: `twitcher-test:${randomUUID()}:`, timeout: 500 },
          redisFailure: mode,
        },
        {
          events: { rateLimited() {}, rateLimitStoreError: (m) => storeErrors.push(m) },
          warn: (_err, msg) => warnings.push(msg),
        },
      );
      assert.ok(limits);
      t.after(() => limits.close());
      await limits.meter('a', 'emu').charge({ service: 'emu' });
      assert.deepEqual(storeErrors, [], mode);
    }
    await redis.kill();
    // a second round: new limits, Redis gone
    for (const mode of ['open', 'closed', 'local'] as const) {
      const storeErrors: string[] = [];
      const warnings: string[] = [];
      const limits = await createRateLimits(
        {
          global: { service: { requests: 2, per: 3600, burst: 0, burstPer: 36_000 } },
          services: {},
          clients: {},
          redis: { url: redis.url, prefix: 'twitcher-test:', timeout: 200 },
          redisFailure: mode,
        },
        {
          events: { rateLimited() {}, rateLimitStoreError: (m) => storeErrors.push(m) },
          warn: (_err, msg) => warnings.push(msg),
        },
      );
      assert.ok(limits);
      t.after(() => limits.close());
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i++) {
        try {
          await limits.meter('a', 'emu').charge({ service: 'emu' });
          outcomes.push('allowed');
        } catch (err) {
          assert.ok(err instanceof TwitcherError);
          outcomes.push(String(err.status));
        }
      }
      const expected = {
        open: Array(10).fill('allowed'),
        closed: Array(10).fill('503'),
        local: ['allowed', 'allowed', ...Array(8).fill('429')],
      }[mode];
      assert.deepEqual(outcomes, expected, mode);
      assert.deepEqual(storeErrors, Array(10).fill(mode), mode);
      // the connection's own failures and the counts' failures: one line, then quiet
      assert.equal(warnings.length, 1, `${mode}: ${warnings.join(' | ')}`);
    }
  });
});
