/**
 * Red team of issue 15: the special groups in a native file. `anonymous` has priority −1 so that
 * any group's decision beats what everyone is given (Magpie's order). A file that names
 * `anonymous` only to describe it states the whole entry, and the priority it leaves out takes the
 * default 0: anonymous then ties with the other groups, and its allow on a closer resource beats a
 * group's deny: a special group's priority defaults to its own (SPECIAL_GROUP_PRIORITIES).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';

const SITE = `format: twitcher/v1
services:
  tds:
    url: http://127.0.0.1:9/thredds
    type: thredds
    auth: acl
    resources:
      /data/open: path
groups:
  blocked: {}
users:
  bob:
    groups: [blocked]
permissions:
  - {service: tds, resource: /data, group: blocked, permission: read-deny}
  - {service: tds, resource: /data/open, group: anonymous, permission: read}
`;

async function bobReads(app: TestApp): Promise<number> {
  const { body } = await fetchToken(app, await addClient(app, { user: 'bob' }));
  const res = await fetch(`${app.url}/ows/verify/tds/fileServer/data/open/x.nc`, {
    headers: { 'x-original-method': 'GET', authorization: `Bearer ${body['access_token'] as string}` },
  });
  await res.arrayBuffer();
  return res.status;
}

async function applied(t: Parameters<typeof startTestApp>[0], text: string): Promise<TestApp> {
  const app = await startTestApp(t);
  await applyState(app.store, readSources([{ name: 'site.yaml', text }], {}), {
    adminUsername: app.config.admin.username,
  });
  return app;
}

describe('red team 15: the priority of a special group named in a file', () => {
  test('anonymous not named: the blocked group decides for bob (denied)', async (t) => {
    const app = await applied(t, SITE);
    assert.equal(await bobReads(app), 403);
  });

  test('anonymous given its priority -1 explicitly: still denied; given 0, the file opens it (allowed)', async (t) => {
    const app = await applied(
      t,
      SITE.replace('  blocked: {}\n', '  blocked: {}\n  anonymous: {priority: -1}\n'),
    );
    assert.equal(await bobReads(app), 403);
    const opened = await applied(
      t,
      SITE.replace('  blocked: {}\n', '  blocked: {}\n  anonymous: {priority: 0}\n'),
    );
    assert.equal(await bobReads(opened), 200, 'what a priority of 0 written in the file means');
  });

  test('anonymous named only for its description keeps its priority -1 (denied)', async (t) => {
    const app = await applied(
      t,
      SITE.replace('  blocked: {}\n', '  blocked: {}\n  anonymous: {description: Everyone}\n'),
    );
    assert.equal((await app.store.groups.get('anonymous'))?.priority, -1);
    assert.equal(await bobReads(app), 403);
  });
});
