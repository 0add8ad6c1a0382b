import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { TwitcherError } from '../../../src/errors.js';
import { createSignedTokenIssuer, createSignedTokenVerifier } from '../../../src/oauth/tokens/signed.js';
import { generateSigningKey, type SigningKey } from '../../../src/oauth/tokens/signing-key.js';
import type { TokenVerifier } from '../../../src/oauth/tokens/types.js';

const root = mkdtempSync(join(tmpdir(), 'twitcher-signed-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ISS = 'https://twitcher.example.org';
const AUD = 'https://twitcher.example.org/ows';
const T0 = Date.UTC(2030, 0, 1);
const request = { clientId: 'client-1', scopes: ['compute'], lifetime: 600, data: { org: 'ouranos' } };

const revoked = new Set<string>();
const revocations = { isRevoked: async (jti: string) => revoked.has(jti) };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const segments = (token: string) => token.split('.') as [string, string, string];

async function rejectsToken(p: Promise<unknown>, description: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, `not a TwitcherError: ${String(err)}`);
    assert.equal(err.code, 'invalid_token');
    assert.match(err.description, description);
    return true;
  });
}

let rsa: SigningKey;
let ec: SigningKey;
let other: SigningKey;
before(async () => {
  [rsa, ec, other] = await Promise.all([
    generateSigningKey(join(root, 'rsa')),
    generateSigningKey(join(root, 'ec'), { algorithm: 'ES256' }),
    generateSigningKey(join(root, 'other')),
  ]);
});

function verifierFor(
  keys: SigningKey[],
  overrides: Partial<Parameters<typeof createSignedTokenVerifier>[0]> = {},
) {
  return createSignedTokenVerifier({
    keys,
    issuer: ISS,
    audience: AUD,
    revocations,
    clock: () => T0,
    ...overrides,
  });
}

async function issue(key: SigningKey, at = T0) {
  return (await createSignedTokenIssuer({ key, issuer: ISS, audience: AUD, clock: () => at }).issue(request))
    .accessToken;
}

/** A token with the real key and chosen claims/header (for the cases the issuer never produces). */
function craft(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const base = { iss: ISS, aud: AUD, sub: 'client-1', client_id: 'client-1', jti: 'j1', iat: T0 / 1000 };
  return new SignJWT({ ...base, exp: T0 / 1000 + 600, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

describe('signed tokens', () => {
  test('allowed: RFC 9068 header and claims, RS256', async () => {
    const token = await issue(rsa);
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' });
    const claims = decodeJwt(token);
    assert.deepEqual(Object.keys(claims).sort(), [
      'aud',
      'client_id',
      'data',
      'exp',
      'iat',
      'iss',
      'jti',
      'scope',
      'sub',
    ]);
    assert.equal(claims.scope, 'compute');
    const info = await verifierFor([rsa]).verify(token);
    assert.deepEqual(info, {
      kind: 'signed',
      jti: claims.jti,
      clientId: 'client-1',
      scopes: ['compute'],
      issuedAt: T0 / 1000,
      expiresAt: T0 / 1000 + 600,
      issuer: ISS,
      data: { org: 'ouranos' },
    });
  });

  test('allowed: ES256; no data claim when there is no data', async () => {
    const issuer = createSignedTokenIssuer({ key: ec, issuer: ISS, audience: AUD, clock: () => T0 });
    const { accessToken } = await issuer.issue({ ...request, data: {}, scopes: [] });
    assert.equal(decodeProtectedHeader(accessToken).alg, 'ES256');
    assert.equal('data' in decodeJwt(accessToken), false);
    assert.equal('scope' in decodeJwt(accessToken), false);
    const info = await verifierFor([ec]).verify(accessToken);
    assert.deepEqual(info?.scopes, []);
    assert.deepEqual(info?.data, {});
  });

  test('rotation: the previous key still verifies, only the current one signs', async () => {
    const old = await issue(other);
    const verifier = verifierFor([rsa, other]);
    assert.equal((await verifier.verify(old))?.clientId, 'client-1');
    const fresh = await issue(rsa);
    assert.equal(decodeProtectedHeader(fresh).kid, rsa.kid);
    assert.ok(await verifier.verify(fresh));
    await rejectsToken(verifierFor([rsa]).verify(old), /unknown key/);
  });

  test('verification reads no file: works after the key files are gone', async () => {
    const key = await generateSigningKey(join(root, 'gone'));
    const verifier = verifierFor([key]);
    rmSync(join(root, 'gone'), { recursive: true });
    assert.ok(await verifier.verify(await issue(key)));
  });

  test('denied: expired, beyond the 30 s leeway only', async () => {
    const token = await issue(rsa);
    assert.ok(await verifierFor([rsa], { clock: () => T0 + 600_000 + 29_000 }).verify(token));
    await rejectsToken(verifierFor([rsa], { clock: () => T0 + 600_000 + 31_000 }).verify(token), /expired/);
    await rejectsToken(
      verifierFor([rsa], { clock: () => T0 + 600_000, clockTolerance: 0 }).verify(token),
      /expired/,
    );
  });

  test('denied: not yet valid (nbf beyond the leeway)', async () => {
    const token = await craft(rsa, { nbf: T0 / 1000 + 120 });
    await rejectsToken(verifierFor([rsa]).verify(token), /not yet valid/);
    assert.ok(await verifierFor([rsa], { clock: () => T0 + 100_000 }).verify(token));
  });

  test('denied: wrong audience', async () => {
    await rejectsToken(
      verifierFor([rsa], { audience: 'https://elsewhere' }).verify(await issue(rsa)),
      /not meant/,
    );
  });

  test('not its kind: another issuer (left to the next verifier)', async () => {
    assert.equal(
      await verifierFor([rsa], { issuer: 'https://other.example' }).verify(await issue(rsa)),
      undefined,
    );
  });

  test('denied: signed by another key (under the real kid, and under its own)', async () => {
    const forged = await new SignJWT(decodeJwt(await issue(rsa)))
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' })
      .sign(other.privateKey);
    await rejectsToken(verifierFor([rsa]).verify(forged), /signature is invalid/);
    await rejectsToken(verifierFor([rsa]).verify(await issue(other)), /unknown key/);
  });

  test('denied: tampered payload', async () => {
    const [h, p, s] = segments(await issue(rsa));
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${b64({ ...claims, scope: 'compute register' })}.${s}`;
    await rejectsToken(verifierFor([rsa]).verify(tampered), /signature is invalid/);
  });

  test('denied: malformed', async () => {
    const verifier = verifierFor([rsa]);
    await rejectsToken(verifier.verify('aaa.bbb.ccc'), /malformed/);
    const [h, , s] = segments(await issue(rsa));
    await rejectsToken(verifier.verify(`${h}.${Buffer.from('[1]').toString('base64url')}.${s}`), /malformed/);
  });

  test('denied: alg none (RFC 8725 §3.1)', async () => {
    const claims = decodeJwt(await issue(rsa));
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64({ alg, kid: rsa.kid, typ: 'at+jwt' })}.${b64(claims)}.`;
      await rejectsToken(verifierFor([rsa]).verify(token), /refused algorithm/);
    }
  });

  test('denied: HS256 keyed with the RSA public key (RFC 8725 §3.2)', async () => {
    const claims = decodeJwt(await issue(rsa));
    const publicForms = [
      rsa.publicKey.export({ type: 'spki', format: 'pem' }),
      rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }),
      rsa.publicKey.export({ type: 'spki', format: 'der' }),
      JSON.stringify(rsa.jwk),
    ];
    for (const secret of publicForms) {
      const input = `${b64({ alg: 'HS256', kid: rsa.kid, typ: 'at+jwt' })}.${b64(claims)}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      await rejectsToken(verifierFor([rsa]).verify(token), /refused algorithm/);
    }
  });

  test('denied: a key’s kid with another algorithm (RS256 kid, ES256 header)', async () => {
    const token = await craft(rsa, {}, { alg: 'RS256' });
    const [, p, s] = segments(token);
    const switched = `${b64({ alg: 'ES256', kid: rsa.kid, typ: 'at+jwt' })}.${p}.${s}`;
    await rejectsToken(verifierFor([rsa, ec]).verify(switched), /refused algorithm/);
  });

  test('denied: unknown kid, no kid', async () => {
    await rejectsToken(verifierFor([rsa]).verify(await craft(rsa, {}, { kid: 'nope' })), /unknown key/);
    const noKid = await new SignJWT(decodeJwt(await issue(rsa)))
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .sign(rsa.privateKey);
    await rejectsToken(verifierFor([rsa]).verify(noKid), /unknown key/);
  });

  test('denied: wrong typ (an ID token or a plain JWT is not an access token, RFC 9068 §4)', async () => {
    await rejectsToken(verifierFor([rsa]).verify(await craft(rsa, {}, { typ: 'JWT' })), /wrong type/);
  });

  test('denied: missing jti, client_id not the subject', async () => {
    await rejectsToken(verifierFor([rsa]).verify(await craft(rsa, { jti: undefined })), /"jti"/);
    await rejectsToken(verifierFor([rsa]).verify(await craft(rsa, { client_id: 'evil' })), /malformed/);
    await rejectsToken(verifierFor([rsa]).verify(await craft(rsa, { data: { a: 1 } })), /malformed/);
  });

  test('denied: revoked', async () => {
    const token = await issue(rsa);
    const jti = decodeJwt(token).jti!;
    revoked.add(jti);
    await rejectsToken(verifierFor([rsa]).verify(token), /revoked/);
  });

  test('denied: oversized, without parsing', async () => {
    await rejectsToken(verifierFor([rsa]).verify(`${'a'.repeat(9000)}.b.c`), /too large/);
  });

  test('not its kind: garbage and random tokens', async () => {
    const verifier: TokenVerifier = verifierFor([rsa]);
    assert.equal(await verifier.verify('garbage'), undefined);
    assert.equal(await verifier.verify(`tw_${'A'.repeat(43)}`), undefined);
  });

  test('configuration: no key refused', () => {
    assert.throws(() => verifierFor([]), TypeError);
  });
});
