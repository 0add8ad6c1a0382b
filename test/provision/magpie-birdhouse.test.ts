/**
 * Every Magpie file Birdhouse ships imports: the services, resources and permissions each gives,
 * and what it cannot carry (hooks, Phoenix flags, THREDDS prefixes Twitcher does not have).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readMagpieFile, readMagpieFiles } from '../../src/provision/magpie/read-magpie.js';
import type { Note } from '../../src/provision/model.js';
import {
  BIRDHOUSE_ENV,
  birdhouseFile,
  birdhouseFiles,
  birdhouseMissing,
  errorsOf,
  summarize,
} from './magpie-fixtures.js';

interface Expected {
  services: string[];
  resources: string[];
  permissions: string[];
  users: string[];
  groups: string[];
  /** How many dropped notes. */
  dropped: number;
}

const wpsBird = (name: string, url: string): Expected => ({
  services: [`${name} wps acl ${url}`],
  resources: [],
  permissions: [],
  users: [],
  groups: [],
  /** title, public, c4i */
  dropped: 3,
});
const publicWPS = (name: string) => [
  `${name} / group:anonymous getcapabilities-allow-recursive`,
  `${name} / group:anonymous describeprocess-allow-recursive`,
  `${name} / group:anonymous execute-allow-recursive`,
];
const permissionsOnly = (permissions: string[], resources: string[] = []): Expected => ({
  services: [],
  resources,
  permissions,
  users: [],
  groups: [],
  dropped: 0,
});
const secure = (grantee: string, access: string) =>
  ['browse', 'read', 'write'].map(
    (p) => `thredds /birdhouse/testdata/secure ${grantee} ${p}-${access}-recursive`,
  );
const weaverReads = ['json', 'api', 'versions', 'conformance', 'static'];
const weaverProviders = ['catalog', 'finch', 'flyingpigeon', 'hummingbird', 'malleefowl', 'raven'];

const EXPECTED: Record<string, Expected> = {
  'components__finch__providers.cfg.template': wpsBird('finch', 'http://finch:5000/wps'),
  'components__hummingbird__providers.cfg.template': wpsBird('hummingbird', 'http://hummingbird:8080/wps'),
  'components__raven__providers.cfg.template': wpsBird('raven', 'http://raven:9099/wps'),
  'optional-components__emu__providers.cfg.template': wpsBird('emu', 'http://emu:5000/wps'),
  'optional-components__generic_bird__providers.cfg.template': wpsBird(
    'generic_bird',
    'http://generic_bird:5000/wps',
  ),
  'components__magpie__permissions.cfg.template': permissionsOnly(
    ['api /api group:anonymous read-allow-recursive'],
    ['api /api path'],
  ),
  'optional-components__emu__permissions.cfg.template': permissionsOnly(publicWPS('emu')),
  'optional-components__generic_bird__permissions.cfg.template': permissionsOnly(publicWPS('generic_bird')),
  'optional-components__secure-thredds__permissions.cfg.template': {
    ...permissionsOnly(
      [...secure('group:anonymous', 'deny'), ...secure('group:thredds-secure-authtest-group', 'allow')],
      [
        'thredds /birdhouse path',
        'thredds /birdhouse/testdata path',
        'thredds /birdhouse/testdata/secure path',
      ],
    ),
    groups: ['thredds-secure-authtest-group'],
  },
  'components__thredds__providers.cfg.template': {
    ...wpsBird('thredds', ''),
    services: ['thredds thredds acl http://thredds:8080/twitcher/ows/proxy/thredds'],
    // title, public, c4i; the metadata prefixes \w+\.gif, \w+\.ico, \w+\.css and info
    dropped: 7,
  },
  'components__stac__config.yml.template': {
    services: ['stac http acl http://stac:8000'],
    resources: ['stac /stac path'],
    permissions: [
      'stac /stac group:stac-admin write-allow-recursive',
      'stac /stac group:stac-admin read-allow-recursive',
    ],
    users: [],
    groups: ['stac-admin'],
    // title, public, c4i, two hooks
    dropped: 5,
  },
  'components__weaver__config.yml.template': {
    services: ['weaver http acl http://weaver:4001', 'weaver_wps wps acl http://weaver:4001/wps'],
    resources: [
      ...weaverReads.map((r) => `weaver /${r} path`),
      'weaver /processes path',
      'weaver /providers path',
      ...weaverProviders.map((p) => `weaver /providers/${p} path`),
    ],
    permissions: [
      'weaver / group:administrators read-allow-recursive',
      'weaver / group:administrators write-allow-recursive',
      'weaver / group:anonymous read-allow-match',
      ...weaverReads.map((r) => `weaver /${r} group:anonymous read-allow-recursive`),
      'weaver /processes group:anonymous read-allow-match',
      'weaver /processes group:app_producers write-allow-recursive',
      'weaver /providers group:anonymous read-allow-match',
      ...weaverProviders.map((p) => `weaver /providers/${p} group:anonymous read-allow-recursive`),
      'weaver_wps / group:anonymous getcapabilities-allow-recursive',
      'weaver_wps / group:anonymous describeprocess-allow-recursive',
    ],
    users: [],
    groups: ['app_producers'],
    // title, public, c4i twice; eight hooks
    dropped: 14,
  },
};

describe('Birdhouse Magpie files', { skip: birdhouseMissing }, () => {
  test('the table covers every file', () => {
    assert.deepEqual(birdhouseFiles(), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(name, () => {
      const notes: Note[] = [];
      const state = readMagpieFile(birdhouseFile(name), BIRDHOUSE_ENV, notes);
      assert.deepEqual(errorsOf(notes), []);
      const { dropped, ...rest } = expected;
      assert.deepEqual(summarize(state), rest);
      assert.equal(
        notes.filter((n) => n.severity === 'dropped').length,
        dropped,
        JSON.stringify(notes, null, 1),
      );
      for (const s of state.services) {
        assert.ok(
          notes.some((n) => n.severity === 'info' && n.message.startsWith(`${s.service.name}: Magpie `)),
          `an info note with the mapping of ${s.service.name}`,
        );
      }
    });
  }

  test('the THREDDS file: what Twitcher does not honour, at its line', () => {
    const notes: Note[] = [];
    readMagpieFile(birdhouseFile('components__thredds__providers.cfg.template'), BIRDHOUSE_ENV, notes);
    const at = (text: string) =>
      notes.filter((n) => n.message.includes(text)).map((n) => `${n.severity} ${n.origin.split(':')[1]}`);
    assert.deepEqual(at('\\\\w+\\\\.gif'), ['dropped 20']);
    assert.deepEqual(at('"info"'), ['dropped 25']);
    assert.deepEqual(at('title'), ['dropped 4']);
    assert.deepEqual(at('"dap4"'), ['info 32']);
  });

  test('the Weaver file: each hook dropped at its line, the WPS name sanitised', () => {
    const notes: Note[] = [];
    readMagpieFile(birdhouseFile('components__weaver__config.yml.template'), BIRDHOUSE_ENV, notes);
    assert.deepEqual(
      notes.filter((n) => n.message.startsWith('hook ')).map((n) => Number(n.origin.split(':')[1])),
      [23, 27, 31, 36, 40, 44, 49, 53],
    );
    assert.ok(
      notes.some(
        (n) =>
          n.severity === 'info' &&
          n.message.includes('weaver_wps: Magpie wps → Twitcher wps, auth acl (name "weaver-wps" sanitised)'),
      ),
    );
  });

  test('all files together: no error, every permission on a service they provide or the store has', () => {
    const notes: Note[] = [];
    const state = readMagpieFiles(birdhouseFiles().map(birdhouseFile), BIRDHOUSE_ENV, notes);
    assert.deepEqual(errorsOf(notes), []);
    const names = new Set(state.services.map((s) => s.service.name));
    assert.deepEqual([...names].sort(), [
      'emu',
      'finch',
      'generic_bird',
      'hummingbird',
      'raven',
      'stac',
      'thredds',
      'weaver',
      'weaver_wps',
    ]);
    // only Magpie's own `api` service is provided elsewhere
    assert.deepEqual(
      [...new Set(state.permissions.map((p) => p.service).filter((s) => !names.has(s)))],
      ['api'],
    );
  });

  test('a Birdhouse variable left unset is an error naming it, not an empty service name', () => {
    const notes: Note[] = [];
    const { EMU_NAME: _, ...env } = BIRDHOUSE_ENV;
    const state = readMagpieFile(
      birdhouseFile('optional-components__emu__providers.cfg.template'),
      env,
      notes,
    );
    assert.deepEqual(errorsOf(notes), [
      'optional-components__emu__providers.cfg.template:2:3 variable EMU_NAME is not set (set it, empty if that is meant)',
    ]);
    assert.ok(state.services.every((s) => s.service.name !== ''));
  });
});
