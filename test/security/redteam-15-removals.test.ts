/**
 * Red team of issue 15: `action: remove` in a provisioning file. A removal names a permission with
 * its access (`read-allow`, `read-deny-match`); the store keeps one permission per grantee, resource
 * and name. Taking away an allow must never take away a deny that happens to sit there: the file's
 * text narrows access and the result would widen it. Asked of `/ows/verify`, as a request would be.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const SITE = `format: twitcher/v1
services:
  tds:
    url: http://127.0.0.1:9/thredds
    type: thredds
    auth: acl
    resources:
      /secure: path
permissions:
  - service: tds
    group: anonymous
    permission: read
`;

const SECURE = '/fileServer/secure'; // the directory itself: match and recursive both hold there

async function status(app: TestApp, path: string): Promise<number> {
  const res = await fetch(`${app.url}/ows/verify/tds${path}`, { headers: { 'x-original-method': 'GET' } });
  await res.arrayBuffer();
  return res.status;
}

async function apply(app: TestApp, name: string, text: string) {
  return applyState(app.store, readSources([{ name, text }], {}), {
    adminUsername: app.config.admin.username,
  });
}

/** A site where anonymous reads everything but /secure, which `stored` says for anonymous. */
async function site(t: Parameters<typeof startTestApp>[0], stored: string): Promise<TestApp> {
  const app = await startTestApp(t);
  await apply(
    app,
    'site.yaml',
    `${SITE}  - service: tds
    resource: /secure
    group: anonymous
    permission: ${stored}
`,
  );
  return app;
}

const magpieRemoval = (permission: string) => `permissions:
  - service: tds
    resource: /secure
    group: anonymous
    permission: ${permission}
    action: remove
`;

const nativeRemoval = (permission: string) => `format: twitcher/v1
permissions:
  - service: tds
    resource: /secure
    group: anonymous
    permission: ${permission}
    action: remove
`;

// stored on /secure, the removal applied, what anonymous then gets on /secure
const CASES: { stored: string; removal: string; expect: number; why: string }[] = [
  { stored: 'read-deny', removal: 'read-allow', expect: 401, why: 'an allow removal leaves the deny' },
  { stored: 'read-deny', removal: 'read', expect: 401, why: 'read means read-allow-recursive' },
  {
    stored: 'read-deny-recursive',
    removal: 'read-deny-match',
    expect: 401,
    why: 'a deny-match removal leaves a recursive deny',
  },
  { stored: 'read-deny', removal: 'read-deny', expect: 200, why: 'the same deny is taken away' },
  {
    stored: 'read-deny-match',
    removal: 'read-deny-match',
    expect: 200,
    why: 'the same deny-match is taken away',
  },
];

describe('red team 15: a removal takes away only what it names', () => {
  for (const [format, removal] of [
    ['Magpie', magpieRemoval],
    ['native', nativeRemoval],
  ] as const) {
    for (const c of CASES) {
      const verdict = c.expect === 200 ? 'allowed' : 'denied';
      test(`${format}: ${c.stored} stored, remove ${c.removal}: ${verdict} (${c.why})`, async (t) => {
        const app = await site(t, c.stored);
        assert.equal(await status(app, SECURE), 401, 'the deny holds before');
        assert.equal(await status(app, '/fileServer/public/x.nc'), 200, 'the rest is public');
        await apply(app, format === 'Magpie' ? 'remove.cfg' : 'remove.yaml', removal(c.removal));
        assert.equal(await status(app, SECURE), c.expect);
        const again = await apply(app, 'remove.yaml', removal(c.removal));
        assert.deepEqual(again.changes, [], 'a second apply changes nothing');
      });
    }
  }

  test('an allow removal takes away an allow of either scope (denied), and only that one (allowed)', async (t) => {
    const app = await startTestApp(t);
    await apply(
      app,
      'site.yaml',
      `format: twitcher/v1
services:
  tds:
    url: http://127.0.0.1:9/thredds
    type: thredds
    auth: acl
    resources:
      /open: path
      /other: path
permissions:
  - {service: tds, resource: /open, group: anonymous, permission: read-allow-match}
  - {service: tds, resource: /other, group: anonymous, permission: read-allow-recursive}
`,
    );
    assert.equal(await status(app, '/fileServer/open'), 200);
    const { changes } = await apply(app, 'remove.cfg', magpieRemoval('read').replace('/secure', '/open'));
    assert.deepEqual(
      changes.map((c) => `${c.action} ${c.key}`),
      ['remove group:anonymous read-allow-match on tds /open'],
    );
    assert.equal(await status(app, '/fileServer/open'), 401);
    assert.equal(await status(app, '/fileServer/other/x.nc'), 200);
  });
});
