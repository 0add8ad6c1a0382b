/**
 * Red team of issue 15: a Magpie THREDDS provider's `configuration` says which first path segments
 * need `browse` (metadata) and which need `read` (data). Twitcher's rules are fixed. A prefix the
 * configuration puts under data that Twitcher reads as metadata (`catalog`, `ncml`…) would be opened
 * by `browse`, which sites grant far more widely than `read`: such a file is refused. The other way
 * (a data prefix listed as metadata) only narrows, and is noted.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const provider = (metadata: string, data: string) => `providers:
  thredds:
    url: http://127.0.0.1:9/thredds
    type: thredds
    configuration:
      skip_prefix: thredds
      metadata_type:
        prefixes: [null, ${metadata}]
      data_type:
        prefixes: [${data}]
permissions:
  - {service: thredds, group: anonymous, permission: browse-allow-recursive}
  - {service: thredds, group: anonymous, permission: read-deny-recursive}
`;

async function verify(app: TestApp, path: string): Promise<number> {
  const res = await fetch(`${app.url}/ows/verify/thredds${path}`, {
    headers: { 'x-original-method': 'GET' },
  });
  await res.arrayBuffer();
  return res.status;
}

async function applyFile(app: TestApp, text: string) {
  return applyState(app.store, readSources([{ name: 'providers.cfg', text }], {}), {
    adminUsername: app.config.admin.username,
  });
}

describe('red team 15: THREDDS prefixes of a Magpie provider', () => {
  test('the usual split applies: anonymous browses the catalog (allowed) but reads no data (denied)', async (t) => {
    const app = await startTestApp(t);
    const { notes } = await applyFile(
      app,
      provider('catalog, ncml, uddc, iso', 'fileServer, dodsC, dap4, wcs, wms, ncss'),
    );
    assert.deepEqual(
      notes.filter((n) => n.severity === 'error'),
      [],
    );
    assert.equal(await verify(app, '/catalog/birdhouse/catalog.html'), 200);
    assert.equal(await verify(app, '/ncml/birdhouse/x.nc'), 200);
    assert.equal(await verify(app, '/fileServer/birdhouse/x.nc'), 401);
  });

  for (const prefix of ['catalog', 'ncml', 'iso']) {
    test(`"${prefix}" listed as data (read in Magpie) is refused, nothing applied (it would be open to browse)`, async (t) => {
      const app = await startTestApp(t);
      const metadata = ['catalog', 'ncml', 'uddc', 'iso'].filter((p) => p !== prefix).join(', ');
      const err = await applyFile(app, provider(metadata, `fileServer, ${prefix}`)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof TwitcherError, 'refused');
      assert.match(err.fields?.map((f) => f.message).join('\n') ?? '', new RegExp(`data prefix "${prefix}"`));
      assert.equal(await app.store.services.get('thredds'), undefined, 'nothing applied');
    });
  }

  test('"wms" listed as metadata (browse in Magpie) is noted and needs read in Twitcher (denied)', async (t) => {
    const app = await startTestApp(t);
    const { notes } = await applyFile(app, provider('catalog, wms', 'fileServer'));
    assert.ok(notes.some((n) => n.severity === 'dropped' && n.message.includes('metadata prefix "wms"')));
    assert.equal(await verify(app, '/wms/birdhouse/x.nc?service=WMS&request=GetCapabilities'), 401);
    assert.equal(await verify(app, '/catalog/birdhouse/catalog.xml'), 200);
  });
});
