/**
 * Red team of issue 15: a file that changes a service's type (a WMS become a THREDDS server under
 * the same name). A resource the store holds at a path the file names, of the former type's kind
 * (the layer `data`), was kept: the file's deny on the directory `/data` went onto that layer,
 * which THREDDS requests never reach, and the data was open. It is now replaced (removed with what
 * is under it and its permissions, added again as the file says), in the same transaction.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const WMS = `format: twitcher/v1
services:
  svc:
    url: http://127.0.0.1:9/wms
    type: wms
    auth: acl
    resources:
      /data/sub: layer
      /maps: layer
permissions:
  - {service: svc, resource: /data, group: anonymous, permission: getmap}
`;

const THREDDS = (denied: string) => `format: twitcher/v1
services:
  svc:
    url: http://127.0.0.1:9/thredds
    type: thredds
    auth: acl
    resources:
      ${denied}: path
permissions:
  - {service: svc, group: anonymous, permission: read}
  - {service: svc, resource: ${denied}, group: anonymous, permission: read-deny}
`;

async function status(app: TestApp, path: string): Promise<number> {
  const res = await fetch(`${app.url}/ows/verify/svc${path}`, { headers: { 'x-original-method': 'GET' } });
  await res.arrayBuffer();
  return res.status;
}

const apply = (app: TestApp, text: string, prune = false) =>
  applyState(app.store, readSources([{ name: 'site.yaml', text }], {}), {
    adminUsername: app.config.admin.username,
    prune,
  });

describe('red team 15: a service whose type the file changes', () => {
  for (const prune of [false, true]) {
    test(`the deny on /data holds once WMS became THREDDS (denied), the rest is read (allowed)${prune ? ', with --prune' : ''}`, async (t) => {
      const app = await startTestApp(t);
      await apply(app, WMS);
      const { changes } = await apply(app, THREDDS('/data'), prune);
      const plan = changes.map((c) => `${c.action} ${c.kind} ${c.key}`);
      assert.ok(
        plan.includes('remove resource svc /data') && plan.includes('add resource svc /data'),
        plan.join('\n'),
      );
      assert.equal(await status(app, '/fileServer/data/x.nc'), 401);
      assert.equal(await status(app, '/fileServer/data/sub/x.nc'), 401);
      assert.equal(await status(app, '/fileServer/other/x.nc'), 200);
      const again = await apply(app, THREDDS('/data'), prune);
      assert.deepEqual(again.changes, [], 'a second apply changes nothing');
      const kinds = (await app.store.resources.list('svc')).map((r) => `${r.name} ${r.kind}`).sort();
      assert.ok(kinds.includes('data path'), kinds.join());
    });
  }

  test('a deny under a replaced layer: /data/sub denied, /data itself read (allowed)', async (t) => {
    const app = await startTestApp(t);
    await apply(app, WMS);
    await apply(app, THREDDS('/data/sub'));
    assert.equal(await status(app, '/fileServer/data/sub/x.nc'), 401);
    assert.equal(await status(app, '/fileServer/data/x.nc'), 200);
    const again = await apply(app, THREDDS('/data/sub'));
    assert.deepEqual(again.changes, []);
  });

  test('the same type and another kind stays a refusal (nothing applied)', async (t) => {
    const app = await startTestApp(t);
    await apply(app, WMS);
    const err = await apply(app, WMS.replace('/maps: layer', '/maps: path')).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof TwitcherError);
    assert.match(err.fields?.map((f) => f.message).join('\n') ?? '', /is a layer in the store, not a path/);
  });
});
