import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { adminRequest as call, registerService } from '../helpers/register.js';

async function setUp(t: Parameters<typeof startTestApp>[0]) {
  const app = await startTestApp(t);
  await registerService(app, { name: 'emu', url: 'http://127.0.0.1:9/wps', type: 'wps', auth: 'acl' });
  await registerService(app, { name: 'map', url: 'http://127.0.0.1:9/ows', type: 'wms', auth: 'acl' });
  for (const username of ['alice', 'bob']) {
    assert.equal(
      (await call(app, 'POST', '/users', { username, password: `${username}-password-1` })).status,
      201,
    );
  }
  return app;
}

describe('admin API: groups and members', () => {
  test('create, read, change, members, delete — and the special groups', async (t) => {
    const app = await setUp(t);
    let r = await call(app, 'POST', '/groups', { name: 'staff', priority: 5, description: 'Staff' });
    assert.equal(r.status, 201);
    assert.equal(r.location, '/groups/staff');
    assert.deepEqual(
      { ...r.body, created_at: undefined },
      {
        name: 'staff',
        priority: 5,
        description: 'Staff',
        builtin: false,
        created_at: undefined,
      },
    );
    r = await call(app, 'GET', '/groups');
    assert.deepEqual(
      r.body.map((g: { name: string; builtin: boolean }) => [g.name, g.builtin]),
      [
        ['administrators', true],
        ['anonymous', true],
        ['authenticated', true],
        ['staff', false],
      ],
    );
    assert.equal((await call(app, 'PUT', '/groups/staff/members/alice')).status, 201);
    assert.equal((await call(app, 'PUT', '/groups/staff/members/alice')).status, 204);
    assert.deepEqual((await call(app, 'GET', '/groups/staff')).body.members, ['alice']);
    assert.deepEqual(
      (await call(app, 'GET', '/users/alice/groups')).body.map((g: { name: string }) => g.name),
      ['staff'],
    );
    r = await call(app, 'PATCH', '/groups/staff', { priority: 9 });
    assert.equal(r.body.priority, 9);
    r = await call(app, 'DELETE', '/groups/staff');
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'group_in_use');
    assert.match(r.type, /application\/problem\+json/);
    assert.equal((await call(app, 'DELETE', '/groups/staff/members/alice')).status, 204);
    assert.equal((await call(app, 'DELETE', '/groups/staff/members/alice')).status, 404);
    assert.equal((await call(app, 'DELETE', '/groups/staff')).status, 204);
    assert.equal((await call(app, 'GET', '/groups/staff')).status, 404);
  });

  test('bad input: each a problem+json with a stable code', async (t) => {
    const app = await setUp(t);
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/groups', { name: 'bad name!' }, 422, 'validation_failed'],
      ['POST', '/groups', { name: 'x', priority: 1.5 }, 422, 'validation_failed'],
      ['POST', '/groups', { name: 'x', colour: 'red' }, 422, 'validation_failed'],
      ['POST', '/groups', { name: 'anonymous' }, 409, 'duplicate_name'],
      ['DELETE', '/groups/administrators', undefined, 409, 'conflict'],
      ['PUT', '/groups/nogroup/members/alice', undefined, 404, 'not_found'],
      ['PUT', '/groups/administrators/members/nobody', undefined, 404, 'not_found'],
      ['PUT', '/groups/anonymous/members/alice', undefined, 409, 'conflict'],
      ['GET', '/users/nobody/groups', undefined, 404, 'not_found'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(app, method, path, body);
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, `${method} ${path}`);
    }
  });

  test('without the administrator credentials: 401', async (t) => {
    const app = await setUp(t);
    for (const path of [
      '/groups',
      '/permissions',
      '/audit',
      '/services/emu/resources',
      '/users/alice/effective?service=emu',
    ]) {
      assert.equal((await fetch(`${app.url}${path}`)).status, 401, path);
    }
  });
});

describe('admin API: resources and permissions', () => {
  test('a resource tree, by id or by path; moves and cycles; deletion', async (t) => {
    const app = await setUp(t);
    const root = await call(app, 'POST', '/services/map/resources', { kind: 'layer', name: 'peers' });
    assert.equal(root.status, 201);
    const cities = await call(app, 'POST', '/services/map/resources', {
      kind: 'layer',
      name: 'cities',
      parent: 'peers',
    });
    assert.equal(cities.body.parent, root.body.id);
    assert.equal(cities.body.path, 'peers/cities');
    const capitals = await call(app, 'POST', '/services/map/resources', {
      kind: 'layer',
      name: 'capitals',
      parent: cities.body.id,
    });
    assert.equal(capitals.body.path, 'peers/cities/capitals');
    let r = await call(app, 'PATCH', `/services/map/resources/${root.body.id}`, { parent: capitals.body.id });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'resource_cycle');
    r = await call(app, 'PATCH', '/services/map/resources/capitals', { parent: null });
    assert.equal(r.body.parent, null);
    r = await call(app, 'GET', '/services/map/resources');
    assert.deepEqual(
      r.body.map((x: { path: string }) => x.path),
      ['peers', 'peers/cities', 'capitals'],
    );
    const bad: [string, unknown, number, string][] = [
      ['/services/map/resources', { kind: 'process', name: 'hello' }, 422, 'invalid_resource'],
      ['/services/map/resources', { kind: 'layer', name: 'CITIES' }, 409, 'duplicate_name'],
      ['/services/map/resources', { kind: 'layer', name: 'x', parent: 9999 }, 422, 'unknown_reference'],
      [
        '/services/emu/resources',
        { kind: 'process', name: 'x', parent: root.body.id },
        422,
        'invalid_resource',
      ],
      ['/services/map/resources', { kind: 'rocket', name: 'x' }, 422, 'validation_failed'],
      ['/services/nope/resources', { kind: 'layer', name: 'x' }, 404, 'service_not_found'],
    ];
    for (const [path, body, status, code] of bad) {
      const res = await call(app, 'POST', path, body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code);
    }
    assert.equal((await call(app, 'DELETE', `/services/map/resources/${root.body.id}`)).status, 204);
    assert.equal((await call(app, 'GET', `/services/map/resources/${cities.body.id}`)).status, 404);
  });

  test('grants: defaults, filters, revocation; bad grants refused with their codes', async (t) => {
    const app = await setUp(t);
    await call(app, 'POST', '/services/emu/resources', { kind: 'process', name: 'hello' });
    await call(app, 'POST', '/groups', { name: 'staff' });
    const g = await call(app, 'POST', '/permissions', {
      group: 'staff',
      service: 'emu',
      resource: 'hello',
      permission: 'Execute',
    });
    assert.equal(g.status, 201);
    assert.equal(g.body.permission, 'execute');
    assert.equal(g.body.access, 'allow');
    assert.equal(g.body.scope, 'recursive');
    assert.equal(typeof g.body.resource, 'number');
    const u = await call(app, 'POST', '/permissions', {
      user: 'alice',
      service: 'emu',
      permission: 'describeprocess',
      access: 'deny',
      scope: 'match',
    });
    assert.equal(u.body.resource, null);
    assert.deepEqual(
      (await call(app, 'GET', '/permissions?user=alice')).body.map((p: { id: number }) => p.id),
      [u.body.id],
    );
    assert.deepEqual(
      (await call(app, 'GET', '/permissions?service=emu&resource=hello')).body.map(
        (p: { id: number }) => p.id,
      ),
      [g.body.id],
    );
    const bad: [unknown, number, string][] = [
      [{ group: 'staff', service: 'emu', resource: 'hello', permission: 'execute' }, 409, 'duplicate_grant'],
      [{ user: 'nobody', service: 'emu', permission: 'execute' }, 422, 'unknown_reference'],
      [{ group: 'nogroup', service: 'emu', permission: 'execute' }, 422, 'unknown_reference'],
      [{ user: 'alice', service: 'nope', permission: 'execute' }, 422, 'unknown_reference'],
      [
        { user: 'alice', service: 'emu', resource: 'nothing', permission: 'execute' },
        422,
        'unknown_reference',
      ],
      [{ user: 'alice', service: 'emu', permission: 'getmap' }, 422, 'validation_failed'],
      [{ user: 'alice', service: 'emu', permission: 'frobnicate' }, 422, 'validation_failed'],
      [{ user: 'alice', group: 'staff', service: 'emu', permission: 'execute' }, 422, 'validation_failed'],
      [{ service: 'emu', permission: 'execute' }, 422, 'validation_failed'],
      [{ user: 'alice', service: 'emu', permission: 'execute', access: 'maybe' }, 422, 'validation_failed'],
    ];
    for (const [body, status, code] of bad) {
      const r = await call(app, 'POST', '/permissions', body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, JSON.stringify(body));
      assert.match(r.type, /problem\+json/);
    }
    const mapLayer = await call(app, 'POST', '/services/map/resources', { kind: 'layer', name: 'cities' });
    const wrong = await call(app, 'POST', '/permissions', {
      user: 'alice',
      service: 'emu',
      resource: mapLayer.body.id,
      permission: 'execute',
    });
    assert.equal(wrong.body.code, 'invalid_resource', 'a resource of another service');
    assert.equal((await call(app, 'GET', '/permissions')).body.length, 2, 'nothing half-written');
    assert.equal((await call(app, 'DELETE', `/permissions/${g.body.id}`)).status, 204);
    assert.equal((await call(app, 'DELETE', `/permissions/${g.body.id}`)).status, 404);
  });

  test('effective permissions of a user, and why', async (t) => {
    const app = await setUp(t);
    await call(app, 'POST', '/services/emu/resources', { kind: 'process', name: 'hello' });
    await call(app, 'POST', '/groups', { name: 'staff', priority: 2 });
    await call(app, 'PUT', '/groups/staff/members/alice');
    await call(app, 'POST', '/permissions', { group: 'staff', service: 'emu', permission: 'execute' });
    await call(app, 'POST', '/permissions', {
      group: 'anonymous',
      service: 'emu',
      permission: 'getcapabilities',
      scope: 'match',
    });
    await call(app, 'POST', '/permissions', {
      user: 'bob',
      service: 'emu',
      resource: 'hello',
      permission: 'execute',
      access: 'deny',
      scope: 'match',
    });
    let r = await call(app, 'GET', '/users/alice/effective?service=emu&resource=hello&permission=execute');
    assert.equal(r.status, 200);
    assert.equal(r.body.registered, true);
    const [execute] = r.body.permissions;
    assert.equal(execute.allow, true);
    assert.equal(execute.reason, 'group');
    assert.equal(execute.rule, 'group:staff:execute-allow-recursive@emu');
    assert.equal(execute.decided_by.group, 'staff');
    assert.equal(execute.considered[0].depth, 1);
    assert.equal(execute.considered[0].priority, 2);
    assert.deepEqual(
      r.body.groups.map((g: { name: string }) => g.name),
      ['anonymous', 'authenticated', 'staff'],
    );
    r = await call(app, 'GET', '/users/bob/effective?service=emu&resource=hello');
    const byName = Object.fromEntries(
      r.body.permissions.map((p: { permission: string }) => [p.permission, p]),
    );
    assert.deepEqual(Object.keys(byName).sort(), [
      'describeprocess',
      'dismiss',
      'execute',
      'getcapabilities',
      'getresult',
      'getstatus',
      'read',
      'write',
    ]);
    assert.equal(byName.execute.allow, false);
    assert.equal(byName.execute.reason, 'user');
    assert.equal(byName.describeprocess.reason, 'no-permission');
    assert.equal(byName.getcapabilities.allow, false, 'match on the service does not reach a process');
    r = await call(app, 'GET', '/users/bob/effective?service=emu&permission=getcapabilities');
    assert.equal(r.body.permissions[0].allow, true);
    r = await call(app, 'GET', '/users/alice/effective?service=emu&resource=unregistered&permission=execute');
    assert.equal(r.body.registered, false);
    assert.equal(r.body.permissions[0].allow, true);
    assert.equal((await call(app, 'GET', '/users/nobody/effective?service=emu')).status, 404);
    assert.equal(
      (await call(app, 'GET', '/users/alice/effective?service=nope')).body.code,
      'service_not_found',
    );
    assert.equal((await call(app, 'GET', '/users/alice/effective')).status, 422);
  });
});

describe('admin API: users and clients for authorization', () => {
  test('a user has an optional certificate DN; a client an optional owner', async (t) => {
    const app = await setUp(t);
    let r = await call(app, 'POST', '/users', {
      username: 'carol',
      password: 'carol-password-1',
      certificate_dn: '/O=Example/CN=carol',
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.certificate_dn, '/O=Example/CN=carol');
    assert.equal(
      (await call(app, 'PATCH', '/users/alice', { certificate_dn: 'CN=alice,O=Example' })).status,
      204,
    );
    assert.equal((await call(app, 'GET', '/users/alice')).body.certificate_dn, 'CN=alice,O=Example');
    r = await call(app, 'PATCH', '/users/bob', { certificate_dn: 'CN=carol,O=Example' });
    assert.equal(r.status, 409, 'one user per DN, whichever form it is written in');
    r = await call(app, 'PATCH', '/users/bob', { certificate_dn: 'no dn here' });
    assert.equal(r.body.code, 'validation_failed');
    assert.equal((await call(app, 'PATCH', '/users/alice', { certificate_dn: null })).status, 204);
    assert.equal((await call(app, 'GET', '/users/alice')).body.certificate_dn, null);

    r = await call(app, 'POST', '/clients', { name: 'portal', user: 'alice' });
    assert.equal(r.status, 201);
    assert.equal(r.body.user, 'alice');
    const id = r.body.client_id;
    assert.equal((await call(app, 'GET', `/clients/${id}`)).body.user, 'alice');
    r = await call(app, 'POST', '/clients', { name: 'ghost', user: 'nobody' });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'unknown_reference');
    assert.equal((await call(app, 'GET', '/clients')).body.length, 1, 'no client left behind');
    assert.equal(
      (await call(app, 'PATCH', `/clients/${id}`, { user: 'bob', name: 'renamed' })).body.user,
      'bob',
    );
    assert.equal((await call(app, 'PATCH', `/clients/${id}`, { user: null })).body.user, null);
  });

  test('the OpenAPI document describes the authorization routes', async (t) => {
    const app = await setUp(t);
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      '/groups',
      '/groups/{name}',
      '/groups/{name}/members/{user}',
      '/services/{name}/resources',
      '/services/{name}/resources/{id}',
      '/permissions',
      '/permissions/{id}',
      '/users/{name}/effective',
      '/audit',
    ]) {
      assert.ok(doc.paths[p], p);
    }
  });
});
