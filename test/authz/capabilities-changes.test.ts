/**
 * What a subject may see in a capabilities document is remembered per ACL index and principal
 * (src/authz/visibility.ts): a change of permissions, resources or memberships must still show from
 * the very next GetCapabilities on, in both directions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACLIndex } from '../../src/authz/acl-index.js';
import type { PermissionRecord, Principal } from '../../src/authz/model.js';
import { MAX_MEMOS, MAX_REMEMBERED, rememberedAnswers, visibilityOf } from '../../src/authz/visibility.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { admin, registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const CAPS = `<?xml version="1.0" encoding="UTF-8"?>
<wps:Capabilities service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1">
<wps:ProcessOfferings>
<wps:Process><ows:Identifier>hello</ows:Identifier></wps:Process>
<wps:Process><ows:Identifier>sleep</ows:Identifier></wps:Process>
<wps:Process><ows:Identifier>secret</ows:Identifier></wps:Process>
</wps:ProcessOfferings></wps:Capabilities>`;

async function listed(app: TestApp, token: string): Promise<string[]> {
  const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  return [...text.matchAll(/<ows:Identifier>([^<]+)<\/ows:Identifier>/g)].map((m) => m[1] as string);
}

describe('capabilities: a change shows from the next request on', () => {
  test('granting, revoking, joining a group, renaming a resource, becoming an administrator', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      res.end(CAPS);
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'wps', auth: 'acl' });
    await admin(app, 'POST', '/users', { username: 'bob', password: 'bob-password-1' });
    await admin(app, 'POST', '/groups', { name: 'staff', priority: 1 });
    await admin(app, 'POST', '/services/emu/resources', { kind: 'process', name: 'hello' });
    const secret = await admin(app, 'POST', '/services/emu/resources', { kind: 'process', name: 'secret' });
    await admin(app, 'POST', '/permissions', {
      group: 'anonymous',
      service: 'emu',
      permission: 'getcapabilities',
      scope: 'match',
    });
    await admin(app, 'POST', '/permissions', {
      user: 'bob',
      service: 'emu',
      resource: 'hello',
      permission: 'describeprocess',
      scope: 'match',
    });
    await admin(app, 'POST', '/permissions', { group: 'staff', service: 'emu', permission: 'execute' });
    const client = await addClient(app, { user: 'bob' });
    const bob = (await fetchToken(app, client)).body['access_token'] as string;

    assert.deepEqual(await listed(app, bob), ['hello']);
    assert.deepEqual(await listed(app, bob), ['hello'], 'asked again: the same answer');

    const grant = await admin(app, 'POST', '/permissions', {
      user: 'bob',
      service: 'emu',
      permission: 'describeprocess',
    });
    assert.deepEqual(await listed(app, bob), ['hello', 'sleep', 'secret'], 'a grant on the service');
    await admin(app, 'DELETE', `/permissions/${grant?.['id']}`);
    assert.deepEqual(await listed(app, bob), ['hello'], 'the grant revoked');

    await admin(app, 'PUT', '/groups/staff/members/bob');
    assert.deepEqual(await listed(app, bob), ['hello', 'sleep', 'secret'], 'a new membership');
    const deny = await admin(app, 'POST', '/permissions', {
      group: 'staff',
      service: 'emu',
      resource: 'secret',
      permission: 'execute',
      access: 'deny',
      scope: 'match',
    });
    assert.deepEqual(await listed(app, bob), ['hello', 'sleep'], 'a deny on one resource');
    await admin(app, 'PATCH', `/services/emu/resources/${secret?.['id']}`, { name: 'hidden' });
    assert.deepEqual(await listed(app, bob), ['hello', 'sleep', 'secret'], 'the denied resource renamed');
    await admin(app, 'PATCH', `/services/emu/resources/${secret?.['id']}`, { name: 'secret' });
    assert.deepEqual(await listed(app, bob), ['hello', 'sleep'], 'renamed back');
    await admin(app, 'DELETE', `/permissions/${deny?.['id']}`);
    await admin(app, 'DELETE', '/groups/staff/members/bob');
    assert.deepEqual(await listed(app, bob), ['hello'], 'the membership ended');

    await admin(app, 'PUT', '/groups/administrators/members/bob');
    assert.deepEqual(
      await listed(app, bob),
      ['hello', 'sleep', 'secret'],
      'an administrator sees everything',
    );
  });
});

describe('visibilityOf: answers remembered per index and principal', () => {
  const bob: Principal = { label: 'user:bob', user: 'bob', groups: [], admin: false, authenticated: true };
  const resources = [
    { id: 1, service: 'emu', parentId: undefined, kind: 'process' as const, name: 'hello', createdAt: 0 },
  ];
  const grant: PermissionRecord = {
    id: 1,
    grantee: { user: 'bob' },
    service: 'emu',
    resourceId: 1,
    permission: 'execute',
    access: 'allow',
    scope: 'match',
    createdAt: 0,
  };
  const granted = () => new ACLIndex({ service: 'emu', resources, permissions: [grant] });
  const bare = () => new ACLIndex({ service: 'emu', resources, permissions: [] });

  test('another index (a change of the ACL) is asked anew, for the same principal object', () => {
    const before = granted();
    assert.equal(visibilityOf(before, bob, 'wps')('hello'), true);
    assert.equal(visibilityOf(bare(), bob, 'wps')('hello'), false, 'the grant is gone');
    assert.equal(visibilityOf(before, bob, 'wps')('hello'), true);
  });

  test('another principal, or another OWS service, is asked anew on the same index', () => {
    const index = granted();
    assert.equal(visibilityOf(index, bob, 'wps')('hello'), true);
    assert.equal(visibilityOf(index, { ...bob, label: 'user:eve', user: 'eve' }, 'wps')('hello'), false);
    assert.equal(visibilityOf(index, bob, 'wms')('hello'), false, 'hello is a process, not a layer');
  });

  test('what is remembered stays bounded, and answers stay right once forgotten', () => {
    const index = granted();
    const names = Array.from({ length: 5000 }, (_, i) => (i === 0 ? 'hello' : `p${i}`));
    const users = Math.ceil((2 * MAX_REMEMBERED) / names.length);
    let first: Principal | undefined;
    for (let u = 0; u < users; u++) {
      const principal: Principal = u === 0 ? bob : { ...bob, label: `user:u${u}`, user: `u${u}` };
      first ??= principal;
      const visible = visibilityOf(index, principal, 'wps');
      const seen = names.filter((n) => visible(n));
      assert.deepEqual(seen, u === 0 ? ['hello'] : []);
      assert.ok(
        rememberedAnswers().names <= MAX_REMEMBERED,
        `${rememberedAnswers().names} remembered after ${u + 1} users`,
      );
    }
    assert.equal(
      visibilityOf(index, first as Principal, 'wps')('hello'),
      true,
      'asked again after being forgotten',
    );
  });

  test('the number of principals and indexes remembered stays bounded too, even with nothing asked', () => {
    for (let i = 0; i < MAX_MEMOS + 50; i++) {
      visibilityOf(bare(), { ...bob, label: `user:m${i}`, user: `m${i}` }, 'wps');
      assert.ok(rememberedAnswers().memos <= MAX_MEMOS, `${rememberedAnswers().memos} after ${i + 1}`);
    }
  });
});
