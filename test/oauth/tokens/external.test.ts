import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { TwitcherError } from '../../../src/errors.js';
import {
  createExternalTokenVerifier,
  type ExternalIssuer,
  type ExternalTokenVerifierOptions,
} from '../../../src/oauth/tokens/external.js';
import { claimAt, scopesOf } from '../../../src/oauth/tokens/external-claims.js';

import {
  CLIENT_ID,
  OTHER_RESOURCE,
  type RunningProvider,
  startProvider,
} from '../../helpers/oidc-provider.js';

async function rejectsWith(p: Promise<unknown>, code: 'invalid_token' | 'unavailable', description: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, `not a TwitcherError: ${String(err)}`);
    assert.equal(err.code, code, `${err.code}: ${err.description} (${err.detail})`);
    assert.match(err.description, description);
    return true;
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const revoked = new Set<string>();
const revocations = { isRevoked: async (jti: string) => revoked.has(jti) };

let a: RunningProvider;
let b: RunningProvider;
const running: RunningProvider[] = [];
before(async () => {
  a = await startProvider({ realm_access: { roles: ['wps-user', 'wms-user'] } });
  b = await startProvider();
  running.push(a, b);
});
after(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

const trust = (p: RunningProvider, extra: Partial<ExternalIssuer> = {}): ExternalIssuer => ({
  issuer: p.issuer,
  audience: 'twitcher',
  ...extra,
});
const verifierOf = (issuers: ExternalIssuer[], extra: Partial<ExternalTokenVerifierOptions> = {}) =>
  createExternalTokenVerifier({ issuers, revocations, fetchTimeoutMs: 2000, ...extra });

describe('external tokens (a real OpenID provider)', () => {
  test('allowed: a client-credentials token, through discovery and the JWK Set', async () => {
    const token = await a.token();
    assert.equal(decodeProtectedHeader(token).typ, 'at+jwt');
    const info = await verifierOf([trust(a)]).verify(token);
    assert.ok(info);
    assert.equal(info.kind, 'external');
    assert.equal(info.issuer, a.issuer);
    assert.equal(info.clientId, CLIENT_ID);
    assert.equal(info.subject, CLIENT_ID);
    assert.deepEqual(info.scopes, ['compute', 'register']);
    assert.equal(info.jti, decodeJwt(token).jti);
    assert.equal(info.expiresAt, decodeJwt(token).exp);
    assert.equal(info.claims?.['aud'], 'twitcher');
    assert.deepEqual(info.data, {});
  });

  test('allowed: the granted scopes only; typ required when configured; keys fetched once', async () => {
    const verifier = verifierOf([trust(a, { typ: 'at+jwt' })]);
    const hits = a.jwksHits();
    const info = await verifier.verify(await a.token({ scope: 'compute' }));
    assert.deepEqual(info?.scopes, ['compute']);
    for (let i = 0; i < 5; i++) assert.ok(await verifier.verify(await a.token()));
    assert.equal(a.jwksHits() - hits, 1);
  });

  test('claim mapping: Keycloak realm roles as scopes, the client id from a chosen claim', async () => {
    const token = await a.token();
    const info = await verifierOf([
      trust(a, { scopeClaim: 'realm_access.roles', clientIdClaim: 'client_id' }),
    ]).verify(token);
    assert.deepEqual(info?.scopes, ['wps-user', 'wms-user']);
    assert.equal(info?.clientId, CLIENT_ID);
    assert.deepEqual(claimAt({ 'https://x.org/roles': ['r'] }, 'https://x.org/roles'), ['r']);
    assert.equal(claimAt({ a: { b: 1 } }, 'a.c'), undefined);
    assert.deepEqual(scopesOf('a  b', 'scope'), ['a', 'b']);
    assert.throws(() => scopesOf(3, 'scope'), TwitcherError);
  });

  test('several issuers at once', async () => {
    const verifier = verifierOf([trust(a), trust(b)]);
    assert.equal((await verifier.verify(await a.token()))?.issuer, a.issuer);
    assert.equal((await verifier.verify(await b.token()))?.issuer, b.issuer);
  });

  test('denied: a token of a provider that is not configured (untrusted issuer)', async () => {
    await rejectsWith(verifierOf([trust(a)]).verify(await b.token()), 'invalid_token', /untrusted issuer/);
  });

  test('denied: a token of provider B claiming to be from A (iss rewritten)', async () => {
    const [h, p, s] = (await b.token()).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${b64({ ...claims, iss: a.issuer })}.${s}`;
    await rejectsWith(verifierOf([trust(a)]).verify(forged), 'invalid_token', /unknown key|signature/);
  });

  test('denied: a token for another audience', async () => {
    const token = await a.token({ resource: OTHER_RESOURCE });
    assert.equal(decodeJwt(token).aud, 'another-service');
    await rejectsWith(verifierOf([trust(a)]).verify(token), 'invalid_token', /not meant/);
    assert.ok(await verifierOf([trust(a, { audience: ['twitcher', 'another-service'] })]).verify(token));
  });

  test('denied: expired (our clock past exp + leeway), not yet valid', async () => {
    const token = await a.token();
    const exp = decodeJwt(token).exp!;
    const late = verifierOf([trust(a)], { clock: () => (exp + 31) * 1000 });
    await rejectsWith(late.verify(token), 'invalid_token', /expired/);
    assert.ok(
      await verifierOf([trust(a)], { clock: () => (exp + 29) * 1000 }).verify(token),
      'within leeway',
    );
    const early = verifierOf([trust(a)], { clock: () => Date.now() - 3600_000 });
    await rejectsWith(early.verify(token), 'invalid_token', /issued in the future/);
  });

  test('denied: not yet valid (a provider issuing nbf two minutes ahead)', async () => {
    const c = await startProvider(undefined, 120);
    running.push(c);
    const token = await c.token();
    assert.equal(typeof decodeJwt(token).nbf, 'number');
    await rejectsWith(verifierOf([trust(c)]).verify(token), 'invalid_token', /not yet valid/);
    const later = verifierOf([trust(c)], { clock: () => Date.now() + 120_000 });
    assert.ok(await later.verify(token));
  });

  test('denied: tampered payload', async () => {
    const [h, p, s] = (await a.token({ scope: 'compute' })).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${b64({ ...claims, scope: 'compute register' })}.${s}`;
    await rejectsWith(verifierOf([trust(a)]).verify(tampered), 'invalid_token', /signature/);
  });

  test('denied: alg none, and HS256 keyed with the provider’s public key (RFC 8725 §3.1, §3.2)', async () => {
    const claims = decodeJwt(await a.token());
    const verifier = verifierOf([trust(a)]);
    await rejectsWith(
      verifier.verify(`${b64({ alg: 'none', kid: a.publicJwk.kid })}.${b64(claims)}.`),
      'invalid_token',
      /refused algorithm/,
    );
    for (const secret of [JSON.stringify(a.publicJwk), a.publicJwk.n!]) {
      const input = `${b64({ alg: 'HS256', kid: a.publicJwk.kid, typ: 'at+jwt' })}.${b64(claims)}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      await rejectsWith(verifier.verify(token), 'invalid_token', /refused algorithm/);
    }
  });

  test('denied: an attacker key under an unknown kid; a flood of unknown kids refetches at most once', async () => {
    const verifier = verifierOf([trust(a)]);
    assert.ok(await verifier.verify(await a.token())); // keys cached
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(await a.token());
    const hits = a.jwksHits();
    for (let i = 0; i < 20; i++) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: `attacker-${i}`, typ: 'at+jwt' })
        .sign(privateKey);
      await rejectsWith(verifier.verify(forged), 'invalid_token', /unknown key/);
    }
    assert.ok(a.jwksHits() - hits <= 1, `${a.jwksHits() - hits} refetches`);
  });

  test('denied: revoked', async () => {
    const token = await a.token();
    revoked.add(decodeJwt(token).jti!);
    await rejectsWith(verifierOf([trust(a)]).verify(token), 'invalid_token', /revoked/);
  });

  test('denied: oversized, malformed; not a JWT is not its kind', async () => {
    const verifier = verifierOf([trust(a)]);
    await rejectsWith(verifier.verify(`${'e'.repeat(9000)}.e.e`), 'invalid_token', /too large/);
    await rejectsWith(verifier.verify('bm90.anNvbg.x'), 'invalid_token', /malformed/);
    assert.equal(await verifier.verify('garbage'), undefined);
    assert.equal(await verifier.verify(`tw_${'A'.repeat(43)}`), undefined);
  });

  test('configuration refused: none, HMAC, duplicate issuers, no audience', () => {
    assert.throws(() => verifierOf([trust(a, { algorithms: ['none'] })]), /refused: none/);
    assert.throws(() => verifierOf([trust(a, { algorithms: ['RS256', 'HS256'] })]), /refused: HS256/);
    assert.throws(() => verifierOf([trust(a), trust(a)]), /twice/);
    assert.throws(() => verifierOf([trust(a, { audience: [] })]), /audience/);
    assert.throws(() => verifierOf([trust(a, { issuer: 'not a url' })]), /URL/);
    assert.throws(() => verifierOf([]), TypeError);
  });
});

describe('external tokens: the provider cannot be reached (fails closed)', () => {
  test('denied: the provider stopped before first use → unavailable, never allowed', async () => {
    const c = await startProvider();
    const token = await c.token();
    await c.stop();
    const verifier = verifierOf([trust(c)]);
    await rejectsWith(verifier.verify(token), 'unavailable', /unreachable/);
    // and again at once: failed fast, still denied
    await rejectsWith(verifier.verify(token), 'unavailable', /unreachable/);
  });

  test('denied: a provider that accepts connections and never answers → unavailable within the timeout', {
    timeout: 10_000,
  }, async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const { privateKey } = await generateKeyPair('RS256');
      const token = await new SignJWT({ sub: 'x', aud: 'twitcher', exp: Math.floor(Date.now() / 1000) + 60 })
        .setIssuer(issuer)
        .setProtectedHeader({ alg: 'RS256', kid: 'k' })
        .sign(privateKey);
      // through discovery, then with a configured jwksUri (the JWKS fetch itself hangs)
      for (const jwksUri of [undefined, `${issuer}/jwks`]) {
        const verifier = verifierOf([{ issuer, audience: 'twitcher', ...(jwksUri ? { jwksUri } : {}) }], {
          fetchTimeoutMs: 300,
        });
        await rejectsWith(verifier.verify(token), 'unavailable', /unreachable/);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('denied: discovery announcing another issuer (OIDC Discovery §4.3) → unavailable', async () => {
    const liar = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: a.issuer, jwks_uri: `${a.issuer}/jwks` }));
    });
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
    try {
      const [h, p, s] = (await a.token()).split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const token = `${h}.${b64({ ...claims, iss: issuer })}.${s}`;
      await rejectsWith(
        verifierOf([{ issuer, audience: 'twitcher' }]).verify(token),
        'unavailable',
        /unreachable/,
      );
    } finally {
      liar.closeAllConnections();
      liar.close();
    }
  });

  test('keys cached before the outage still verify; an unknown kid then fails closed', async () => {
    const c = await startProvider();
    const verifier = verifierOf([trust(c)], { jwksCooldownMs: 0 });
    assert.ok(await verifier.verify(await c.token()));
    const token = await c.token();
    await c.stop();
    assert.ok(await verifier.verify(token));
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(token))
      .setProtectedHeader({ alg: 'RS256', kid: 'unknown', typ: 'at+jwt' })
      .sign(privateKey);
    await rejectsWith(verifier.verify(forged), 'unavailable', /unreachable/);
    assert.ok(await verifier.verify(token), 'the known key still verifies during the retry window');
  });
});
