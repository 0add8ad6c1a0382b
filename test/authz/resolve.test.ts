import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPermissionName, PERMISSION_NAMES } from '../../src/authz/model.js';
import { resolve, type Target } from '../../src/authz/resolve.js';
import { ACLBuilder, principal } from './fixtures.js';

const at = (b: ACLBuilder, name?: string, exact = true): Target => ({
  resource: name === undefined ? undefined : b.resources.find((r) => r.name === name),
  exact,
});

describe('authz: resolution order', () => {
  const tree = () => {
    const b = new ACLBuilder('emu');
    b.add('process', 'hello');
    b.add('process', 'secret');
    return b;
  };

  // [title, grants, principal, permission, target resource, expected allow, expected reason]
  const cases: [
    string,
    (b: ACLBuilder) => void,
    ReturnType<typeof principal>,
    string,
    string | undefined,
    boolean,
    string,
  ][] = [
    [
      'nothing granted: default deny',
      () => {},
      principal('alice'),
      'execute',
      'hello',
      false,
      'no-permission',
    ],
    [
      'administrator: allowed without any grant',
      () => {},
      principal('root', [], true),
      'execute',
      'secret',
      true,
      'administrator',
    ],
    [
      'administrator: even a deny on the user does not hold',
      (b) => b.grant('user:root', 'execute', 'deny', 'match', 'secret'),
      principal('root', [], true),
      'execute',
      'secret',
      true,
      'administrator',
    ],
    [
      'user allow on the process',
      (b) => b.grant('user:alice', 'execute', 'allow', 'match', 'hello'),
      principal('alice'),
      'execute',
      'hello',
      true,
      'user',
    ],
    [
      "another user's allow does not apply",
      (b) => b.grant('user:bob', 'execute', 'allow', 'recursive'),
      principal('alice'),
      'execute',
      'hello',
      false,
      'no-permission',
    ],
    [
      'user permission beats any group permission (user allow vs group deny of higher priority)',
      (b) =>
        b
          .grant('user:alice', 'execute', 'allow', 'recursive')
          .grant('group:staff', 'execute', 'deny', 'match', 'hello'),
      principal('alice', ['staff:100']),
      'execute',
      'hello',
      true,
      'user',
    ],
    [
      'user deny beats a group allow',
      (b) =>
        b
          .grant('user:alice', 'execute', 'deny', 'recursive')
          .grant('group:staff', 'execute', 'allow', 'match', 'hello'),
      principal('alice', ['staff:0']),
      'execute',
      'hello',
      false,
      'user',
    ],
    [
      'group priority: higher wins even further up the tree',
      (b) =>
        b
          .grant('group:low', 'execute', 'deny', 'match', 'hello')
          .grant('group:high', 'execute', 'allow', 'recursive'),
      principal('alice', ['low:1', 'high:5']),
      'execute',
      'hello',
      true,
      'group',
    ],
    [
      'equal priority: the closest resource wins (allow on the process over deny on the service)',
      (b) =>
        b
          .grant('group:a', 'execute', 'deny', 'recursive')
          .grant('group:b', 'execute', 'allow', 'match', 'hello'),
      principal('alice', ['a:1', 'b:1']),
      'execute',
      'hello',
      true,
      'group',
    ],
    [
      'equal priority and level: deny beats allow',
      (b) =>
        b
          .grant('group:a', 'execute', 'allow', 'match', 'hello')
          .grant('group:b', 'execute', 'deny', 'match', 'hello'),
      principal('alice', ['a:2', 'b:2']),
      'execute',
      'hello',
      false,
      'group',
    ],
    [
      'match on the service does not reach its processes',
      (b) => b.grant('group:anonymous', 'execute', 'allow', 'match'),
      principal(undefined),
      'execute',
      'hello',
      false,
      'no-permission',
    ],
    [
      'recursive on the service reaches its processes',
      (b) => b.grant('group:anonymous', 'execute', 'allow', 'recursive'),
      principal(undefined),
      'execute',
      'hello',
      true,
      'group',
    ],
    [
      'anonymous group applies to authenticated users too',
      (b) => b.grant('group:anonymous', 'execute', 'allow', 'recursive'),
      principal('alice'),
      'execute',
      'hello',
      true,
      'group',
    ],
    [
      'authenticated group does not apply to anonymous',
      (b) => b.grant('group:authenticated', 'execute', 'allow', 'recursive'),
      principal(undefined),
      'execute',
      'hello',
      false,
      'no-permission',
    ],
    [
      'anonymous (priority -1) allow loses to authenticated (0) deny for a user',
      (b) =>
        b
          .grant('group:anonymous', 'execute', 'allow', 'match', 'hello')
          .grant('group:authenticated', 'execute', 'deny', 'recursive'),
      principal('alice'),
      'execute',
      'hello',
      false,
      'group',
    ],
    [
      'a permission of another name does not apply',
      (b) => b.grant('user:alice', 'describeprocess', 'allow', 'recursive'),
      principal('alice'),
      'execute',
      'hello',
      false,
      'no-permission',
    ],
    [
      'an operation name that cannot be granted is refused',
      (b) => b.grant('user:alice', 'execute', 'allow', 'recursive'),
      principal('alice'),
      'frobnicate',
      'hello',
      false,
      'unknown-permission',
    ],
    [
      'the service itself as target: match counts',
      (b) => b.grant('group:anonymous', 'getcapabilities', 'allow', 'match'),
      principal(undefined),
      'getcapabilities',
      undefined,
      true,
      'group',
    ],
  ];

  for (const [title, grants, who, permission, on, allow, reason] of cases) {
    test(title, () => {
      const b = tree();
      grants(b);
      const r = resolve(b.index(), who, permission, at(b, on));
      assert.equal(r.allow, allow);
      assert.equal(r.reason, reason);
    });
  }
});

describe('authz: the tree', () => {
  const layers = () => {
    const b = new ACLBuilder('map');
    b.add('layer', 'root');
    b.add('layer', 'regions', 'root');
    b.add('layer', 'cities', 'root');
    b.add('layer', 'capitals', 'cities');
    return b;
  };

  test('recursive on a parent reaches every descendant', () => {
    const b = layers().grant('user:alice', 'getmap', 'allow', 'recursive', 'root');
    for (const name of ['root', 'regions', 'cities', 'capitals']) {
      assert.equal(resolve(b.index(), principal('alice'), 'getmap', at(b, name)).allow, true, name);
    }
  });

  test('match on a parent holds for the parent only', () => {
    const b = layers().grant('user:alice', 'getmap', 'allow', 'match', 'cities');
    assert.equal(resolve(b.index(), principal('alice'), 'getmap', at(b, 'cities')).allow, true);
    assert.equal(resolve(b.index(), principal('alice'), 'getmap', at(b, 'capitals')).allow, false);
  });

  test('closest wins down the tree: deny on a branch under an allowed root', () => {
    const b = layers()
      .grant('group:staff', 'getmap', 'allow', 'recursive', 'root')
      .grant('group:staff', 'getmap', 'deny', 'recursive', 'cities');
    const i = b.index();
    const who = principal('alice', ['staff:0']);
    assert.equal(resolve(i, who, 'getmap', at(b, 'regions')).allow, true);
    assert.equal(resolve(i, who, 'getmap', at(b, 'cities')).allow, false);
    assert.equal(resolve(i, who, 'getmap', at(b, 'capitals')).allow, false);
  });

  test('a target that is not registered starts at its parent with match off', () => {
    const b = layers().grant('user:alice', 'getmap', 'allow', 'match', 'cities');
    const cities = b.resources.find((r) => r.name === 'cities');
    // e.g. a directory found, its file not registered
    assert.equal(
      resolve(b.index(), principal('alice'), 'getmap', { resource: cities, exact: false }).allow,
      false,
    );
    const c = layers().grant('user:alice', 'getmap', 'allow', 'recursive', 'cities');
    assert.equal(
      resolve(c.index(), principal('alice'), 'getmap', { resource: cities, exact: false }).allow,
      true,
    );
  });

  test('explain lists every applying permission, best first', () => {
    const b = layers()
      .grant('group:a', 'getmap', 'allow', 'recursive')
      .grant('group:b', 'getmap', 'deny', 'recursive', 'cities')
      .grant('group:c', 'getmap', 'allow', 'match', 'capitals');
    const r = resolve(b.index(), principal('alice', ['a:0', 'b:0', 'c:0']), 'getmap', at(b, 'capitals'), {
      explain: true,
    });
    assert.equal(r.allow, true);
    assert.deepEqual(
      r.candidates.map((c) => [c.permission.grantee.group, c.depth]),
      [
        ['c', 0],
        ['b', 1],
        ['a', 3],
      ],
    );
  });
});

describe('authz: permission names', () => {
  test('every OWS operation and the path permissions, in lower case', () => {
    for (const p of [
      'getcapabilities',
      'describeprocess',
      'execute',
      'getstatus',
      'getmap',
      'getfeatureinfo',
      'getfeature',
      'transaction',
      'gettile',
      'getcoverage',
      'getrecordbyid',
      'read',
      'write',
      'browse',
    ]) {
      assert.ok(isPermissionName(p), p);
    }
    assert.ok(!isPermissionName('Execute'));
    assert.ok(!isPermissionName('frobnicate'));
    assert.deepEqual([...PERMISSION_NAMES].sort(), PERMISSION_NAMES);
  });
});
