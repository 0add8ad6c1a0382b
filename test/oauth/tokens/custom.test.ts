import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { TwitcherError } from '../../../src/errors.js';
import { createCustomTokenIssuer, createCustomTokenVerifier } from '../../../src/oauth/tokens/custom.js';
import { TokenConfigError } from '../../../src/oauth/tokens/key-config-error.js';

const ISS = 'https://twitcher.example.org';
const AUD = 'https://twitcher.example.org/ows';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const T0 = Date.UTC(2030, 0, 1);
const request = { clientId: 'client-1', scopes: ['compute', 'register'], lifetime: 600, data: {} };

const revoked = new Set<string>();
const revocations = { isRevoked: async (jti: string) => revoked.has(jti) };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejectsToken(p: Promise<unknown>, description: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, `not a TwitcherError: ${String(err)}`);
    assert.equal(err.code, 'invalid_token');
    assert.match(err.description, description);
    return true;
  });
}

type VerifierOptions = Parameters<typeof createCustomTokenVerifier>[0];
const verifier = (overrides: Partial<VerifierOptions> = {}) =>
  createCustomTokenVerifier({
    secret: SECRET,
    issuer: ISS,
    audience: AUD,
    revocations,
    clock: () => T0,
    ...overrides,
  });
const issue = async (secret: string | Uint8Array = SECRET) =>
  (await createCustomTokenIssuer({ secret, issuer: ISS, audience: AUD, clock: () => T0 }).issue(request))
    .accessToken;

function hs256(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: string | Buffer,
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const goodClaims = () => ({
  iss: ISS,
  aud: AUD,
  sub: 'client-1',
  client_id: 'client-1',
  jti: 'j1',
  iat: T0 / 1000,
  exp: T0 / 1000 + 600,
});

describe('custom tokens', () => {
  test('refused: a secret shorter than 32 bytes (RFC 7518 §3.2)', () => {
    assert.throws(
      () => createCustomTokenIssuer({ secret: 'x'.repeat(31), issuer: ISS, audience: AUD }),
      TokenConfigError,
    );
    assert.throws(() => verifier({ secret: new Uint8Array(31) }), /31 bytes, at least 32/);
    // 32 bytes of UTF-8 (16 two-byte characters) are enough
    assert.ok(createCustomTokenIssuer({ secret: 'é'.repeat(16), issuer: ISS, audience: AUD }));
  });

  test('allowed: HS256, the same claims as signed tokens, scope included', async () => {
    const token = await issue();
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'at+jwt' });
    const claims = decodeJwt(token);
    assert.equal(claims.scope, 'compute register');
    assert.equal(claims['client_id'], 'client-1');
    const info = await verifier().verify(token);
    assert.deepEqual(info, {
      kind: 'custom',
      jti: claims.jti,
      clientId: 'client-1',
      scopes: ['compute', 'register'],
      issuedAt: T0 / 1000,
      expiresAt: T0 / 1000 + 600,
      issuer: ISS,
      data: {},
    });
  });

  test('denied: expired beyond the leeway', async () => {
    const token = await issue();
    assert.ok(await verifier({ clock: () => T0 + 620_000 }).verify(token));
    await rejectsToken(verifier({ clock: () => T0 + 640_000 }).verify(token), /expired/);
  });

  test('denied: not yet valid', async () => {
    const token = hs256({ alg: 'HS256', typ: 'at+jwt' }, { ...goodClaims(), nbf: T0 / 1000 + 60 }, SECRET);
    await rejectsToken(verifier().verify(token), /not yet valid/);
  });

  test('sanity: a hand-made token with good claims verifies (so the denials below are meaningful)', async () => {
    const token = hs256({ alg: 'HS256', typ: 'at+jwt' }, goodClaims(), SECRET);
    assert.equal((await verifier().verify(token))?.jti, 'j1');
  });

  test('denied: wrong audience; another issuer is not its kind', async () => {
    await rejectsToken(verifier({ audience: 'urn:other' }).verify(await issue()), /not meant/);
    assert.equal(await verifier({ issuer: 'https://other' }).verify(await issue()), undefined);
  });

  test('denied: wrong secret', async () => {
    await rejectsToken(verifier().verify(await issue('another-secret-also-32-bytes-long!!')), /signature/);
  });

  test('denied: tampered payload', async () => {
    const [h, , s] = (await issue()).split('.');
    const tampered = `${h}.${b64({ ...goodClaims(), scope: 'admin' })}.${s}`;
    await rejectsToken(verifier().verify(tampered), /signature/);
  });

  test('denied: malformed', async () => {
    await rejectsToken(verifier().verify('x.y.z'), /malformed/);
    const notJson = Buffer.from('not json').toString('base64url');
    await rejectsToken(verifier().verify(`${notJson}.${b64(goodClaims())}.c2ln`), /malformed/);
    // well-formed but of no issuer: not its kind (the chain then refuses it)
    assert.equal(await verifier().verify('e30.e30.e30x'), undefined);
  });

  test('denied: alg none', async () => {
    await rejectsToken(
      verifier().verify(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(goodClaims())}.`),
      /refused/,
    );
  });

  test('denied: an RS256 token, even from the same issuer', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .sign(privateKey);
    await rejectsToken(verifier().verify(token), /refused algorithm/);
  });

  test('denied: HS512 with the right secret (the algorithm is fixed, not taken from the token)', async () => {
    const token = await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: 'HS512', typ: 'at+jwt' })
      .sign(Buffer.from(SECRET.repeat(2)));
    await rejectsToken(verifier({ secret: SECRET.repeat(2) }).verify(token), /refused algorithm/);
  });

  test('denied: no typ header (RFC 9068 §4)', async () => {
    const token = hs256({ alg: 'HS256' }, goodClaims(), SECRET);
    await rejectsToken(verifier().verify(token), /wrong type/);
  });

  test('denied: revoked', async () => {
    const token = await issue();
    revoked.add(decodeJwt(token).jti!);
    await rejectsToken(verifier().verify(token), /revoked/);
  });

  test('denied: oversized; garbage is not its kind', async () => {
    await rejectsToken(verifier().verify('x'.repeat(8193)), /too large/);
    assert.equal(await verifier().verify('garbage'), undefined);
  });
});
