import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrincipalResolver } from '../../src/authz/principals.js';
import type { AccessTokenInfo } from '../../src/oauth/tokens/types.js';
import type { CertificateIdentity } from '../../src/policy/subject.js';
import { openSQLiteStore } from '../../src/store/sqlite/open-sqlite.js';

const token = (over: Partial<AccessTokenInfo>): AccessTokenInfo => ({
  kind: 'random',
  jti: 'j',
  clientId: 'c1',
  scopes: ['compute'],
  issuedAt: 0,
  expiresAt: 9_999_999_999,
  data: {},
  ...over,
});

const cert = (subjectDN: string, issuerDN: string): CertificateIdentity => ({
  subjectDN,
  subjectDNLegacy: '',
  issuerDN,
  proxy: false,
  limited: false,
  chainPEM: '',
  expiresAt: 9_999_999_999,
});

async function setUp(t: { after(fn: () => unknown): void }) {
  const store = await openSQLiteStore({ path: ':memory:' });
  t.after(() => store.close());
  await store.users.create({ username: 'alice', passwordHash: 'x', isAdmin: false });
  await store.users.create({ username: 'root', passwordHash: 'x', isAdmin: true });
  await store.groups.create({ name: 'staff', priority: 3, description: '' });
  await store.groups.create({ name: 'climate', priority: 1, description: '' });
  await store.groups.addMember('staff', 'alice');
  const resolver = new PrincipalResolver(store, {
    externalUserClaim: 'preferred_username',
    externalGroupsClaim: 'realm_access.roles',
    certificateBaseDN: '/O=Twitcher/OU=Users',
    ownCASubjectDN: 'CN=Twitcher Online CA,O=Twitcher',
  });
  t.after(() => resolver.close());
  return { store, resolver };
}

describe('authz: subjects to principals', () => {
  test('anonymous: the anonymous group only', async (t) => {
    const { resolver } = await setUp(t);
    const p = await resolver.resolve({ kind: 'anonymous' });
    assert.deepEqual(p.groups, [{ name: 'anonymous', priority: -1 }]);
    assert.equal(p.authenticated, false);
    assert.equal(p.user, undefined);
  });

  test("a token of Twitcher's own acts for its client's owner, with the owner's groups", async (t) => {
    const { store, resolver } = await setUp(t);
    await store.clients.create({
      clientId: 'c1',
      name: 'x',
      secretHash: 'h',
      redirectURI: '',
      scopes: ['compute'],
      data: {},
      createdAt: 1,
      owner: 'alice',
    });
    const p = await resolver.resolve({ kind: 'token', token: token({}) });
    assert.equal(p.user, 'alice');
    assert.equal(p.label, 'user:alice');
    assert.deepEqual(
      p.groups.map((g) => `${g.name}:${g.priority}`),
      ['anonymous:-1', 'authenticated:0', 'staff:3'],
    );
    // the owner changes: the next resolution sees it (cache dropped on the client change)
    await store.clients.update('c1', { owner: null });
    const q = await resolver.resolve({ kind: 'token', token: token({}) });
    assert.equal(q.user, undefined);
    assert.equal(q.label, 'client:c1');
    assert.equal(q.authenticated, true);
  });

  test('an external token: the user claim, and the groups Twitcher has among the group claim (never administrators)', async (t) => {
    const { resolver } = await setUp(t);
    const p = await resolver.resolve({
      kind: 'token',
      token: token({
        kind: 'external',
        claims: {
          preferred_username: 'alice',
          realm_access: { roles: ['climate', 'administrators', 'unknown'] },
        },
      }),
    });
    assert.equal(p.user, 'alice');
    assert.equal(p.admin, false);
    assert.deepEqual(p.groups.map((g) => g.name).sort(), ['anonymous', 'authenticated', 'climate', 'staff']);
    const stranger = await resolver.resolve({
      kind: 'token',
      token: token({
        kind: 'external',
        subject: 's-1',
        claims: { preferred_username: 'zed', realm_access: { roles: 'climate' } },
      }),
    });
    assert.equal(stranger.user, undefined);
    assert.equal(stranger.label, 'external:zed');
    // a provider user who calls itself like Twitcher's administrator is not the administrator
    const impostor = await resolver.resolve({
      kind: 'token',
      token: token({ kind: 'external', claims: { preferred_username: 'root' } }),
    });
    assert.equal(impostor.admin, false);
    assert.equal(impostor.user, undefined);
    assert.equal(impostor.label, 'external:root');
    assert.deepEqual(
      stranger.groups.map((g) => g.name),
      ['anonymous', 'authenticated', 'climate'],
    );
  });

  test("Twitcher's own CA: baseDN + CN=name is user name; the same subject from another CA is not", async (t) => {
    const { resolver } = await setUp(t);
    const mine = await resolver.resolve({
      kind: 'certificate',
      certificate: cert('CN=alice,OU=Users,O=Twitcher', 'CN=Twitcher Online CA,O=Twitcher'),
    });
    assert.equal(mine.user, 'alice');
    const foreign = await resolver.resolve({
      kind: 'certificate',
      certificate: cert('CN=alice,OU=Users,O=Twitcher', 'CN=Another CA,O=Elsewhere'),
    });
    assert.equal(foreign.user, undefined);
    assert.equal(foreign.authenticated, true);
    const deeper = await resolver.resolve({
      kind: 'certificate',
      certificate: cert('CN=alice,OU=Other,OU=Users,O=Twitcher', 'CN=Twitcher Online CA,O=Twitcher'),
    });
    assert.equal(deeper.user, undefined);
  });

  test('administrators: the user flag, or membership of the administrators group', async (t) => {
    const { store, resolver } = await setUp(t);
    assert.equal((await resolver.ofUser('root'))?.admin, true);
    assert.equal((await resolver.ofUser('alice'))?.admin, false);
    await store.groups.addMember('administrators', 'alice');
    assert.equal((await resolver.ofUser('alice'))?.admin, true);
    assert.equal(await resolver.ofUser('nobody'), undefined);
  });
});
