import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, SignJWT } from 'jose';
import { TwitcherError } from '../../../src/errors.js';
import { createCustomTokenIssuer, createCustomTokenVerifier } from '../../../src/oauth/tokens/custom.js';
import { createRandomTokenIssuer, createRandomTokenVerifier } from '../../../src/oauth/tokens/random.js';
import { createSignedTokenIssuer, createSignedTokenVerifier } from '../../../src/oauth/tokens/signed.js';
import { generateSigningKey, type SigningKey } from '../../../src/oauth/tokens/signing-key.js';
import type {
  AccessTokenInfo,
  RandomTokenRecord,
  TokenIssuer,
  TokenVerifier,
} from '../../../src/oauth/tokens/types.js';
import { createTokenVerifierChain } from '../../../src/oauth/tokens/verifier-chain.js';

const root = mkdtempSync(join(tmpdir(), 'twitcher-chain-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ISS = 'https://twitcher.example.org';
const AUD = 'https://twitcher.example.org/ows';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const request = { clientId: 'client-1', scopes: ['compute'], lifetime: 600, data: {} };
const revocations = { isRevoked: async () => false };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A verifier that records the tokens it was asked about. */
function spy(verifier: TokenVerifier): TokenVerifier & { calls: string[] } {
  const calls: string[] = [];
  return {
    kind: verifier.kind,
    issuer: verifier.issuer,
    prefix: verifier.prefix,
    calls,
    verify(token) {
      calls.push(token);
      return verifier.verify(token);
    },
  };
}

/** Stands for the external verifier: accepts the JWTs of one other issuer. */
function fakeExternal(issuer: string): TokenVerifier {
  return {
    kind: 'external',
    async verify(token): Promise<AccessTokenInfo | undefined> {
      if (decodeJwt(token).iss !== issuer)
        throw new TwitcherError('invalid_token', { description: 'untrusted' });
      return { kind: 'external', jti: 'x', clientId: 'c', scopes: [], issuedAt: 0, expiresAt: 0, data: {} };
    },
  };
}

async function rejectsToken(p: Promise<unknown>, description: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, `not a TwitcherError: ${String(err)}`);
    assert.equal(err.code, 'invalid_token');
    assert.match(err.description, description);
    return true;
  });
}

let key: SigningKey;
const records: RandomTokenRecord[] = [];
const store = {
  insert: async (r: RandomTokenRecord) => void records.push(r),
  findByHash: async (h: string) => records.find((r) => r.tokenHash === h),
};
let issuers: Record<'random' | 'signed' | 'custom', TokenIssuer>;
let verifiers: {
  random: ReturnType<typeof spy>;
  signed: ReturnType<typeof spy>;
  custom: ReturnType<typeof spy>;
};
let external: ReturnType<typeof spy>;

before(async () => {
  key = await generateSigningKey(join(root, 'key'));
  issuers = {
    random: createRandomTokenIssuer(store),
    signed: createSignedTokenIssuer({ key, issuer: ISS, audience: AUD }),
    custom: createCustomTokenIssuer({ secret: SECRET, issuer: ISS, audience: AUD }),
  };
  verifiers = {
    random: spy(createRandomTokenVerifier(store, revocations)),
    signed: spy(createSignedTokenVerifier({ keys: [key], issuer: ISS, audience: AUD, revocations })),
    custom: spy(createCustomTokenVerifier({ secret: SECRET, issuer: ISS, audience: AUD, revocations })),
  };
  external = spy(fakeExternal('https://idp.example.org'));
});

const resetCalls = () => {
  for (const v of [...Object.values(verifiers), external]) v.calls.length = 0;
};
const fullChain = () =>
  createTokenVerifierChain([verifiers.random, verifiers.signed, verifiers.custom, external]);

describe('verifier chain', () => {
  test('allowed: each kind reaches its own verifier, and only it', async () => {
    const verify = fullChain();
    for (const kind of ['random', 'signed', 'custom'] as const) {
      resetCalls();
      const { accessToken } = await issuers[kind].issue(request);
      assert.equal((await verify(accessToken)).kind, kind);
      for (const other of ['random', 'signed', 'custom'] as const) {
        assert.equal(verifiers[other].calls.length, other === kind ? 1 : 0, `${kind} token sent to ${other}`);
      }
      assert.equal(external.calls.length, 0);
    }
  });

  test('allowed: a JWT of another issuer goes to the external verifiers only', async () => {
    resetCalls();
    const token = `${b64({ alg: 'RS256' })}.${b64({ iss: 'https://idp.example.org' })}.c2ln`;
    assert.equal((await fullChain()(token)).kind, 'external');
    assert.equal(verifiers.signed.calls.length + verifiers.custom.calls.length, 0);
  });

  test('denied: oversized, before any verifier is asked', async () => {
    resetCalls();
    await rejectsToken(fullChain()(`tw_${'A'.repeat(8200)}`), /too large/);
    await rejectsToken(fullChain()(`${'a'.repeat(8200)}.b.c`), /too large/);
    const calls = [...Object.values(verifiers), external].reduce((n, v) => n + v.calls.length, 0);
    assert.equal(calls, 0);
  });

  test('denied: garbage, an empty token, an unknown prefix, a JWE', async () => {
    for (const token of ['garbage', '', 'gh_abcdef', 'a.b.c.d.e']) {
      await rejectsToken(fullChain()(token), /not valid/);
    }
  });

  test('denied: a JWT of no configured issuer when no external verifier is configured', async () => {
    const verify = createTokenVerifierChain([verifiers.signed, verifiers.custom]);
    const other = await createSignedTokenIssuer({ key, issuer: 'https://other', audience: AUD }).issue(
      request,
    );
    await rejectsToken(verify(other.accessToken), /not valid/);
  });

  test('denied: malformed JWT', async () => {
    await rejectsToken(fullChain()('bm90.anNvbg.x'), /malformed/);
  });

  test('denied: alg none and HS256-with-the-public-key under our own issuer', async () => {
    const claims = decodeJwt((await issuers.signed.issue(request)).accessToken);
    await rejectsToken(
      fullChain()(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`),
      /refused algorithm/,
    );
    const input = `${b64({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })}.${b64(claims)}`;
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' });
    const forged = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    // routed to the custom verifier (HMAC header), which has its own secret: refused
    await rejectsToken(fullChain()(forged), /signature is invalid/);
    // without a custom verifier the signed one refuses the algorithm
    await rejectsToken(createTokenVerifierChain([verifiers.signed])(forged), /refused algorithm/);
  });

  test('denied: a custom token when only signed tokens are configured, and the reverse', async () => {
    const custom = (await issuers.custom.issue(request)).accessToken;
    const signed = (await issuers.signed.issue(request)).accessToken;
    await rejectsToken(createTokenVerifierChain([verifiers.signed])(custom), /refused algorithm/);
    await rejectsToken(createTokenVerifierChain([verifiers.custom])(signed), /refused algorithm/);
  });

  test('denied: a random token with no random verifier; a JWT to a random-only chain', async () => {
    const random = (await issuers.random.issue(request)).accessToken;
    await rejectsToken(createTokenVerifierChain([verifiers.signed, external])(random), /not valid/);
    const signed = (await issuers.signed.issue(request)).accessToken;
    await rejectsToken(createTokenVerifierChain([verifiers.random])(signed), /not valid/);
  });

  test('denied: a JWT forged with an attacker key claiming our issuer never reaches the external verifier', async () => {
    resetCalls();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT(decodeJwt((await issuers.signed.issue(request)).accessToken))
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
      .sign(privateKey);
    await rejectsToken(fullChain()(forged), /signature is invalid/);
    assert.equal(external.calls.length, 0);
  });
});
