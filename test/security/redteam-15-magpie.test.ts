/**
 * Red team of issue 15: Magpie permission entries whose text denies. A deny with a misspelled
 * `action` (`Create`, `create `) is ignored by Magpie and was dropped with a note, so the files
 * applied without it; a resource path with `.` or `..` named a resource no request reaches (and the
 * store refused it only once applying). Both are refused when read; the correct spellings apply.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const PROVIDER = `providers:
  thredds: {url: 'http://127.0.0.1:9/thredds', type: thredds}
permissions:
  - {service: thredds, group: anonymous, permission: read}
`;

async function verify(app: TestApp, path: string): Promise<number> {
  const res = await fetch(`${app.url}/ows/verify/thredds${path}`, {
    headers: { 'x-original-method': 'GET' },
  });
  await res.arrayBuffer();
  return res.status;
}

const entry = (fields: string) => `${PROVIDER}  - {service: thredds, group: anonymous, ${fields}}\n`;

const CASES: { name: string; text: string; refused?: RegExp; secure?: number }[] = [
  {
    name: 'a deny with action create',
    text: entry('resource: /secure, permission: read-deny, action: create'),
    secure: 401,
  },
  { name: 'a deny without action', text: entry('resource: /secure, permission: read-deny'), secure: 401 },
  {
    name: 'a deny with action Create',
    text: entry('resource: /secure, permission: read-deny, action: Create'),
    refused: /neither create nor remove/,
  },
  {
    name: 'a deny with action "create "',
    text: entry('resource: /secure, permission: read-deny, action: "create "'),
    refused: /neither create nor remove/,
  },
  {
    name: 'an allow with action Create (dropped: only narrower)',
    text: entry('resource: /secure, permission: read, action: Create'),
    secure: 200,
  },
  {
    name: 'a deny on /x/../secure',
    text: entry('resource: /x/../secure, permission: read-deny'),
    refused: /segment "\.\."/,
  },
  {
    name: 'a deny on /./secure',
    text: entry('resource: /./secure, permission: read-deny'),
    refused: /segment "\."/,
  },
];

describe('red team 15: Magpie entries that deny', () => {
  for (const c of CASES) {
    test(`${c.name}: ${c.refused ? 'refused' : c.secure === 200 ? 'allowed' : 'denied'}`, async (t) => {
      const app = await startTestApp(t);
      const run = () =>
        applyState(app.store, readSources([{ name: 'config.yml', text: c.text }], {}), {
          adminUsername: app.config.admin.username,
        });
      if (c.refused) {
        const err = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof TwitcherError, 'refused');
        assert.match(err.fields?.map((f) => f.message).join('\n') ?? '', c.refused);
        assert.equal(await app.store.services.get('thredds'), undefined, 'nothing applied');
        return;
      }
      await run();
      assert.equal(await verify(app, '/fileServer/secure/x.nc'), c.secure);
      assert.equal(await verify(app, '/fileServer/public/x.nc'), 200);
    });
  }
});
