import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { TwitcherError } from '../../../src/errors.js';
import {
  createRandomTokenIssuer,
  createRandomTokenVerifier,
  hashRandomToken,
  RANDOM_TOKEN_PREFIX,
} from '../../../src/oauth/tokens/random.js';
import type { RandomTokenRecord, RandomTokenStore } from '../../../src/oauth/tokens/types.js';

class MemoryStore implements RandomTokenStore {
  readonly records: RandomTokenRecord[] = [];
  async insert(record: RandomTokenRecord) {
    this.records.push(structuredClone(record));
  }
  async findByHash(tokenHash: string) {
    return this.records.find((r) => r.tokenHash === tokenHash);
  }
}

const revoked = new Set<string>();
const revocations = { isRevoked: async (jti: string) => revoked.has(jti) };

async function rejectsToken(p: Promise<unknown>, description: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, `not a TwitcherError: ${String(err)}`);
    assert.equal(err.code, 'invalid_token');
    assert.match(err.description, description);
    return true;
  });
}

const T0 = Date.UTC(2030, 0, 1);
const request = {
  clientId: 'client-1',
  scopes: ['compute', 'register'],
  lifetime: 3600,
  data: { group: 'x' },
};

async function setup() {
  const store = new MemoryStore();
  let now = T0;
  const clock = () => now;
  const issuer = createRandomTokenIssuer(store, clock);
  const verifier = createRandomTokenVerifier(store, revocations, clock);
  const issued = await issuer.issue(request);
  return { store, issuer, verifier, issued, advance: (ms: number) => (now += ms) };
}

describe('random tokens', () => {
  test('allowed: a fresh token verifies with its client, scopes, data and times', async () => {
    const { verifier, issued } = await setup();
    assert.match(issued.accessToken, /^tw_[A-Za-z0-9_-]{43}$/);
    assert.equal(issued.expiresIn, 3600);
    const info = await verifier.verify(issued.accessToken);
    assert.deepEqual(info, {
      kind: 'random',
      jti: issued.jti,
      clientId: 'client-1',
      scopes: ['compute', 'register'],
      issuedAt: T0 / 1000,
      expiresAt: T0 / 1000 + 3600,
      data: { group: 'x' },
    });
  });

  test('only the base64url SHA-256 of the token is stored, never the token', async () => {
    const { store, issued } = await setup();
    assert.equal(store.records.length, 1);
    const record = store.records[0]!;
    const expected = createHash('sha256').update(issued.accessToken).digest('base64url');
    assert.equal(record.tokenHash, expected);
    assert.equal(hashRandomToken(issued.accessToken), expected);
    assert.ok(!JSON.stringify(record).includes(issued.accessToken.slice(RANDOM_TOKEN_PREFIX.length)));
    assert.notEqual(record.jti, issued.accessToken);
  });

  test('two tokens differ, and so do their jti', async () => {
    const { issuer, issued } = await setup();
    const other = await issuer.issue(request);
    assert.notEqual(other.accessToken, issued.accessToken);
    assert.notEqual(other.jti, issued.jti);
  });

  test('denied: expired (from expiresAt on)', async () => {
    const { verifier, issued, advance } = await setup();
    advance(3599_000);
    assert.ok(await verifier.verify(issued.accessToken));
    advance(1000);
    await rejectsToken(verifier.verify(issued.accessToken), /^The access token expired\.$/);
  });

  test('denied: unknown (well formed, never issued)', async () => {
    const { verifier } = await setup();
    await rejectsToken(verifier.verify(`tw_${'A'.repeat(43)}`), /not valid/);
  });

  test('denied: tampered (one character changed)', async () => {
    const { verifier, issued } = await setup();
    const last = issued.accessToken.at(-1) === 'A' ? 'B' : 'A';
    await rejectsToken(verifier.verify(issued.accessToken.slice(0, -1) + last), /not valid/);
  });

  test('denied: revoked', async () => {
    const { verifier, issued } = await setup();
    revoked.add(issued.jti);
    await rejectsToken(verifier.verify(issued.accessToken), /revoked/);
  });

  test('denied: malformed after the prefix (no lookup made)', async () => {
    const store = new MemoryStore();
    let lookups = 0;
    store.findByHash = async () => {
      lookups++;
      return undefined;
    };
    const verifier = createRandomTokenVerifier(store, revocations);
    await rejectsToken(verifier.verify('tw_short'), /malformed/);
    await rejectsToken(verifier.verify(`tw_${'A'.repeat(42)}!`), /malformed/);
    await rejectsToken(verifier.verify(`tw_${'A'.repeat(44)}`), /malformed/);
    assert.equal(lookups, 0);
  });

  test('denied: oversized', async () => {
    const { verifier } = await setup();
    await rejectsToken(verifier.verify(`tw_${'A'.repeat(9000)}`), /too large/);
  });

  test('not its kind: garbage and JWTs are left to other verifiers', async () => {
    const { verifier } = await setup();
    assert.equal(await verifier.verify('garbage'), undefined);
    assert.equal(await verifier.verify('eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.'), undefined);
    assert.equal(await verifier.verify(''), undefined);
  });

  test('bad issue requests are refused', async () => {
    const { issuer } = await setup();
    await assert.rejects(issuer.issue({ ...request, lifetime: 0 }), TypeError);
    await assert.rejects(issuer.issue({ ...request, scopes: ['a b'] }), TypeError);
  });
});
