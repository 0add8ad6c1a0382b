/**
 * Regression: after a switch of `token.type`, the tokens of the previous kind were refused although
 * their key was still there (the key generated under `token.keyDir` was loaded only while its kind
 * was the one issued). A token stays valid across a restart with another `token.type` while its
 * kind's key is there, and is refused with invalid_token once the key is gone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { TwitcherError } from '../../src/errors.js';
import { createTokenService } from '../../src/oauth/token-service.js';
import { openStore } from '../../src/store/open-store.js';

const root = mkdtempSync(join(tmpdir(), 'twitcher-kind-switch-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SECRET = 'a-shared-secret-of-at-least-32-chars!';
const ISSUED = ['random', 'signed', 'custom', 'macaroon'] as const;
type Issued = (typeof ISSUED)[number];
type Type = Issued | 'keycloak';
const TYPES: Type[] = [...ISSUED, 'keycloak'];

/** The configuration of one start: `token.type`, and which keys are there. */
function configFor(type: Type, keys: { keyDir: string; secret: boolean }) {
  return loadConfig({
    env: {},
    overrides: {
      'server.url': 'https://twitcher.example.org',
      'token.type': type,
      'token.keyDir': keys.keyDir,
      ...(keys.secret && { 'token.secret': SECRET }),
      // keycloak: Twitcher issues none; the provider is never asked (no token of its is presented)
      ...(type === 'keycloak' && {
        'token.trustedIssuers': [{ issuer: 'https://sso.example.org/realms/x', audience: 'twitcher' }],
      }),
    },
  });
}

/** What the second start lacks so that the first kind's key is gone (random tokens live in the store). */
const keyGone: Partial<Record<Issued, string>> = {
  signed: 'the generated key pair is removed from token.keyDir',
  custom: 'token.secret is unset',
  macaroon: 'the generated root key is removed from token.keyDir',
};

describe('tokens of an earlier token.type', () => {
  for (const from of ISSUED) {
    for (const to of TYPES.filter((t) => t !== from)) {
      const twin = keyGone[from] ? '; refused once its key is gone' : ' (its key is the store)';
      test(`issued as ${from}, still valid after a restart with token.type ${to}${twin}`, async (t) => {
        const dir = mkdtempSync(join(root, `${from}-${to}-`));
        const database = `sqlite:${join(dir, 'twitcher.sqlite')}`;
        const keys = { keyDir: join(dir, 'keys'), secret: true };
        const client = {
          clientId: 'c1',
          name: 'c1',
          secretHash: '',
          redirectURI: '',
          scopes: ['compute'],
          data: { project: 'cmip6' },
          createdAt: Date.now() - 1000,
        };

        // first start: issues `from`
        const store1 = await openStore(database);
        const first = await createTokenService(configFor(from, keys), store1);
        assert.equal(first.issuing, from);
        await store1.clients.create(client);
        const issued = await first.issue(client, ['compute']);
        await first.close();
        await store1.close();

        // restart with `to`, the keys still there: allowed
        const store2 = await openStore(database);
        t.after(() => store2.close());
        const second = await createTokenService(configFor(to, keys), store2);
        t.after(() => second.close());
        assert.equal(second.issuing, to === 'keycloak' ? undefined : to);
        const info = await second.verify(issued.accessToken);
        assert.equal(info.kind, from);
        assert.equal(info.clientId, 'c1');
        assert.deepEqual(info.data, { project: 'cmip6' });
        if (from === 'signed') assert.equal(second.jwks()?.keys.length, 1, 'its key is still published');

        // restart with `to`, the key gone: denied
        const gone = keyGone[from];
        if (gone === undefined) return;
        const emptyKeyDir = join(dir, 'other-keys');
        mkdirSync(emptyKeyDir);
        const third = await createTokenService(
          configFor(to, { keyDir: emptyKeyDir, secret: from !== 'custom' }),
          store2,
        );
        t.after(() => third.close());
        await assert.rejects(
          third.verify(issued.accessToken),
          (err) => err instanceof TwitcherError && err.code === 'invalid_token',
          gone,
        );
      });
    }
  }
});
