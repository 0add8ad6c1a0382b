import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { attenuateMacaroon } from '../../../src/client/macaroon-attenuate.js';
import { addFirstPartyCaveat } from '../../../src/client/macaroon-chain.js';
import { decodeMacaroon, encodeMacaroon } from '../../../src/client/macaroon-codec.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { TwitcherError } from '../../../src/errors.js';
import { createTokenService } from '../../../src/oauth/token-service.js';
import { TokenConfigError } from '../../../src/oauth/tokens/key-config-error.js';
import {
  createMacaroonTokenIssuer,
  createMacaroonTokenVerifier,
} from '../../../src/oauth/tokens/macaroon.js';
import {
  createMacaroonKeyRing,
  GENERATED_MACAROON_KEY_FILE,
  generateMacaroonKey,
} from '../../../src/oauth/tokens/macaroon-keys.js';
import { createRandomTokenIssuer, createRandomTokenVerifier } from '../../../src/oauth/tokens/random.js';
import type { RandomTokenRecord, TokenVerifier } from '../../../src/oauth/tokens/types.js';
import { createTokenVerifierChain } from '../../../src/oauth/tokens/verifier-chain.js';
import { openStore } from '../../../src/store/open-store.js';

const root = mkdtempSync(join(tmpdir(), 'twitcher-macaroon-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LOCATION = 'https://twitcher.example.org';
const OLD = { id: 'k2024', secret: 'the-old-root-key-of-at-least-32-characters' };
const NEW = { id: 'k2025', secret: 'the-new-root-key-of-at-least-32-characters' };
const T0 = Date.parse('2030-01-01T00:00:00Z');
const request = { clientId: 'client-1', scopes: ['compute'], lifetime: 3600, data: { project: 'cmip6' } };

function setup(options: { keys?: (typeof OLD)[]; now?: () => number; revoked?: Set<string> } = {}) {
  const keys = createMacaroonKeyRing(options.keys ?? [NEW, OLD]);
  const clock = options.now ?? (() => T0);
  const revoked = options.revoked ?? new Set<string>();
  const revocations = { isRevoked: async (jti: string) => revoked.has(jti) };
  return {
    issuer: createMacaroonTokenIssuer({ keys, location: LOCATION, clock }),
    verifier: createMacaroonTokenVerifier({ keys, location: LOCATION, clock, revocations }),
    revoked,
  };
}

async function refused(p: Promise<unknown>, description: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, `not a TwitcherError: ${String(err)}`);
    assert.equal(err.code, 'invalid_token');
    assert.match(err.description, description);
    return true;
  });
}

/** Adds caveats without the client library's checks (a holder may write anything). */
const narrow = (token: string, ...predicates: string[]) => {
  let m = decodeMacaroon(token);
  for (const p of predicates) m = addFirstPartyCaveat(m, p);
  return encodeMacaroon(m);
};

describe('macaroon tokens', () => {
  test('issued: v2 base64url, location, client/scope/time caveats; verified with no store', async () => {
    const { issuer, verifier } = setup();
    const issued = await issuer.issue(request);
    assert.equal(issued.expiresIn, 3600);
    assert.match(issued.accessToken, /^Ag[A-Za-z0-9_-]+$/);
    const m = decodeMacaroon(issued.accessToken);
    assert.equal(m.location, LOCATION);
    assert.deepEqual(JSON.parse(m.identifier.toString()), {
      v: 1,
      kid: 'k2025',
      jti: issued.jti,
      iat: T0 / 1000,
      exp: T0 / 1000 + 3600,
      data: { project: 'cmip6' },
    });
    assert.deepEqual(
      m.caveats.map((c) => c.id.toString()),
      ['client = client-1', 'scope = compute', 'time < 2030-01-01T01:00:00.000Z'],
    );
    const info = await verifier.verify(issued.accessToken);
    assert.deepEqual(info, {
      kind: 'macaroon',
      jti: issued.jti,
      clientId: 'client-1',
      scopes: ['compute'],
      issuedAt: T0 / 1000,
      expiresAt: T0 / 1000 + 3600,
      revocableUntil: T0 / 1000 + 3600,
      issuer: LOCATION,
      data: { project: 'cmip6' },
      restrictions: [{ kind: 'time', text: 'time < 2030-01-01T01:00:00.000Z', before: T0 + 3_600_000 }],
    });
  });

  test('narrowed: the restrictions come back, the expiry is the earliest, revocation lasts for the root', async () => {
    const { issuer, verifier } = setup();
    const { accessToken } = await issuer.issue(request);
    const narrowed = attenuateMacaroon(
      accessToken,
      { service: 'emu', process: 'subset', expiresIn: 600 },
      { now: new Date(T0) },
    );
    const info = await verifier.verify(narrowed);
    assert.equal(info?.expiresAt, T0 / 1000 + 600);
    assert.equal(info?.revocableUntil, T0 / 1000 + 3600);
    assert.deepEqual(
      info?.restrictions?.map((r) => r.text),
      ['time < 2030-01-01T01:00:00.000Z', 'service = emu', 'process = subset', 'time < 2030-01-01T00:10:00Z'],
    );
  });

  test('narrowing the scope: an intersection; adding a scope never widens', async () => {
    const { issuer, verifier } = setup();
    const both = (await issuer.issue({ ...request, scopes: ['compute', 'register'] })).accessToken;
    assert.deepEqual((await verifier.verify(narrow(both, 'scope = compute')))?.scopes, ['compute']);
    const one = (await issuer.issue(request)).accessToken;
    assert.deepEqual((await verifier.verify(narrow(one, 'scope = compute register')))?.scopes, ['compute']);
    assert.deepEqual((await verifier.verify(narrow(one, 'scope = register')))?.scopes, []);
    const none = (await issuer.issue({ ...request, scopes: [] })).accessToken;
    assert.deepEqual((await verifier.verify(narrow(none, 'scope = compute')))?.scopes, []);
  });

  test('rotation: a macaroon of the previous key is accepted while that key is listed', async () => {
    const before = setup({ keys: [OLD] });
    const { accessToken } = await before.issuer.issue(request);
    assert.equal((await setup({ keys: [NEW, OLD] }).verifier.verify(accessToken))?.clientId, 'client-1');
  });

  test('denied: a retired root key, an unknown key id', async () => {
    const { accessToken } = await setup({ keys: [OLD] }).issuer.issue(request);
    await refused(setup({ keys: [NEW] }).verifier.verify(accessToken), /unknown or retired root key/);
  });

  test('denied: a tampered signature, a removed caveat, a changed identifier', async () => {
    const { issuer, verifier } = setup();
    const { accessToken } = await issuer.issue(request);
    const m = decodeMacaroon(accessToken);
    const flipped = Buffer.from(m.signature);
    flipped[0] = flipped[0]! ^ 1;
    await refused(verifier.verify(encodeMacaroon({ ...m, signature: flipped })), /signature is not valid/);
    await refused(verifier.verify(encodeMacaroon({ ...m, caveats: m.caveats.slice(1) })), /signature/);
    const wider = JSON.parse(m.identifier.toString());
    wider.data = { project: 'everything' };
    await refused(
      verifier.verify(encodeMacaroon({ ...m, identifier: Buffer.from(JSON.stringify(wider)) })),
      /signature/,
    );
    // a caveat added with a made-up signature
    const forged = { ...m, caveats: [...m.caveats, { id: Buffer.from('service = emu') }] };
    await refused(verifier.verify(encodeMacaroon(forged)), /signature/);
  });

  test('denied: expired (by Twitcher’s caveat or a narrower one), issued in the future', async () => {
    let now = T0;
    const { issuer, verifier } = setup({ now: () => now });
    const { accessToken } = await issuer.issue(request);
    const short = attenuateMacaroon(accessToken, { expiresIn: 60 }, { now: new Date(T0) });
    now = T0 + 60_000;
    await refused(verifier.verify(short), /expired/);
    assert.ok(await verifier.verify(accessToken));
    now = T0 + 3_600_000;
    await refused(verifier.verify(accessToken), /expired/);
    now = T0 - 3_600_000;
    await refused(verifier.verify(accessToken), /issued in the future/);
  });

  test('denied: revoked jti — the token and every macaroon narrowed from it', async () => {
    const { issuer, verifier, revoked } = setup();
    const issued = await issuer.issue(request);
    const narrowed = narrow(issued.accessToken, 'process = subset');
    revoked.add(issued.jti);
    await refused(verifier.verify(issued.accessToken), /revoked/);
    await refused(verifier.verify(narrowed), /revoked/);
  });

  test('denied: unknown caveats, unparsable values, contradictory clients, third-party caveats, another location', async () => {
    const { issuer, verifier } = setup();
    const { accessToken } = await issuer.issue(request);
    await refused(
      verifier.verify(narrow(accessToken, 'account = 3735928559')),
      /does not understand.*account/,
    );
    await refused(verifier.verify(narrow(accessToken, 'time < soon')), /does not understand/);
    await refused(verifier.verify(narrow(accessToken, 'client = client-2')), /malformed/);
    const m = decodeMacaroon(accessToken);
    const bytes = Buffer.from([0xff, 0xfe]);
    await refused(
      verifier.verify(narrow(encodeMacaroon(m), bytes.toString('latin1'))),
      /does not understand/,
    );
    const thirdParty = {
      ...m,
      caveats: [...m.caveats, { id: Buffer.from('c'), verificationId: Buffer.from('v'), location: 'x' }],
    };
    await refused(verifier.verify(encodeMacaroon(thirdParty)), /third-party/);
    await refused(
      verifier.verify(encodeMacaroon({ ...m, location: 'https://other.example.org' })),
      /another location/,
    );
  });

  test('a v1 serialisation of a Twitcher macaroon is accepted (libraries may write v1)', async () => {
    const { issuer, verifier } = setup();
    const { accessToken } = await issuer.issue(request);
    const v1 = encodeMacaroon({ ...decodeMacaroon(accessToken), version: 1 });
    assert.match(v1, /^MDA/);
    assert.equal((await verifier.verify(v1))?.clientId, 'client-1');
  });

  test('bad input: malformed, truncated, garbage, foreign macaroons → invalid_token; other kinds → not mine', async () => {
    const { issuer, verifier } = setup();
    const { accessToken } = await issuer.issue(request);
    for (let n = 8; n < accessToken.length; n += 7) {
      await refused(verifier.verify(accessToken.slice(0, n)), /malformed|not valid|signature/);
    }
    await refused(verifier.verify(`AgEA${'A'.repeat(100)}`), /malformed/);
    // someone else's macaroon (libmacaroons' example) at our location
    const foreign = encodeMacaroon({
      ...decodeMacaroon(accessToken),
      identifier: Buffer.from('we used our secret key'),
    });
    await refused(verifier.verify(foreign), /malformed/);
    await refused(verifier.verify(`Ag${'A'.repeat(9000)}`), /too large/);
    assert.equal(await verifier.verify('tw_abc'), undefined);
    assert.equal(await verifier.verify('eyJhbGciOiJIUzI1NiJ9.e30.sig'), undefined);
  });

  test('more than 64 caveats: refused', async () => {
    const { issuer, verifier } = setup();
    const { accessToken } = await issuer.issue(request);
    const caveat = { id: Buffer.from('method = GET') };
    const full = narrow(accessToken, ...Array.from({ length: 61 }, () => 'method = GET'));
    assert.ok(await verifier.verify(full));
    // a 65th caveat section spliced in before the end of the caveats (the encoder refuses to write it)
    const bytes = Buffer.from(full, 'base64url');
    const at = bytes.length - 35;
    const section = Buffer.from([2, caveat.id.length, ...caveat.id, 0]);
    const tooMany = Buffer.concat([bytes.subarray(0, at), section, bytes.subarray(at)]).toString('base64url');
    await refused(verifier.verify(tooMany), /malformed/);
  });

  test('the verifier chain: macaroons reach the macaroon verifier only; JWTs and tw_ tokens never do', async () => {
    const { issuer, verifier } = setup();
    const calls: string[] = [];
    const spy: TokenVerifier = {
      ...verifier,
      verify: (t) => {
        calls.push(t);
        return verifier.verify(t);
      },
    };
    const records: RandomTokenRecord[] = [];
    const store = {
      insert: async (r: RandomTokenRecord) => void records.push(r),
      findByHash: async (h: string) => records.find((r) => r.tokenHash === h),
    };
    const revocations = { isRevoked: async () => false };
    const chain = createTokenVerifierChain([createRandomTokenVerifier(store, revocations, () => T0), spy]);
    const random = await createRandomTokenIssuer(store, () => T0).issue(request);
    assert.equal((await chain(random.accessToken)).kind, 'random');
    await assert.rejects(chain('eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln'));
    await assert.rejects(chain('tw_notarandomtoken'));
    assert.equal(calls.length, 0);
    const { accessToken } = await issuer.issue(request);
    assert.equal((await chain(accessToken)).kind, 'macaroon');
    assert.equal(calls.length, 1);
  });
});

describe('macaroon root keys and configuration', () => {
  test('generated: {id, secret} in keyDir, mode 0600, reused on the next start', async () => {
    const dir = join(root, 'gen');
    const key = await generateMacaroonKey(dir);
    assert.match(key.id, /^g[0-9a-f]{12}$/);
    assert.ok(key.secret.length >= 32);
    const file = join(dir, GENERATED_MACAROON_KEY_FILE);
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await generateMacaroonKey(dir), key);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), key);
    const concurrent = await Promise.all([1, 2, 3].map(() => generateMacaroonKey(join(root, 'race'))));
    assert.deepEqual(concurrent[1], concurrent[0]);
    assert.deepEqual(concurrent[2], concurrent[0]);
  });

  test('refused: a damaged generated key file, weak or repeated configured keys', async () => {
    const dir = join(root, 'damaged');
    await generateMacaroonKey(dir);
    writeFileSync(join(dir, GENERATED_MACAROON_KEY_FILE), '{"id": "x", "secret": "short"}');
    await assert.rejects(generateMacaroonKey(dir), TokenConfigError);
    assert.throws(() => createMacaroonKeyRing([]), TokenConfigError);
    assert.throws(() => createMacaroonKeyRing([{ id: 'a', secret: 'short' }]), TokenConfigError);
    assert.throws(() => createMacaroonKeyRing([NEW, NEW]), TokenConfigError);
    assert.throws(() => createMacaroonKeyRing([{ id: 'has space', secret: NEW.secret }]), TokenConfigError);
  });

  test('config: token.macaroonKeys validated; token.type macaroon accepted', () => {
    const env = (value: string) => ({ TWITCHER_TOKEN_MACAROON_KEYS: value });
    const config = loadConfig({
      env: { ...env(JSON.stringify([NEW, OLD])), TWITCHER_TOKEN_TYPE: 'macaroon' },
    });
    assert.deepEqual(config.token.macaroonKeys, [NEW, OLD]);
    assert.equal(config.token.type, 'macaroon');
    assert.deepEqual(loadConfig({ env: {} }).token.macaroonKeys, []);
    for (const bad of [
      '{}',
      '[{"id": "a"}]',
      '[{"id": "a", "secret": "short"}]',
      JSON.stringify([NEW, NEW]),
      'nope',
    ]) {
      assert.throws(
        () => loadConfig({ env: env(bad) }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, /token\.macaroonKeys|TWITCHER_TOKEN_MACAROON_KEYS/);
          assert.ok(!err.message.includes(NEW.secret), 'a secret in an error message');
          return true;
        },
      );
    }
  });

  test('token service: token.type macaroon issues and verifies with a generated key; other types accept configured keys', async (t) => {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    const keyDir = join(root, 'service');
    const config = loadConfig({ env: {}, overrides: { 'token.type': 'macaroon', 'token.keyDir': keyDir } });
    const service = await createTokenService(config, store);
    t.after(() => service.close());
    assert.equal(service.issuing, 'macaroon');
    assert.ok(existsSync(join(keyDir, GENERATED_MACAROON_KEY_FILE)));
    const client = {
      clientId: 'c1',
      name: 'c',
      secretHash: '',
      redirectURI: '',
      scopes: ['compute'],
      data: {},
      createdAt: Date.now() - 1000,
    };
    // tokens live only as long as their client
    await store.clients.create(client);
    const issued = await service.issue(client, ['compute']);
    assert.equal((await service.verify(issued.accessToken)).kind, 'macaroon');
    const narrowed = narrow(issued.accessToken, 'time < 2000-01-01T00:00:00Z');
    await refused(service.verify(narrowed), /expired/);
    // revoking the narrowed one revokes the original for as long as the original lives
    assert.equal(await service.revoke(narrow(issued.accessToken, 'process = x'), 'c1'), true);
    await refused(service.verify(issued.accessToken), /revoked/);

    const key = JSON.parse(readFileSync(join(keyDir, GENERATED_MACAROON_KEY_FILE), 'utf8'));
    const random = await createTokenService(
      loadConfig({ env: {}, overrides: { 'token.macaroonKeys': [key] } }),
      store,
    );
    t.after(() => random.close());
    assert.equal(random.issuing, 'random');
    const another = await service.issue(client, ['compute']);
    assert.equal((await random.verify(another.accessToken)).clientId, 'c1');
    const none = await createTokenService(loadConfig({ env: {} }), store);
    t.after(() => none.close());
    await refused(none.verify(another.accessToken), /not valid/);
  });
});
