/**
 * Regression: deleting a client left its signed tokens and macaroons valid until they expired (seen
 * 346 s after the deletion). Every token of every kind now dies with its client, on every instance
 * sharing the store, and a client created again under the same id does not bring them back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { attenuateMacaroon } from '../../src/client/macaroon-attenuate.js';
import { loadConfig } from '../../src/config/load.js';
import { TwitcherError } from '../../src/errors.js';
import { createTokenService } from '../../src/oauth/token-service.js';
import { createCustomTokenIssuer } from '../../src/oauth/tokens/custom.js';
import { createMacaroonTokenIssuer } from '../../src/oauth/tokens/macaroon.js';
import { createMacaroonKeyRing, generateMacaroonKey } from '../../src/oauth/tokens/macaroon-keys.js';
import { hashRandomToken } from '../../src/oauth/tokens/random.js';
import { createSignedTokenIssuer } from '../../src/oauth/tokens/signed.js';
import { generateSigningKey } from '../../src/oauth/tokens/signing-key.js';
import type { IssuedToken, IssueRequest } from '../../src/oauth/tokens/types.js';
import { openStore } from '../../src/store/open-store.js';
import type { ClientRecord, Store } from '../../src/store/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { adminRequest, registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const root = mkdtempSync(join(tmpdir(), 'twitcher-client-deletion-'));
after(() => rmSync(root, { recursive: true, force: true }));
const SECRET = 'a-shared-secret-of-at-least-32-chars!';
const EXECUTE = '/ows/proxy/emu?service=WPS&request=Execute&version=1.0.0&identifier=hello';
/** Generous: the bound promised is 1 s (SQLite polls every 500 ms); this only stops a hung test. */
const POLL_LIMIT_MS = 15_000;

type Kind = 'random' | 'signed' | 'custom' | 'macaroon';
const KINDS: Kind[] = ['random', 'signed', 'custom', 'macaroon'];

function overridesFor(kind: Kind, keyDir: string): Record<string, unknown> {
  return { 'token.type': kind, 'token.keyDir': keyDir, 'token.secret': SECRET };
}

async function tokenFor(app: TestApp, client: { client_id: string; client_secret: string }) {
  const { status, body } = await fetchToken(app, client, 'compute');
  assert.equal(status, 200, JSON.stringify(body));
  return String(body['access_token']);
}

const execute = (app: TestApp, token: string) =>
  fetch(`${app.url}${EXECUTE}`, { headers: { authorization: `Bearer ${token}` } });

async function assertRefused(app: TestApp, token: string): Promise<void> {
  const res = await execute(app, token);
  assert.equal(res.status, 401, await res.text());
  assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
}

/** Polls until `app` refuses `token` (bounded); the bound is a limit, not the assertion. */
async function waitUntilRefused(app: TestApp, token: string): Promise<void> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const res = await execute(app, token);
    await res.arrayBuffer();
    if (res.status === 401) return;
    assert.equal(res.status, 200, 'the token works until it is refused');
    if (Date.now() > deadline) assert.fail(`still accepted ${POLL_LIMIT_MS} ms after the deletion`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function deleteClient(app: TestApp, clientId: string): Promise<void> {
  const res = await adminRequest(app, 'DELETE', `/clients/${clientId}`);
  assert.equal(res.status, 204);
}

describe('tokens die with their client: one instance', () => {
  for (const kind of KINDS) {
    test(`${kind}: refused at once after DELETE /clients/{id}; another client's token still works`, async (t) => {
      const keyDir = mkdtempSync(join(root, `${kind}-`));
      const up = await startUpstream(t);
      const app = await startTestApp(t, { overrides: overridesFor(kind, keyDir) });
      await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
      const doomed = await addClient(app);
      const other = await addClient(app);
      const tokens = [await tokenFor(app, doomed)];
      if (kind === 'macaroon') tokens.push(attenuateMacaroon(tokens[0]!, { service: 'emu', expiresIn: 600 }));
      const kept = await tokenFor(app, other);
      for (const token of [...tokens, kept]) assert.equal((await execute(app, token)).status, 200);

      await deleteClient(app, doomed.client_id);
      for (const token of tokens) await assertRefused(app, token);
      assert.equal((await execute(app, kept)).status, 200);
      const introspected = await adminRequest(app, 'POST', '/tokens/introspect', { token: tokens[0] });
      assert.deepEqual(introspected.body, { active: false });
    });
  }
});

describe('tokens die with their client: a client created again under the same id', () => {
  const clientRecord = (createdAt: number): ClientRecord => ({
    clientId: 'c1',
    name: 'again',
    secretHash: '',
    redirectURI: '',
    scopes: ['compute'],
    data: {},
    createdAt,
  });
  const request: IssueRequest = { clientId: 'c1', scopes: ['compute'], lifetime: 3600, data: {} };
  const earlier = () => Date.now() - 5000;

  /** A token of `kind` for c1, issued five seconds ago with the keys the service uses. */
  async function issueEarlier(
    kind: Kind,
    keyDir: string,
    store: Store,
    issuer: string,
  ): Promise<IssuedToken> {
    if (kind === 'signed') {
      const key = await generateSigningKey(keyDir);
      return createSignedTokenIssuer({ key, issuer, audience: issuer, clock: earlier }).issue(request);
    }
    if (kind === 'custom')
      return createCustomTokenIssuer({ secret: SECRET, issuer, audience: issuer, clock: earlier }).issue(
        request,
      );
    if (kind === 'macaroon') {
      const keys = createMacaroonKeyRing([await generateMacaroonKey(keyDir)]);
      return createMacaroonTokenIssuer({ keys, location: issuer, clock: earlier }).issue(request);
    }
    // a random token's row goes with its client: one that came back (restored) is refused as well
    const accessToken = `tw_${randomBytes(32).toString('base64url')}`;
    const issuedAt = Math.floor(earlier() / 1000);
    await store.tokens.insert({
      jti: randomBytes(8).toString('hex'),
      tokenHash: hashRandomToken(accessToken),
      ...request,
      issuedAt,
      expiresAt: issuedAt + 3600,
    });
    return { accessToken, expiresIn: 3600, jti: '' };
  }

  for (const kind of KINDS) {
    test(`${kind}: a token issued before the new client is refused; the new client's token works`, async (t) => {
      const keyDir = mkdtempSync(join(root, `again-${kind}-`));
      const store = await openStore('sqlite::memory:');
      t.after(() => store.close());
      const config = loadConfig({ env: {}, overrides: overridesFor(kind, keyDir) });
      const service = await createTokenService(config, store);
      t.after(() => service.close());
      await store.clients.create(clientRecord(Date.now() - 10_000));
      if (kind !== 'random') {
        const old = await issueEarlier(kind, keyDir, store, config.token.issuer);
        assert.equal((await service.verify(old.accessToken)).clientId, 'c1');
      }
      assert.equal(await store.clients.delete('c1'), true);
      const again = clientRecord(Date.now());
      await store.clients.create(again);
      const old = await issueEarlier(kind, keyDir, store, config.token.issuer);
      await assert.rejects(
        service.verify(old.accessToken),
        (err) =>
          err instanceof TwitcherError && err.code === 'invalid_token' && /created at/.test(err.detail ?? ''),
      );
      const fresh = await service.issue(again, ['compute']);
      assert.equal((await service.verify(fresh.accessToken)).clientId, 'c1');
    });
  }
});

/** Two instances (apps with a store each) on one database: what a deletion on A does on B. */
function sharedStoreSuite(dialect: string, openShared: () => Promise<() => Promise<Store>>) {
  describe(`tokens die with their client: two instances sharing a ${dialect} store`, () => {
    for (const kind of KINDS) {
      test(`${kind}: deleted on instance A, refused by instance B within the bound`, async (t) => {
        const keyDir = mkdtempSync(join(root, `shared-${dialect}-${kind}-`));
        const openOne = await openShared();
        const storeA = await openOne();
        t.after(() => storeA.close());
        const storeB = await openOne();
        t.after(() => storeB.close());
        const up = await startUpstream(t);
        // one public URL for both, as behind a load balancer: the issuer of their tokens
        const overrides = { ...overridesFor(kind, keyDir), 'server.url': 'https://twitcher.example.org' };
        const a = await startTestApp(t, { overrides, store: storeA });
        const b = await startTestApp(t, { overrides, store: storeB });
        await registerService(b, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
        const doomed = await addClient(a);
        const other = await addClient(a);
        const token = await tokenFor(a, doomed);
        const kept = await tokenFor(a, other);
        // B has validated (and remembered) both tokens and both clients
        for (const tk of [token, token, kept]) assert.equal((await execute(b, tk)).status, 200);

        const deleted = Date.now();
        await deleteClient(a, doomed.client_id);
        await waitUntilRefused(b, token);
        t.diagnostic(`instance B refused the token ${Date.now() - deleted} ms after the deletion`);
        await assertRefused(b, token);
        assert.equal((await execute(b, kept)).status, 200);
      });
    }
  });
}

sharedStoreSuite('SQLite file', async () => {
  const file = join(mkdtempSync(join(root, 'sqlite-')), 'twitcher.sqlite');
  return () => openStore(`sqlite:${file}`);
});

const postgresURL = process.env['TWITCHER_TEST_POSTGRES_URL'];
if (postgresURL) {
  // A schema per test (search_path), dropped at the end: test files may run at once.
  const adminClient = new pg.Client({ connectionString: postgresURL });
  const ready = adminClient.connect();
  const schemas: string[] = [];
  after(async () => {
    await ready;
    for (const s of schemas) await adminClient.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await adminClient.end();
  });
  sharedStoreSuite('PostgreSQL', async () => {
    await ready;
    const schema = `twitcher_test_${randomBytes(6).toString('hex')}`;
    await adminClient.query(`CREATE SCHEMA ${schema}`);
    schemas.push(schema);
    const url = new URL(postgresURL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return () => openStore(url.toString(), { poolSize: 3 });
  });
} else {
  test('tokens die with their client: two instances sharing a PostgreSQL store', (t) => {
    const reason = 'TWITCHER_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)';
    if (process.env['TWITCHER_REQUIRE_PEERS'] === '1') throw new Error(`PostgreSQL required: ${reason}`);
    t.skip(reason);
  });
}
