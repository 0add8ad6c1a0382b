/**
 * Magpie's configuration files read into a desired state: the permission spellings, the type map,
 * envsubst-style expansion, and what cannot be carried (dropped, or an error for a deny), each at
 * its line.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readMagpieFile, readMagpieFiles } from '../../src/provision/magpie/read-magpie.js';
import type { DesiredState, Note } from '../../src/provision/model.js';
import { parsePermission } from '../../src/provision/permission-text.js';

function read(
  text: string,
  env: Record<string, string | undefined> = {},
): { state: DesiredState; notes: Note[] } {
  const notes: Note[] = [];
  const state = readMagpieFile({ name: 'm.yml', text }, env, notes);
  return { state, notes };
}

const of = (notes: Note[], severity: Note['severity']) =>
  notes.filter((n) => n.severity === severity).map((n) => `${n.origin} ${n.message}`);

/** The line of each note of `severity` whose message contains `text`. */
const linesOf = (notes: Note[], severity: Note['severity'], text: string) =>
  notes
    .filter((n) => n.severity === severity && n.message.includes(text))
    .map((n) => Number(n.origin.split(':')[1]));

describe('Magpie permission spellings', () => {
  const table: [unknown, string | { name: string; access: string; scope: string }][] = [
    ['read', { name: 'read', access: 'allow', scope: 'recursive' }],
    ['Read-Deny', { name: 'read', access: 'deny', scope: 'recursive' }],
    ['read-match', { name: 'read', access: 'allow', scope: 'match' }],
    ['getmap-allow-match', { name: 'getmap', access: 'allow', scope: 'match' }],
    ['browse-deny-recursive', { name: 'browse', access: 'deny', scope: 'recursive' }],
    [
      { name: 'write', access: 'deny', scope: 'recursive' },
      { name: 'write', access: 'deny', scope: 'recursive' },
    ],
    [{ name: 'execute' }, { name: 'execute', access: 'allow', scope: 'recursive' }],
    ['read-maybe', 'is no access'],
    ['read-allow-sometimes', 'is no scope'],
    ['read-allow-match-extra', 'is not name'],
    [{ name: 'read', reason: 'x' }, 'unknown keys'],
    [{ access: 'deny' }, 'needs a name'],
    [42, 'must be a string'],
  ];
  for (const [input, expected] of table) {
    test(`${JSON.stringify(input)}`, () => {
      const got = parsePermission(input);
      if (typeof expected === 'string') {
        assert.ok('problem' in got && got.problem.includes(expected), JSON.stringify(got));
      } else assert.deepEqual(got, expected);
    });
  }
});

describe('Magpie service types', () => {
  const table: [string, string, string | undefined][] = [
    ['wps', '', 'wps'],
    ['wfs', '', 'wfs'],
    ['thredds', '', 'thredds'],
    ['api', '', 'http'],
    ['access', '', 'http'],
    ['ncwms', '', 'wms'],
    ['geoserverwms', '', 'wms'],
    ['geoserverwfs', '', 'wfs'],
    ['geoserverwps', '', 'wps'],
    ['geoserver', '\n    configuration: {wms: false, wfs: true, wps: false, api: false}', 'wfs'],
    ['geoserver', '\n    configuration: {wms: true, wfs: true, wps: false}', undefined],
    ['geoserver', '', undefined],
    ['ades', '', undefined],
  ];
  for (const [type, extra, expected] of table) {
    test(`${type}${extra ? ` ${extra.trim()}` : ''} → ${expected ?? 'dropped'}`, () => {
      const { state, notes } = read(
        `providers:\n  svc:\n    url: http://up:8080/x\n    type: ${type}${extra}\n`,
      );
      assert.deepEqual(of(notes, 'error'), []);
      if (expected === undefined) {
        assert.deepEqual(state.services, []);
        assert.deepEqual(linesOf(notes, 'dropped', 'svc'), [4], JSON.stringify(notes));
      } else {
        const [svc] = state.services;
        assert.equal(svc?.service.type, expected);
        assert.equal(svc?.service.auth, 'acl');
        assert.equal(svc?.service.verify, true);
        assert.equal(svc?.service.purl, '');
        assert.ok(
          notes.some((n) => n.severity === 'info' && n.message.includes(`→ Twitcher ${expected}, auth acl`)),
        );
      }
    });
  }

  test('resource kinds: wps process, wfs layer → featuretype, thredds directory/file and api route → path', () => {
    const { state, notes } = read(`providers:
  pp: {url: 'http://p/wps', type: wps}
  ff: {url: 'http://f/wfs', type: wfs}
  tt: {url: 'http://t/thredds', type: thredds}
  aa: {url: 'http://a/', type: api}
permissions:
  - {service: pp, resource: /hello, permission: execute, group: g}
  - {service: ff, resource: /roads, permission: getfeature, group: g}
  - {service: tt, resource: /data/x.nc, type: /directory/file, permission: read, group: g}
  - {service: aa, resource: /collections/c1, permission: write, group: g}
`);
    assert.deepEqual(of(notes, 'error'), []);
    const kinds = Object.fromEntries(
      state.services.map((s) => [s.service.name, s.resources.map((r) => `${r.path.join('/')}:${r.kind}`)]),
    );
    assert.deepEqual(kinds, {
      pp: ['hello:process'],
      ff: ['roads:featuretype'],
      tt: ['data:path', 'data/x.nc:path'],
      aa: ['collections:path', 'collections/c1:path'],
    });
  });

  test('access: the access permission becomes read and write, recursive on the service, with an info note', () => {
    const { state, notes } = read(`providers:
  gate: {url: 'http://gate/', type: access}
permissions:
  - {service: gate, permission: access-deny-match, group: outsiders}
`);
    assert.deepEqual(of(notes, 'error'), []);
    assert.deepEqual(
      state.permissions.map((p) => `${p.permission}-${p.access}-${p.scope}`),
      ['read-deny-recursive', 'write-deny-recursive'],
    );
    assert.deepEqual(linesOf(notes, 'info', 'becomes read and write'), [4]);
  });

  test('a permission a Twitcher service of the mapped type does not take is an error', () => {
    const { state, notes } = read(`providers:
  emu: {url: 'http://emu/wps', type: wps}
permissions:
  - {service: emu, permission: getmap, group: anonymous}
  - {service: emu, permission: execute, group: anonymous}
`);
    assert.deepEqual(linesOf(notes, 'error', '"getmap" is no permission of a Twitcher wps service'), [4]);
    assert.equal(state.permissions.length, 1);
  });
});

describe('expansion of variables in the text', () => {
  const threddsFile = `providers:
  thredds:
    url: http://thredds:8080/thredds
    type: thredds
    configuration:
      metadata_type:
        prefixes: [null, catalog, ncml, uddc, iso, \${EXTRA_METADATA}]
      data_type:
        prefixes: [fileServer, dodsC, dap4, wcs, wms, ncss, \${EXTRA_DATA}]
`;

  test('an empty variable in a flow list vanishes', () => {
    const { notes } = read(threddsFile, { EXTRA_METADATA: '', EXTRA_DATA: '' });
    assert.deepEqual(of(notes, 'error'), []);
    assert.deepEqual(of(notes, 'dropped'), []);
  });

  test('a set variable in a flow list is read as an entry (here a prefix Twitcher does not honour)', () => {
    const { notes } = read(threddsFile, { EXTRA_METADATA: '', EXTRA_DATA: 'opendap' });
    assert.deepEqual(linesOf(notes, 'dropped', 'data prefix "opendap"'), [9]);
  });

  test('a variable that is not set is an error naming it, once, at its first line', () => {
    const { notes } = read(
      `providers:\n  \${EMU_NAME}:\n    url: http://emu:\${EMU_PORT}/wps\n    type: wps\npermissions:\n  - {service: \${EMU_NAME}, permission: execute, group: anonymous}\n`,
      { EMU_PORT: '5000' },
    );
    assert.deepEqual(of(notes, 'error'), [
      'm.yml:2:3 variable EMU_NAME is not set (set it, empty if that is meant)',
    ]);
  });

  test('$NAME and {NAME} in braces both expand, in keys and values', () => {
    const { state, notes } = read(`providers:\n  $NAME:\n    url: http://\${HOST}/wps\n    type: wps\n`, {
      NAME: 'emu',
      HOST: 'emu:5000',
    });
    assert.deepEqual(of(notes, 'error'), []);
    assert.equal(state.services[0]?.service.name, 'emu');
    assert.equal(state.services[0]?.service.url, 'http://emu:5000/wps');
  });

  test('an empty variable in a resource path is an error, not a shorter path', () => {
    const { state, notes } = read(
      'providers:\n  thredds: {url: "http://t/", type: thredds}\npermissions:\n  - service: thredds\n    resource: /$DATA/secure\n    permission: read-deny\n    group: anonymous\n',
      { DATA: '' },
    );
    assert.deepEqual(linesOf(notes, 'error', 'empty name between slashes'), [5]);
    assert.deepEqual(state.permissions, []);
  });
});

describe('what cannot be carried', () => {
  const file = `providers:
  stac:
    url: http://stac:8000
    title: STAC
    public: true
    c4i: false
    type: api
    sync_type: api
    hooks:
      - type: response
        path: "/stac/collections/?"
        method: POST
        target: /hooks.py:create
      - type: request
        path: "/x"
        method: GET
        target: /hooks.py:other
  wps1:
    url: http://wps1/wps
    type: wps
    sync_type: project-api
    configuration: {x: 1}
webhooks:
  - name: on-create
permissions:
  - {service: stac, permission: read, group: g, action: sometimes}
`;
  test('a dropped note per entry, at its line; sync_type equal to type says nothing', () => {
    const { notes } = read(file);
    assert.deepEqual(of(notes, 'error'), []);
    const dropped = notes.filter((n) => n.severity === 'dropped');
    assert.deepEqual(
      dropped
        .map((n) => [Number(n.origin.split(':')[1]), n.message.split(/[: ]/)[0]])
        .sort((a, b) => Number(a[0]) - Number(b[0])),
      [
        [4, 'title'],
        [5, 'public'],
        [6, 'c4i'],
        [10, 'hook'],
        [14, 'hook'],
        [21, 'sync_type'],
        [22, 'configuration'],
        [23, 'webhooks'],
        [26, 'action'],
      ],
    );
  });

  test('THREDDS configuration: each prefix and pattern Twitcher does not honour, at its line', () => {
    const { notes } = read(`providers:
  thredds:
    url: http://thredds:8080/thredds
    type: thredds
    configuration:
      skip_prefix: "thredds"
      file_patterns:
        - ".+\\\\.ncml"
        - "^(.*)_v\\\\d+\\\\.nc$"
      metadata_type:
        prefixes: [
          null,
          "\\\\w+\\\\.gif",
          "catalog\\\\.\\\\w+",
          catalog,
          info,
          ncml,
          uddc,
          iso
        ]
      data_type:
        prefixes: [fileServer, dodsC, wcs, wms, ncss]
`);
    assert.deepEqual(of(notes, 'error'), []);
    assert.deepEqual(
      notes.filter((n) => n.severity === 'dropped').map((n) => Number(n.origin.split(':')[1])),
      [9, 13, 16],
    );
    assert.ok(notes.some((n) => n.severity === 'dropped' && n.message.includes('"info"')));
    assert.deepEqual(linesOf(notes, 'info', 'prefix "dap4"'), [22]);
  });

  test('an allow on a GeoServer workspace is dropped, a deny there is an error (dropping it would widen access)', () => {
    const { state, notes } = read(`providers:
  gs:
    url: http://geoserver/geoserver/wms
    type: geoserverwms
permissions:
  - {service: gs, resource: /public, permission: getmap, group: anonymous}
  - {service: gs, resource: /secret, permission: getmap-deny, group: anonymous}
  - {service: gs, permission: getcapabilities, group: anonymous}
`);
    assert.deepEqual(linesOf(notes, 'dropped', 'getmap-allow-recursive on gs /public'), [6]);
    assert.deepEqual(linesOf(notes, 'error', 'a deny Twitcher cannot carry'), [7]);
    // the service-level permission carries
    assert.deepEqual(
      state.permissions.map((p) => `${p.service}:${p.permission}:${p.resource.join('/')}`),
      ['gs:getcapabilities:'],
    );
  });

  test('ncWMS: service-level permissions carry, directory permissions do not', () => {
    const { state, notes } = read(`providers:
  ncwms:
    url: http://ncwms/wms
    type: ncwms
permissions:
  - {service: ncwms, permission: getmap, group: anonymous}
  - {service: ncwms, resource: /outputs/x.nc, permission: getmap-deny, group: anonymous}
`);
    assert.equal(state.services[0]?.service.type, 'wms');
    assert.equal(state.permissions.length, 1);
    assert.deepEqual(linesOf(notes, 'error', 'a deny Twitcher cannot carry'), [7]);
  });

  test('a permission on a provider that is not carried: allow dropped, deny an error', () => {
    const { notes } = read(`providers:
  x: {url: 'http://x/', type: ades}
permissions:
  - {service: x, permission: read, group: anonymous}
  - {service: x, permission: read-deny, group: anonymous}
`);
    assert.deepEqual(linesOf(notes, 'dropped', 'read-allow-recursive on x: not carried'), [4]);
    assert.deepEqual(linesOf(notes, 'error', 'a deny Twitcher cannot carry'), [5]);
  });
});

describe('permissions, users and groups', () => {
  test('user and group both given: two entries; grantees ensured, special groups not created', () => {
    const { state, notes } = read(`providers:
  emu: {url: 'http://emu/wps', type: wps}
permissions:
  - {service: emu, permission: execute, user: alice, group: users}
  - {service: emu, permission: describeprocess, group: anonymous}
  - {service: emu, permission: execute, group: administrators}
  - {service: emu, resource: /hello, permission: execute-deny-match, group: anonymous, action: remove}
`);
    assert.deepEqual(of(notes, 'error'), []);
    assert.deepEqual(
      state.permissions.map((p) => [p.grantee.user ?? `group:${p.grantee.group}`, p.permission, p.action]),
      [
        ['alice', 'execute', 'create'],
        ['group:users', 'execute', 'create'],
        ['group:anonymous', 'describeprocess', 'create'],
        ['group:administrators', 'execute', 'create'],
        ['group:anonymous', 'execute', 'remove'],
      ],
    );
    assert.deepEqual(
      state.users.map((u) => [u.username, u.password, u.groups]),
      [['alice', undefined, []]],
    );
    assert.deepEqual(
      state.groups.map((g) => [g.name, g.description]),
      [['users', undefined]],
    );
    // a removal creates no resource
    assert.deepEqual(state.services[0]?.resources, []);
  });

  test('a Magpie group named authenticated, or the anonymous user, is an error', () => {
    const { notes } = read(`permissions:
  - {service: emu, permission: execute, group: authenticated}
  - {service: emu, permission: execute, user: anonymous}
`);
    assert.deepEqual(
      notes.filter((n) => n.severity === 'error').map((n) => Number(n.origin.split(':')[1])),
      [2, 3],
    );
  });

  test('users and groups sections: password, membership, description; email and discoverable dropped', () => {
    const { state, notes } = read(
      `users:
  - username: alice
    password: \${ALICE_PASSWORD}
    email: alice@example.org
    group: researchers
  - username: bob
    password: "bob-secret-1"
    group: anonymous
groups:
  - name: researchers
    description: People doing research
    discoverable: true
`,
      { ALICE_PASSWORD: 'from-the-env-1' },
    );
    assert.deepEqual(of(notes, 'error'), []);
    assert.deepEqual(
      state.users.map((u) => [u.username, u.password, u.groups]),
      [
        ['alice', { plain: 'from-the-env-1', literal: false }, ['researchers']],
        ['bob', { plain: 'bob-secret-1', literal: true }, []],
      ],
    );
    assert.deepEqual(
      state.groups.map((g) => [g.name, g.description]),
      [['researchers', 'People doing research']],
    );
    assert.deepEqual(linesOf(notes, 'dropped', 'email'), [4]);
    assert.deepEqual(linesOf(notes, 'dropped', 'discoverable'), [12]);
  });

  test('a service no file provides: the entry is kept, a path resource recorded for it', () => {
    const { state, notes } = read(
      'permissions:\n  - {service: api, resource: /api, permission: read, group: anonymous}\n',
    );
    assert.deepEqual(of(notes, 'error'), []);
    assert.equal(state.permissions.length, 1);
    assert.deepEqual(state.resources, [{ service: 'api', path: ['api'], kind: 'path', origin: 'm.yml:2:5' }]);
  });

  test('files read together: a permission file knows the types of the services another provides', () => {
    const notes: Note[] = [];
    const state = readMagpieFiles(
      [
        {
          name: 'permissions.cfg',
          text: 'permissions:\n  - {service: gs, resource: /ws, permission: getmap-deny, group: anonymous}\n',
        },
        { name: 'providers.cfg', text: 'providers:\n  gs: {url: "http://gs/wms", type: geoserverwms}\n' },
      ],
      {},
      notes,
    );
    assert.deepEqual(of(notes, 'error').length, 1);
    assert.ok(notes.some((n) => n.severity === 'error' && n.origin.startsWith('permissions.cfg:2:')));
    assert.equal(state.permissions.length, 0);
  });

  test('a resource type path is checked against the Magpie type', () => {
    const { notes } = read(`providers:
  tt: {url: 'http://t/', type: thredds}
permissions:
  - {service: tt, resource: /a/b.nc/c, type: /directory/file/file, permission: read, group: g}
  - {service: tt, resource: /a/b, type: /directory/route, permission: read, group: g}
  - {service: tt, resource: /a/b, type: /directory/directory/file, permission: read, group: g}
`);
    assert.deepEqual(
      notes.filter((n) => n.severity === 'error').map((n) => Number(n.origin.split(':')[1])),
      [4, 5, 6],
    );
  });

  test('a service name is sanitised as the registry does, in providers and permissions alike', () => {
    const { state, notes } = read(`providers:
  generic-bird: {url: 'http://bird/wps', type: wps}
permissions:
  - {service: generic-bird, permission: execute, group: anonymous}
`);
    assert.deepEqual(of(notes, 'error'), []);
    assert.equal(state.services[0]?.service.name, 'generic_bird');
    assert.equal(state.permissions[0]?.service, 'generic_bird');
  });

  test('a bad URL is an error at its line', () => {
    const { state, notes } = read('providers:\n  emu:\n    type: wps\n    url: ftp://emu/wps\n');
    assert.deepEqual(linesOf(notes, 'error', 'url'), [4]);
    assert.deepEqual(state.services, []);
  });
});
