/** The credentials of a proxied request, as plain values: where a token may be, what a bad one is. */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { hashPassword } from '../../src/auth/password.js';
import { loadConfig } from '../../src/config/load.js';
import { isTwitcherError, TwitcherError } from '../../src/errors.js';
import type { AccessTokenInfo } from '../../src/oauth/tokens/types.js';
import { type CredentialRequest, createCredentials } from '../../src/proxy/credentials.js';
import { openStore } from '../../src/store/open-store.js';

const GOOD: AccessTokenInfo = {
  kind: 'random',
  jti: 'j',
  clientId: 'c',
  scopes: ['compute'],
  issuedAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  data: {},
};

async function verifyAccessToken(token: string): Promise<AccessTokenInfo> {
  if (token === 'good') return GOOD;
  throw new TwitcherError('invalid_token', { description: 'The access token is not valid.' });
}

function request(headers: Record<string, string> = {}): CredentialRequest {
  return { headers, ip: '127.0.0.1', socket: new Socket(), log: { info() {}, warn() {} } };
}

async function credentials(t: TestContext, basicAuth = false) {
  const config = loadConfig({
    env: {},
    overrides: {
      'database.url': 'sqlite::memory:',
      'admin.password': 'x'.repeat(16),
      'authz.basicAuth': basicAuth,
    },
  });
  const store = await openStore('sqlite::memory:');
  t.after(() => store.close());
  await store.users.create({
    username: 'alice',
    passwordHash: await hashPassword('alice-password'),
    isAdmin: false,
  });
  return createCredentials({ config, verifyAccessToken, users: store.users });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    if (isTwitcherError(err)) return `${err.status} ${err.code}`;
    throw err;
  }
}

describe('credentials: the bearer token', () => {
  it('is read from the header, the query or the form, and validated', async (t) => {
    const c = await credentials(t);
    assert.equal(await c.token(request({ authorization: 'Bearer good' }), { query: '' }), GOOD);
    assert.equal(await c.token(request(), { query: 'access_token=good' }), GOOD);
    assert.equal(await c.token(request(), { query: '', form: 'access_token=good' }), GOOD);
    assert.equal(await c.token(request(), { query: 'service=WPS' }), undefined);
  });
  it('a bad token is 401 invalid_token with its challenge, never anonymous', async (t) => {
    const c = await credentials(t);
    try {
      await c.token(request({ authorization: 'Bearer bad' }), { query: '' });
      assert.fail('a bad token was taken');
    } catch (err) {
      assert.ok(isTwitcherError(err));
      assert.equal(err.code, 'invalid_token');
      assert.match(err.headers['WWW-Authenticate'] ?? '', /^Bearer realm="twitcher", error="invalid_token"/);
    }
    assert.equal(
      await code(c.presented(request({ authorization: 'Bearer bad' }), { query: '' })),
      '401 invalid_token',
    );
  });
  it('a token sent two ways is 400 invalid_request', async (t) => {
    const c = await credentials(t);
    assert.equal(
      await code(c.token(request({ authorization: 'Bearer good' }), { query: 'access_token=good' })),
      '400 invalid_request',
    );
  });
});

describe('credentials: what an acl service is presented', () => {
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  it('nothing is anonymous; a token is a token', async (t) => {
    const c = await credentials(t, true);
    assert.deepEqual(await c.presented(request(), { query: '' }), { kind: 'anonymous' });
    const s = await c.presented(request({ authorization: 'Bearer good' }), { query: '' });
    assert.equal(s.kind, 'token');
  });
  it('HTTP Basic with authz.basicAuth: the right password is the user, a wrong one 401', async (t) => {
    const c = await credentials(t, true);
    assert.match(c.aclChallenge, /Basic realm="twitcher"/);
    assert.deepEqual(
      await c.presented(request({ authorization: basic('alice', 'alice-password') }), { query: '' }),
      {
        kind: 'user',
        username: 'alice',
      },
    );
    assert.equal(
      await code(c.presented(request({ authorization: basic('alice', 'wrong') }), { query: '' })),
      '401 invalid_credentials',
    );
  });
  it('without authz.basicAuth a Basic header is no credential (anonymous), and the challenge offers none', async (t) => {
    const c = await credentials(t, false);
    assert.doesNotMatch(c.aclChallenge, /Basic/);
    assert.deepEqual(
      await c.presented(request({ authorization: basic('alice', 'alice-password') }), { query: '' }),
      {
        kind: 'anonymous',
      },
    );
  });
  it('no client certificate configured: none is ever taken', async (t) => {
    const c = await credentials(t);
    assert.equal(c.certificate(request({ 'x-ssl-client-cert': 'anything' })), undefined);
  });
});
