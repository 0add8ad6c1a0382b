import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressBlock, CREDENTIAL_WINDOW_MS, CredentialThrottle } from '../../src/auth/failure-limiter.js';
import { TwitcherError } from '../../src/errors.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** GET /services as `from` (X-Forwarded-For, believed from the loopback front proxy). */
function services(app: TestApp, authorization: string, from = '192.0.2.1') {
  return fetch(`${app.url}/services`, { headers: { authorization, 'x-forwarded-for': from } });
}

const limitedApp = (t: Parameters<typeof startTestApp>[0]) =>
  startTestApp(t, { overrides: { 'certs.maxFailures': 3, 'server.trustProxy': ['127.0.0.1'] } });

const isTooMany = (err: unknown) =>
  err instanceof TwitcherError &&
  err.code === 'too_many_failures' &&
  err.status === 429 &&
  Number(err.headers['Retry-After']) > 0;

describe('admin API: failed administrator credentials are throttled', () => {
  test('past certs.maxFailures wrong passwords: 429 too_many_failures (problem+json, Retry-After), the right one waits too', async (t) => {
    const app = await limitedApp(t);
    for (let i = 0; i < 3; i++) {
      const res = await services(app, basic('admin', `wrong-${i}`));
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'invalid_credentials');
    }
    const res = await services(app, basic('admin', ADMIN_PASSWORD));
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(res.headers.get('www-authenticate'), null);
    const problem = (await res.json()) as { code: string; status: number; type: string };
    assert.equal(problem.code, 'too_many_failures');
    assert.equal(problem.status, 429);
    assert.equal(problem.type, 'urn:twitcher:problem:too_many_failures');
  });

  test('twin: under the limit, the right password is let in, and forgets the failures of the name', async (t) => {
    const app = await limitedApp(t);
    for (let i = 0; i < 2; i++) assert.equal((await services(app, basic('admin', `wrong-${i}`))).status, 401);
    assert.equal((await services(app, basic('admin', ADMIN_PASSWORD))).status, 200);
    // the name's count starts again: two more mistakes (from elsewhere) are still 401, not 429
    for (let i = 0; i < 2; i++) {
      assert.equal((await services(app, basic('admin', `again-${i}`), '192.0.2.2')).status, 401);
    }
    assert.equal((await services(app, basic('admin', ADMIN_PASSWORD), '192.0.2.3')).status, 200);
  });

  test('per client address: guesses at many names from one address are stopped; another address is not', async (t) => {
    const app = await limitedApp(t);
    for (const name of ['root', 'administrator', 'twitcher']) {
      assert.equal((await services(app, basic(name, 'x'), '198.51.100.7')).status, 401);
    }
    const blocked = await services(app, basic('admin', ADMIN_PASSWORD), '198.51.100.7');
    assert.equal(blocked.status, 429);
    assert.equal(((await blocked.json()) as { code: string }).code, 'too_many_failures');
    // twin: the administrator from another address, and another name from there, are judged as usual
    assert.equal((await services(app, basic('admin', ADMIN_PASSWORD), '198.51.100.8')).status, 200);
    assert.equal((await services(app, basic('nobody', 'x'), '198.51.100.8')).status, 401);
  });

  test('an IPv6 client counts as its /64: new addresses of the same host get no new guesses', async (t) => {
    const app = await limitedApp(t);
    for (const [i, name] of ['root', 'administrator', 'twitcher'].entries()) {
      assert.equal((await services(app, basic(name, 'x'), `2001:db8:0:7::${i + 1}`)).status, 401);
    }
    assert.equal((await services(app, basic('admin', ADMIN_PASSWORD), '2001:db8:0:7:ffff::9')).status, 429);
    // twin: the next /64 is another client
    assert.equal((await services(app, basic('admin', ADMIN_PASSWORD), '2001:db8:0:8::1')).status, 200);
  });

  test('per user name: wrong passwords for the administrator from many addresses stop its name everywhere', async (t) => {
    const app = await limitedApp(t);
    for (let i = 0; i < 3; i++) {
      assert.equal((await services(app, basic('admin', 'guess'), `203.0.113.${i + 1}`)).status, 401);
    }
    assert.equal((await services(app, basic('admin', ADMIN_PASSWORD), '203.0.113.50')).status, 429);
    // twin: another name from a fresh address is a plain 401
    assert.equal((await services(app, basic('someone', 'guess'), '203.0.113.51')).status, 401);
  });

  test('a burst of concurrent wrong passwords: no more than the limit gets a 401, the rest is 429', async (t) => {
    const app = await limitedApp(t);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => services(app, basic('admin', `burst-${i}`))),
    );
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, 3);
    assert.equal(statuses.filter((s) => s === 429).length, 37);
    await Promise.all(answers.map((r) => r.body?.cancel()));
  });

  test('twin: a burst of concurrent requests with the right password is let in, every one', async (t) => {
    const app = await limitedApp(t);
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => services(app, basic('admin', ADMIN_PASSWORD))),
    );
    assert.deepEqual(
      answers.map((r) => r.status),
      Array(40).fill(200),
    );
    await Promise.all(answers.map((r) => r.body?.cancel()));
  });

  test('missing credentials are no failure: 401 each time, never 429', async (t) => {
    const app = await limitedApp(t);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${app.url}/services`, { headers: { 'x-forwarded-for': '192.0.2.9' } });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'authentication_required');
    }
  });

  test('every admin surface renders the 429: /users (problem+json), /oauth/client (RFC 6749 JSON)', async (t) => {
    const app = await limitedApp(t);
    for (let i = 0; i < 3; i++) assert.equal((await services(app, basic('admin', `w${i}`))).status, 401);
    const users = await fetch(`${app.url}/users`, {
      headers: { authorization: basic('admin', ADMIN_PASSWORD), 'x-forwarded-for': '192.0.2.1' },
    });
    assert.equal(users.status, 429);
    assert.equal(((await users.json()) as { code: string }).code, 'too_many_failures');
    const client = await fetch(`${app.url}/oauth/client`, {
      method: 'POST',
      headers: {
        authorization: basic('admin', ADMIN_PASSWORD),
        'x-forwarded-for': '192.0.2.1',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'name=c1',
    });
    assert.equal(client.status, 429);
    assert.ok(Number(client.headers.get('retry-after')) > 0);
    assert.equal(client.headers.get('cache-control'), 'no-store');
    const body = (await client.json()) as { error: string; error_description: string };
    // RFC 6749 §5.2 has no code for it: the renderer (src/oauth) says invalid_request, with status 429
    assert.equal(body.error, 'invalid_request');
    assert.match(body.error_description, /Too many failed attempts/);
    assert.deepEqual(await app.store.clients.list(), [], 'no client registered');
  });
});

describe('CredentialThrottle', () => {
  /** A fresh password for each attempt: distinct guesses. */
  let n = 0;
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  test('over the limit, the password check is not even called; after the window it is again', async () => {
    const c = clock();
    const throttle = new CredentialThrottle(2, { now: c.now });
    let checks = 0;
    const wrong = async () => {
      checks++;
      return false;
    };
    assert.equal(await throttle.attempt('alice', '10.0.0.1', `pw-${n++}`, 'slow down', wrong), false);
    assert.equal(await throttle.attempt('alice', '10.0.0.1', `pw-${n++}`, 'slow down', wrong), false);
    await assert.rejects(
      throttle.attempt('alice', '10.0.0.1', `pw-${n++}`, 'slow down', wrong),
      (err) => isTooMany(err) && (err as TwitcherError).description === 'slow down',
    );
    assert.equal(checks, 2);
    c.advance(CREDENTIAL_WINDOW_MS - 1);
    await assert.rejects(throttle.attempt('alice', '10.0.0.1', `pw-${n++}`, 'slow down', wrong), isTooMany);
    c.advance(1);
    assert.equal(
      await throttle.attempt('alice', '10.0.0.1', `pw-${n++}`, 'slow down', async () => true),
      true,
    );
    assert.equal(checks, 2);
  });

  test('Retry-After is the time until the oldest failure leaves the window', async () => {
    const c = clock();
    const throttle = new CredentialThrottle(1, { now: c.now });
    await throttle.attempt('bob', '10.0.0.2', `pw-${n++}`, 'x', async () => false);
    c.advance(60_000);
    assert.throws(
      () => throttle.check('bob', '10.0.0.3', 'x'),
      (err) => err instanceof TwitcherError && err.headers['Retry-After'] === String(240),
    );
  });

  test('attempts being checked count: a concurrent burst reaches the check at most `max` times', async () => {
    const throttle = new CredentialThrottle(3);
    let checks = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowWrong = async () => {
      checks++;
      await gate;
      return false;
    };
    const attempts = Array.from({ length: 20 }, () =>
      throttle.attempt('carol', '10.0.0.4', `pw-${n++}`, 'x', slowWrong).then(
        () => 'checked',
        (err: unknown) => (isTooMany(err) ? 'throttled' : 'other'),
      ),
    );
    release();
    const outcomes = await Promise.all(attempts);
    assert.equal(checks, 3);
    assert.equal(outcomes.filter((o) => o === 'throttled').length, 17);
  });

  test('the same credentials sent in parallel are one attempt: one check, every request let in', async () => {
    const throttle = new CredentialThrottle(3);
    let checks = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowRight = async () => {
      checks++;
      await gate;
      return true;
    };
    const attempts = Array.from({ length: 20 }, () =>
      throttle.attempt('erin', '10.0.0.8', 'erin-password', 'x', slowRight),
    );
    release();
    assert.deepEqual(await Promise.all(attempts), Array(20).fill(true));
    assert.equal(checks, 1);
    // twin: the same wrong password in parallel is one failure, not twenty
    const wrong = await Promise.all(
      Array.from({ length: 20 }, () => throttle.attempt('erin', '10.0.0.8', 'typo', 'x', async () => false)),
    );
    assert.deepEqual(wrong, Array(20).fill(false));
    assert.equal(await throttle.attempt('erin', '10.0.0.8', 'erin-password', 'x', async () => true), true);
  });

  test("one's own right password does not buy the address more guesses at other names", async () => {
    const throttle = new CredentialThrottle(3);
    await throttle.attempt('victim', '10.0.0.5', `pw-${n++}`, 'x', async () => false);
    await throttle.attempt('victim2', '10.0.0.5', `pw-${n++}`, 'x', async () => false);
    assert.equal(await throttle.attempt('mallory', '10.0.0.5', `pw-${n++}`, 'x', async () => true), true);
    await throttle.attempt('victim3', '10.0.0.5', `pw-${n++}`, 'x', async () => false);
    await assert.rejects(
      throttle.attempt('victim4', '10.0.0.5', `pw-${n++}`, 'x', async () => false),
      isTooMany,
    );
    // twin: the successful name itself starts again from another address
    assert.equal(await throttle.attempt('mallory', '10.0.0.6', `pw-${n++}`, 'x', async () => true), true);
  });

  test('a check that fails (the store is down) is no failed attempt', async () => {
    const throttle = new CredentialThrottle(1);
    for (let i = 0; i < 3; i++) {
      await assert.rejects(
        throttle.attempt('dave', '10.0.0.7', `pw-${n++}`, 'x', async () => {
          throw new Error('store down');
        }),
        /store down/,
      );
    }
    // twin: one real failure is counted
    assert.equal(await throttle.attempt('dave', '10.0.0.7', `pw-${n++}`, 'x', async () => false), false);
    await assert.rejects(
      throttle.attempt('dave', '10.0.0.7', `pw-${n++}`, 'x', async () => true),
      isTooMany,
    );
  });

  test('addressBlock: IPv4 as it is (also IPv4-mapped), IPv6 by its /64', () => {
    const cases: [string, string][] = [
      ['192.0.2.7', '192.0.2.7'],
      ['::ffff:192.0.2.7', '192.0.2.7'],
      ['2001:db8::1', '2001:db8:0:0::/64'],
      ['2001:0DB8:0000:0000:ffff::1', '2001:db8:0:0::/64'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
      ['fe80::1%eth0', 'fe80:0:0:0::/64'],
      ['::1', '0:0:0:0::/64'],
    ];
    for (const [address, block] of cases) assert.equal(addressBlock(address), block, address);
    // twin: neighbouring /64s differ
    assert.notEqual(addressBlock('2001:db8:0:1::1'), addressBlock('2001:db8:0:2::1'));
  });
});
