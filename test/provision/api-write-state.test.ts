/**
 * The state twitcherctl sends (stateToDocument) is the state the server reads (readNative, partial,
 * nothing expanded): for a native file, and for every Birdhouse Magpie file, whose fields left
 * undefined ("keep what the store has") must stay undefined.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredState, Note } from '../../src/provision/model.js';
import { readNative, valueSource } from '../../src/provision/native/read-native.js';
import { documentOrigins, stateToDocument } from '../../src/provision/native/write-state.js';
import { readSources } from '../../src/provision/read-files.js';
import {
  BIRDHOUSE_ENV,
  birdhouseFile,
  birdhouseFiles,
  birdhouseMissing,
  errorsOf,
} from './magpie-fixtures.js';

const HASH = `scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$${'A'.repeat(86)}`;

const SITE = `format: twitcher/v1
services:
  emu:
    url: http://127.0.0.1:5000/wps
    type: wps
    auth: acl
    resources:
      /hello: process
      /outputs/2026: path
groups:
  researchers: {priority: 5, description: Climate researchers}
users:
  alice:
    password: \${ALICE_PASSWORD}
    groups: [researchers]
  bob:
    passwordHash: ${HASH}
    certificateDN: CN=bob,O=Example
clients:
  portal:
    name: Portal
    secret: \${PORTAL_SECRET}
    data: {project: cmip6}
    owner: alice
permissions:
  - {service: emu, group: anonymous, permission: getcapabilities}
  - {service: emu, resource: /hello, group: researchers, permission: execute-allow-match}
  - {service: emu, resource: /outputs, user: bob, permission: read-deny}
  - {service: emu, user: bob, permission: describeprocess, action: remove}
`;

/** What the server reads from the document twitcherctl sends. */
function overTheWire(state: DesiredState): { state: DesiredState; notes: Note[] } {
  const notes: Note[] = [];
  const doc = JSON.parse(JSON.stringify(stateToDocument(state)));
  const read = readNative(valueSource('request', doc), notes, { env: {}, expand: false, partial: true });
  return { state: read, notes };
}

/** The state without what does not travel: origins, and `literal` (checked where the files are). */
function comparable(state: DesiredState): unknown {
  return JSON.parse(
    JSON.stringify(state, (key, value) => (key === 'origin' || key === 'literal' ? undefined : value)),
  );
}

/** Undefined members too: a field the state leaves undefined must not come back with a default. */
function definedKeys(state: DesiredState): string[] {
  const keys: string[] = [];
  for (const u of state.users) keys.push(`user ${u.username}: ${Object.keys(u).sort().join(',')}`);
  for (const g of state.groups) keys.push(`group ${g.name}: ${Object.keys(g).sort().join(',')}`);
  for (const c of state.clients) keys.push(`client ${c.clientId}: ${Object.keys(c).sort().join(',')}`);
  return keys.map((k) => k.replace(/,?literal/, ''));
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const withoutUndefined = (s: DesiredState): DesiredState => ({
  ...s,
  users: s.users.map(defined),
  groups: s.groups.map(defined),
  clients: s.clients.map(defined),
});

test('a native state read back from its document is the same state, secrets in clear or hashed', () => {
  const read = readSources([{ name: 'site.yaml', text: SITE }], {
    ALICE_PASSWORD: 'alice-password-1',
    PORTAL_SECRET: 'portal-secret-value-1',
  });
  assert.deepEqual(errorsOf(read.notes), []);
  const back = overTheWire(read.state);
  assert.deepEqual(back.notes, []);
  assert.deepEqual(comparable(back.state), comparable(read.state));
  assert.deepEqual(definedKeys(withoutUndefined(back.state)), definedKeys(withoutUndefined(read.state)));
  const alice = back.state.users.find((u) => u.username === 'alice');
  assert.deepEqual(alice?.password, { plain: 'alice-password-1', literal: false });
  const bob = back.state.users.find((u) => u.username === 'bob');
  assert.deepEqual(bob?.password, { hash: HASH });
});

test('a field the state leaves undefined stays undefined: the store keeps what it has', () => {
  const state: DesiredState = {
    services: [],
    users: [{ username: 'carol', groups: ['staff'], origin: 'x' }],
    groups: [{ name: 'staff', origin: 'x' }],
    clients: [{ clientId: 'portal', scopes: ['compute'], origin: 'x' }],
    permissions: [],
    resources: [{ service: 'thredds', path: ['birdhouse', 'data'], kind: 'path', origin: 'x' }],
  };
  const back = overTheWire(state).state;
  assert.deepEqual(withoutUndefined(back).users, [
    { username: 'carol', groups: ['staff'], origin: 'request:users.carol' },
  ]);
  assert.deepEqual(withoutUndefined(back).groups, [{ name: 'staff', origin: 'request:groups.staff' }]);
  assert.deepEqual(withoutUndefined(back).clients, [
    { clientId: 'portal', scopes: ['compute'], origin: 'request:clients.portal' },
  ]);
  assert.deepEqual(back.resources, [
    {
      service: 'thredds',
      path: ['birdhouse', 'data'],
      kind: 'path',
      origin: 'request:resources.thredds./birdhouse/data',
    },
  ]);
});

test('null is kept apart from absent: no certificate DN, no owner', () => {
  const state: DesiredState = {
    services: [],
    users: [{ username: 'dave', certificateDN: null, admin: false, groups: [], origin: 'x' }],
    groups: [],
    clients: [{ clientId: 'c', owner: null, origin: 'x' }],
    permissions: [],
  };
  const back = overTheWire(state).state;
  assert.equal(back.users[0]?.certificateDN, null);
  assert.equal(back.users[0]?.admin, false);
  assert.equal(back.clients[0]?.owner, null);
  assert.equal(back.clients[0]?.name, undefined);
});

test('a file on disk named in the document is not read by the server', () => {
  const notes: Note[] = [];
  readNative(
    valueSource('request', { format: 'twitcher/v1', users: { eve: { passwordFile: '/etc/shadow' } } }),
    notes,
    { env: {}, expand: false, partial: true },
  );
  assert.deepEqual(
    notes.map((n) => `${n.origin} ${n.message}`),
    [
      'request:users.eve.passwordFile a file on the server is not read: twitcherctl reads it where the files are',
    ],
  );
});

test('every Birdhouse Magpie file travels unchanged, alone and all together', {
  skip: birdhouseMissing,
}, () => {
  const all = birdhouseFiles();
  for (const [name, files] of [...all.map((f) => [f, [f]] as const), ['all', all] as const]) {
    const read = readSources(files.map(birdhouseFile), BIRDHOUSE_ENV);
    assert.deepEqual(errorsOf(read.notes), [], name);
    const back = overTheWire(read.state);
    assert.deepEqual(errorsOf(back.notes), [], name);
    assert.deepEqual(comparable(back.state), comparable(read.state), name);
    assert.deepEqual(
      definedKeys(withoutUndefined(back.state)),
      definedKeys(withoutUndefined(read.state)),
      name,
    );
  }
});

test('a user or group several files name is one entry of the document, its fields and groups together', () => {
  const read = readSources(
    [
      {
        name: 'site.yaml',
        text: `format: twitcher/v1\ngroups:\n  staff: {priority: 3}\nusers:\n  alice:\n    password: \${ALICE_PASSWORD}\n    groups: [staff]\n`,
      },
      {
        name: 'config.yml',
        text: `users:\n  - username: alice\n    password: \${ALICE_PASSWORD}\n    group: researchers\n`,
      },
    ],
    { ALICE_PASSWORD: 'alice-password-1' },
  );
  assert.deepEqual(errorsOf(read.notes), []);
  const doc = stateToDocument(read.state) as unknown as {
    users: Record<string, unknown>;
    groups: Record<string, unknown>;
  };
  assert.deepEqual(doc.users, {
    alice: {
      password: 'alice-password-1',
      admin: false,
      certificateDN: null,
      groups: ['staff', 'researchers'],
    },
  });
  assert.deepEqual(doc.groups, { staff: { priority: 3, description: '' }, researchers: {} });
  assert.match(documentOrigins(read.state).get('users.alice') ?? '', /^site\.yaml:/);
});
