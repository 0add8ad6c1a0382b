/**
 * Birdhouse's Magpie files applied to a fresh store give the decisions Magpie gave: asked of
 * `/ows/verify` (the decision a proxied request gets, without an upstream), each allowed request
 * beside its denied twin.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyState } from '../../src/provision/apply.js';
import { readMagpieFiles } from '../../src/provision/magpie/read-magpie.js';
import type { Note } from '../../src/provision/model.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { admin, adminRequest, registerService } from '../helpers/register.js';
import {
  BIRDHOUSE_ENV,
  birdhouseFile,
  birdhouseFiles,
  birdhouseMissing,
  errorsOf,
} from './magpie-fixtures.js';

const PROVIDERS = () => birdhouseFiles().filter((f) => f.includes('providers') || f.includes('config.yml'));

/** A fresh app whose store has `files` applied (Magpie's own `api` service registered first). */
async function applied(t: Parameters<typeof startTestApp>[0], files: string[]): Promise<TestApp> {
  const app = await startTestApp(t);
  // components/magpie's permissions name Magpie's own API, which no file here provides
  await registerService(app, { name: 'api', url: 'http://magpie:2001', type: 'http', auth: 'acl' });
  const notes: Note[] = [];
  const state = readMagpieFiles(files.map(birdhouseFile), BIRDHOUSE_ENV, notes);
  assert.deepEqual(errorsOf(notes), []);
  const result = await applyState(app.store, { state, notes }, { adminUsername: app.config.admin.username });
  assert.equal(result.applied, true);
  return app;
}

async function tokenFor(app: TestApp, user: string): Promise<string> {
  await admin(app, 'POST', '/users', { username: user, password: `${user}-password-1` });
  const { body } = await fetchToken(app, await addClient(app, { user }));
  return body['access_token'] as string;
}

/** The status `/ows/verify` answers for `method path?query` on `service`. */
async function verify(app: TestApp, service: string, pathAndQuery: string, token?: string, method = 'GET') {
  const headers: Record<string, string> = { 'x-original-method': method };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${app.url}/ows/verify/${service}${pathAndQuery}`, { headers });
  await res.arrayBuffer();
  return res.status;
}

const EXECUTE = '?service=WPS&version=1.0.0&request=Execute&identifier=hello';

describe('Birdhouse Magpie files applied', { skip: birdhouseMissing }, () => {
  test('each file applies to a fresh store (with the providers files it needs)', async (t) => {
    for (const file of birdhouseFiles()) {
      await t.test(file, async (tt) => {
        const files = [...new Set([...PROVIDERS(), file])];
        const app = await applied(tt, files);
        const services = await adminRequest(app, 'GET', '/services');
        const names = (services.body as { name: string; auth: string }[]).map((s) => `${s.name} ${s.auth}`);
        for (const name of ['emu', 'finch', 'thredds', 'weaver', 'weaver_wps'])
          assert.ok(names.includes(`${name} acl`), names.join());
      });
    }
  });

  test('emu: anonymous may Execute (allowed); on hummingbird, which grants nothing, it may not (denied)', async (t) => {
    const app = await applied(t, [
      'optional-components__emu__providers.cfg.template',
      'optional-components__emu__permissions.cfg.template',
      'components__hummingbird__providers.cfg.template',
    ]);
    assert.equal(await verify(app, 'emu', EXECUTE), 200);
    assert.equal(await verify(app, 'hummingbird', EXECUTE), 401);
  });

  test('secure THREDDS data: a member of thredds-secure-authtest-group reads it, another user is refused', async (t) => {
    const app = await applied(t, [
      'components__thredds__providers.cfg.template',
      'optional-components__secure-thredds__permissions.cfg.template',
    ]);
    // what Birdhouse's all-public-access adds beside it: the deny on secure/ is what refuses then
    for (const permission of ['browse', 'read']) {
      await admin(app, 'POST', '/permissions', { group: 'anonymous', service: 'thredds', permission });
    }
    const member = await tokenFor(app, 'authtest');
    const other = await tokenFor(app, 'bob');
    await admin(app, 'PUT', '/groups/thredds-secure-authtest-group/members/authtest');
    const secure = '/fileServer/birdhouse/testdata/secure/x.nc';
    assert.equal(await verify(app, 'thredds', secure, member), 200);
    assert.equal(await verify(app, 'thredds', secure, other), 403);
    assert.equal(await verify(app, 'thredds', secure), 401);
    // the deny is on secure/ only
    assert.equal(await verify(app, 'thredds', '/fileServer/birdhouse/testdata/public/x.nc', other), 200);
  });

  test('Weaver: anonymous lists processes (read-match) but does not describe one, nor deploy', async (t) => {
    const app = await applied(t, ['components__weaver__config.yml.template']);
    assert.equal(await verify(app, 'weaver', '/processes'), 200);
    assert.equal(await verify(app, 'weaver', '/processes/some-process'), 401);
    assert.equal(await verify(app, 'weaver', '/processes', undefined, 'POST'), 401);
    assert.equal(await verify(app, 'weaver', '/providers/finch/processes'), 200);
    assert.equal(await verify(app, 'weaver', '/jobs'), 401);
  });
});
