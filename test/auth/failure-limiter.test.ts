/**
 * The failure limiter is bounded, and its bound must not be a way out of a block: an attacker with
 * many addresses fills it, and the names and addresses already blocked stay blocked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CREDENTIAL_WINDOW_MS, CredentialThrottle, FailureLimiter } from '../../src/auth/failure-limiter.js';
import { TwitcherError } from '../../src/errors.js';

const WINDOW = 60_000;
const NOW = 1_000_000;

const isTooMany = (err: unknown) => err instanceof TwitcherError && err.code === 'too_many_failures';

describe('FailureLimiter: a flood of new keys lifts no block', () => {
  test('denied: a blocked key stays blocked after many times its bound of fresh keys failed once', () => {
    const limiter = new FailureLimiter(3, WINDOW, 100);
    for (let i = 0; i < 3; i++) limiter.fail('user:admin', NOW);
    assert.ok(limiter.retryAfter('user:admin', NOW) > 0);
    for (let i = 0; i < 1_000; i++) limiter.fail(`addr:10.0.${i >> 8}.${i & 255}`, NOW + 1);
    assert.equal(limiter.retryAfter('user:admin', NOW + 2), 60);
  });

  test('twin: with the bound reached, a fresh key still may try, and is blocked past the limit', () => {
    const limiter = new FailureLimiter(3, WINDOW, 100);
    for (let i = 0; i < 1_000; i++) limiter.fail(`addr:10.1.${i >> 8}.${i & 255}`, NOW);
    assert.equal(limiter.retryAfter('user:alice', NOW), 0);
    for (let i = 0; i < 2; i++) limiter.fail('user:alice', NOW);
    assert.equal(limiter.retryAfter('user:alice', NOW), 0);
    limiter.fail('user:alice', NOW);
    assert.ok(limiter.retryAfter('user:alice', NOW) > 0);
  });

  test('blocked keys up to the bound all hold against a flood; a block still ends with its window', () => {
    const limiter = new FailureLimiter(2, WINDOW, 50);
    const blocked = Array.from({ length: 50 }, (_, i) => `addr:192.0.2.${i}`);
    for (const key of blocked) for (let i = 0; i < 2; i++) limiter.fail(key, NOW);
    for (let i = 0; i < 500; i++) limiter.fail(`addr:198.51.${i >> 8}.${i & 255}`, NOW + 1);
    for (const key of blocked) assert.ok(limiter.retryAfter(key, NOW + 2) > 0, key);
    // twin: the window passes, the blocks end
    for (const key of blocked) assert.equal(limiter.retryAfter(key, NOW + WINDOW), 0, key);
  });

  test('with the blocked keys at their bound, a key reaching the limit is blocked too', () => {
    const limiter = new FailureLimiter(2, WINDOW, 10);
    for (let k = 0; k < 10; k++) for (let i = 0; i < 2; i++) limiter.fail(`addr:192.0.2.${k}`, NOW);
    limiter.fail('user:bob', NOW);
    limiter.fail('user:bob', NOW);
    assert.ok(limiter.retryAfter('user:bob', NOW) > 0);
    // once a block ended it makes room: a new block is kept apart from the flood
    limiter.fail('user:carol', NOW + WINDOW);
    limiter.fail('user:carol', NOW + WINDOW);
    for (let i = 0; i < 100; i++) limiter.fail(`addr:203.0.113.${i}`, NOW + WINDOW + 1);
    assert.ok(limiter.retryAfter('user:carol', NOW + WINDOW + 2) > 0);
  });
});

describe('CredentialThrottle at its bound of keys', () => {
  test('denied: a name and an address blocked stay blocked while many addresses fail', async () => {
    let now = NOW;
    const throttle = new CredentialThrottle(3, { now: () => now, maxKeys: 64 });
    for (let i = 0; i < 3; i++) throttle.failed('admin', '192.0.2.66');
    for (let i = 0; i < 1_000; i++) throttle.failed(`guess-${i}`, `2001:db8:${i.toString(16)}::1`);
    now += 1_000;
    assert.throws(() => throttle.check('admin', '198.51.100.1', 'slow down'), isTooMany);
    assert.throws(() => throttle.check('someone', '192.0.2.66', 'slow down'), isTooMany);
    // twin: a fresh name from a fresh address is let through to the password check
    assert.equal(await throttle.attempt('alice', '198.51.100.2', 'pw', 'slow down', async () => true), true);
    now += CREDENTIAL_WINDOW_MS;
    assert.doesNotThrow(() => throttle.check('admin', '198.51.100.1', 'slow down'));
  });
});
