/**
 * The meter of one request, without HTTP: the user scope, which limit applies where, the events
 * the metrics hear, and who a subject counts as.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RateLimitConfig, RateLimitScope } from '../../src/config/ratelimit-types.js';
import { TwitcherError } from '../../src/errors.js';
import type { AccessTokenInfo } from '../../src/oauth/tokens/types.js';
import { ANONYMOUS } from '../../src/policy/subject.js';
import type { RateLimitEvents } from '../../src/ratelimit/events.js';
import { createRateLimits, type RateLimits } from '../../src/ratelimit/rate-limits.js';
import { rateLimitSubject } from '../../src/ratelimit/subject-keys.js';

const rule = (requests: number, per = 60) => ({ requests, per, burst: 0, burstPer: per * 10 });

function config(part: Partial<RateLimitConfig>): RateLimitConfig {
  return { global: {}, services: {}, clients: {}, redis: undefined, redisFailure: 'local', ...part };
}

function recorder(): RateLimitEvents & { limited: string[]; storeErrors: string[] } {
  const limited: string[] = [];
  const storeErrors: string[] = [];
  return {
    limited,
    storeErrors,
    rateLimited: (scope: RateLimitScope, service: string) => limited.push(`${scope} ${service}`),
    rateLimitStoreError: (mode: string) => storeErrors.push(mode),
  };
}

async function refusal(p: Promise<unknown>): Promise<TwitcherError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TwitcherError);
    return err;
  }
  assert.fail('expected a refusal');
}

async function make(part: Partial<RateLimitConfig>, events = recorder()): Promise<RateLimits> {
  const limits = await createRateLimits(config(part), { events, store: 'memory' });
  assert.ok(limits);
  return limits;
}

describe('rate-limit meter', () => {
  test('no limit configured: none is made (nothing on the hot path)', async () => {
    assert.equal(await createRateLimits(config({})), undefined);
    assert.equal(await createRateLimits(config({ services: { emu: { client: null } } })), undefined);
  });

  test('user: one user spends its budget, then 429 and the event; another user, and a request without one, go on', async () => {
    const events = recorder();
    const limits = await make({ global: { user: rule(2) } }, events);
    const alice = { service: 'emu', user: 'user:alice' };
    await limits.meter('10.0.0.1', 'emu').charge(alice);
    await limits.meter('10.0.0.2', 'emu').charge(alice);
    const err = await refusal(limits.meter('10.0.0.3', 'emu').charge(alice));
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.status, 429);
    assert.match(err.description, /from this user/);
    assert.match(err.headers['RateLimit'] ?? '', /^"user";r=0;t=\d+$/);
    assert.deepEqual(events.limited, ['user emu']);
    const bob = limits.meter('10.0.0.1', 'emu');
    await bob.charge({ service: 'emu', user: 'user:bob' });
    assert.match(bob.fields()['RateLimit'] ?? '', /^"user";r=1;/);
    const anonymous = limits.meter('10.0.0.1', 'emu');
    await anonymous.charge({ service: 'emu' });
    assert.deepEqual(anonymous.fields(), {});
  });

  test('address events name the override that refused, or `other` (the service is not looked up yet)', async () => {
    const events = recorder();
    const limits = await make(
      { global: { address: rule(1) }, services: { emu: { address: rule(1) } } },
      events,
    );
    await limits.meter('10.0.0.1', 'emu').admit();
    await refusal(limits.meter('10.0.0.1', 'emu').admit());
    await limits.meter('10.0.0.1', 'no such service').admit();
    await refusal(limits.meter('10.0.0.1', 'no such service').admit());
    assert.deepEqual(events.limited, ['address emu', 'address other']);
  });

  test('a client refused by its own limit spends nothing of the service', async () => {
    const limits = await make({ global: { client: rule(1), service: rule(2) } });
    await limits.meter('a', 'emu').charge({ service: 'emu', clientId: 'c1' });
    await refusal(limits.meter('a', 'emu').charge({ service: 'emu', clientId: 'c1' }));
    await refusal(limits.meter('a', 'emu').charge({ service: 'emu', clientId: 'c1' }));
    await limits.meter('a', 'emu').charge({ service: 'emu', clientId: 'c2' });
    const err = await refusal(limits.meter('a', 'emu').charge({ service: 'emu', clientId: 'c3' }));
    assert.match(err.description, /to this service/);
  });

  test('service names that are object members are plain names', async () => {
    const limits = await make({ global: { service: rule(1) }, services: { emu: { service: null } } });
    await limits.meter('a', '__proto__').charge({ service: '__proto__' });
    await refusal(limits.meter('a', '__proto__').charge({ service: '__proto__' }));
    await limits.meter('a', 'constructor').charge({ service: 'constructor' });
  });
});

describe('who a request counts as', () => {
  const token = (over: Partial<AccessTokenInfo>): AccessTokenInfo => ({
    kind: 'random',
    jti: 'j',
    clientId: 'c1',
    scopes: ['compute'],
    issuedAt: 0,
    expiresAt: 1,
    data: {},
    ...over,
  });
  const cases: {
    name: string;
    got: ReturnType<typeof rateLimitSubject>;
    want: ReturnType<typeof rateLimitSubject>;
  }[] = [
    {
      name: 'anonymous: nobody',
      got: rateLimitSubject(ANONYMOUS),
      want: { clientId: undefined, user: undefined },
    },
    {
      name: 'a client credentials token: its client, no user',
      got: rateLimitSubject({ kind: 'token', token: token({}) }),
      want: { clientId: 'c1', user: undefined },
    },
    {
      name: 'an external token: its client and its subject at its issuer',
      got: rateLimitSubject({
        kind: 'token',
        token: token({ kind: 'external', subject: 'bob', issuer: 'https://idp' }),
      }),
      want: { clientId: 'c1', user: 'external:https://idp bob' },
    },
    {
      name: 'a password: the user',
      got: rateLimitSubject({ kind: 'user', username: 'alice' }),
      want: { clientId: undefined, user: 'user:alice' },
    },
    {
      name: 'an acl principal with a Twitcher user wins over the credential',
      got: rateLimitSubject(
        { kind: 'token', token: token({}) },
        { label: 'client:c1', user: 'carol', groups: [], admin: false, authenticated: true },
      ),
      want: { clientId: 'c1', user: 'user:carol' },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(c.got, c.want));
});
