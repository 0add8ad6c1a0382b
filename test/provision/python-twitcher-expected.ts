/**
 * What the import reads from the sample databases of python-twitcher-fixture.ts, per revision:
 * shared by the SQLite and the PostgreSQL tests.
 */
import assert from 'node:assert/strict';
import type { DesiredClient, DesiredState, Note } from '../../src/provision/model.js';
import { REVISIONS, type Revision } from '../../src/provision/python-twitcher/revisions.js';
import type { Service } from '../../src/registry/service.js';
import { SAMPLE_CLIENTS } from './python-twitcher-fixture.js';

const service = (
  s: Partial<Service> & Pick<Service, 'name' | 'url' | 'type' | 'auth' | 'verify'>,
): Service => ({
  purl: '',
  passTokenData: false,
  certSubjects: [],
  limits: {},
  ...s,
});

export const EXPECTED_SERVICES: Service[] = [
  service({ name: 'emu', url: 'http://127.0.0.1:5000/wps', type: 'wps', auth: 'token', verify: true }),
  service({
    name: 'certwps',
    url: 'https://wps.example.org/wps',
    type: 'wps',
    purl: 'https://proxy.example.org/ows/proxy/certwps',
    auth: 'cert',
    verify: true,
  }),
  service({ name: 'openwms', url: 'http://127.0.0.1:8080/wms', type: 'wms', auth: 'public', verify: false }),
  service({
    name: 'publicwfs',
    url: 'https://wfs.example.org/ows',
    type: 'wfs',
    auth: 'public',
    verify: false,
  }),
];

const atLeast = (revision: Revision, since: Revision) =>
  REVISIONS.indexOf(revision) >= REVISIONS.indexOf(since);

/** The clients as read at `revision` (none before 1ab5b6358dd5), without their origins. */
export function expectedClients(revision: Revision): Omit<DesiredClient, 'origin'>[] {
  if (!atLeast(revision, '1ab5b6358dd5')) return [];
  const named = atLeast(revision, 'b8aa09688558');
  const scoped = atLeast(revision, '0a075bcbeb8f');
  const secret = (id: string) => ({
    plain: SAMPLE_CLIENTS.find((c) => c.client_id === id)?.client_secret ?? '',
  });
  // ordered by client_id, as read
  return [
    {
      clientId: 'demo-client',
      secret: secret('demo-client'),
      scopes: ['compute'],
      ...(named && { name: 'Demo', redirectURI: 'http://localhost:8000/callback' }),
    },
    {
      clientId: 'magic-only',
      secret: secret('magic-only'),
      scopes: ['compute'],
      ...(named && { name: 'Magic' }),
    },
    { clientId: 'odd-scope', secret: secret('odd-scope'), scopes: ['compute'] },
    {
      clientId: 'two-uris',
      secret: secret('two-uris'),
      scopes: scoped ? ['compute', 'register'] : ['compute'],
      ...(named && { name: 'Two URIs', redirectURI: 'https://a.example.org/cb' }),
    },
  ];
}

/** Checks the state and the notes read from a sample database at `revision`. */
export function assertSampleRead(revision: Revision, state: DesiredState, notes: Note[]): void {
  assert.deepEqual(
    notes.filter((n) => n.severity === 'error'),
    [],
  );
  assert.deepEqual(
    state.services.map((s) => s.service),
    EXPECTED_SERVICES,
  );
  assert.ok(state.services.every((s) => /^python-twitcher services row \d+$/.test(s.origin)));
  assert.deepEqual(
    state.clients.map(({ origin: _, ...c }) => c),
    expectedClients(revision),
  );
  assert.deepEqual([state.users, state.groups, state.permissions], [[], [], []]);

  const messages = notes.map((n) => `${n.severity}: ${n.message}`);
  const has = (re: RegExp) =>
    assert.ok(
      messages.some((m) => re.test(m)),
      `a note ${re} in\n${messages.join('\n')}`,
    );
  const hasNot = (re: RegExp) =>
    assert.ok(!messages.some((m) => re.test(m)), `no note ${re} in\n${messages.join('\n')}`);
  has(/^info: 3 access token\(s\) in table (token|access_tokens) are not carried/);
  if (atLeast(revision, 'd9cff565b8db')) {
    has(/^info: service "openwms": auth is empty.*carried as auth public/);
  } else {
    has(/^info: service "openwms": public = 1 .*carried as auth public/);
  }
  has(/^info: service "openwms": verify is not set.*verify false/);
  if (!atLeast(revision, '1ab5b6358dd5')) has(/no client table/);
  if (atLeast(revision, '1ab5b6358dd5') && !atLeast(revision, '0a075bcbeb8f')) {
    has(/clients have no default_scope .*every client is given compute/);
  }
  if (atLeast(revision, '1ab5b6358dd5') && !atLeast(revision, 'b8aa09688558')) {
    has(/clients have no name and no redirect URIs/);
  }
  if (atLeast(revision, '0a075bcbeb8f')) {
    has(/^dropped: scope\(s\) Twitcher does not know: admin/);
    has(/^dropped: scope\(s\) Twitcher does not know: magic/);
    has(/^info: no scope left; carried with scope compute/);
  } else hasNot(/^dropped: scope/);
  if (atLeast(revision, 'b8aa09688558')) {
    has(/^dropped: Twitcher keeps one redirect URI .*not carried: https:\/\/b\.example\.org\/cb$/);
  } else hasNot(/^dropped: .*redirect URI/);
  // a secret is never in a note
  for (const c of SAMPLE_CLIENTS) {
    assert.ok(
      !notes.some((n) => `${n.origin} ${n.message}`.includes(c.client_secret)),
      'no secret in the notes',
    );
  }
}
