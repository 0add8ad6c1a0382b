import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import {
  type MapServerPeer,
  type PeerServer,
  peerAvailable,
  requirePeer,
  runOWSLib,
  type StepResult,
  startMapServer,
  startPyWPS,
} from '../helpers/peers.js';
import { admin as adminCall, registerService } from '../helpers/register.js';

/**
 * Fine-grained authorization in front of the real PyWPS and MapServer, driven by OWSLib as two users:
 * alice (group staff) may use every process and layer; bob only the process `hello` and the layer
 * `regions`. Each sees its own process and layer lists, and can run only what it may.
 */
describe('interop: auth acl with real PyWPS, MapServer and OWSLib, as two users', () => {
  let app: TestApp;
  let wps: PeerServer | undefined;
  let map: MapServerPeer | undefined;
  const tokens: Record<string, string> = {};
  const haveWPS = peerAvailable('pywps').ok && peerAvailable('owslib').ok;
  const haveMap = peerAvailable('mapserver').ok && peerAvailable('owslib').ok;

  const admin = (method: string, path: string, body?: unknown) => adminCall(app, method, path, body);

  before(async () => {
    app = await startTestApp(undefined, { overrides: { 'authz.basicAuth': true } });
    for (const user of ['alice', 'bob']) {
      await admin('POST', '/users', { username: user, password: `${user}-password-1` });
      // each user's own OAuth2 client; the token comes from the token endpoint, as OWSLib users get it
      const client = await addClient(app, { name: `${user}-laptop`, user });
      const { status, body } = await fetchToken(app, client);
      assert.equal(status, 200);
      tokens[user] = body['access_token'] as string;
    }
    await admin('POST', '/groups', { name: 'staff', priority: 1 });
    await admin('PUT', '/groups/staff/members/alice');
    if (haveWPS) {
      wps = await startPyWPS();
      await registerService(app, { name: 'emu', url: wps.url, type: 'wps', auth: 'acl' });
      await admin('POST', '/services/emu/resources', { kind: 'process', name: 'hello' });
      await admin('POST', '/permissions', {
        group: 'anonymous',
        service: 'emu',
        permission: 'getcapabilities',
        scope: 'match',
      });
      for (const permission of ['describeprocess', 'execute']) {
        await admin('POST', '/permissions', { group: 'staff', service: 'emu', permission });
        await admin('POST', '/permissions', {
          user: 'bob',
          service: 'emu',
          resource: 'hello',
          permission,
          scope: 'match',
        });
      }
    }
    if (haveMap) {
      map = await startMapServer();
      await registerService(app, { name: 'map', url: map.url, type: 'wms', auth: 'acl' });
      await admin('POST', '/services/map/resources', { kind: 'layer', name: 'peers' });
      for (const layer of ['regions', 'cities', 'elevation']) {
        await admin('POST', '/services/map/resources', { kind: 'layer', name: layer, parent: 'peers' });
      }
      await admin('POST', '/permissions', {
        group: 'anonymous',
        service: 'map',
        permission: 'getcapabilities',
        scope: 'match',
      });
      await admin('POST', '/permissions', { group: 'staff', service: 'map', permission: 'getmap' });
      await admin('POST', '/permissions', {
        user: 'bob',
        service: 'map',
        resource: 'regions',
        permission: 'getmap',
        scope: 'match',
      });
    }
  });
  after(async () => {
    await wps?.stop();
    await map?.stop();
    await app?.close();
  });

  const failures = (steps: StepResult[]) => steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.error}`);
  const step = (steps: StepResult[], name: string) => steps.find((s) => s.step === name);

  test('OWSLib: two users see two different WPS process lists', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const lists: Record<string, unknown> = {};
    for (const user of ['alice', 'bob']) {
      const run = await runOWSLib([
        'wps',
        `${app.url}/ows/proxy/emu`,
        '--token',
        tokens[user] ?? '',
        '--steps',
        'caps',
      ]);
      assert.deepEqual(failures(run.steps), [], run.stderr);
      lists[user] = step(run.steps, 'wps.GetCapabilities')?.['processes'];
    }
    const all = lists['alice'] as string[];
    assert.ok(all.includes('hello') && all.includes('sleep') && all.length >= 3, JSON.stringify(all));
    assert.deepEqual(lists['bob'], ['hello']);
    const anonymous = await runOWSLib(['wps', `${app.url}/ows/proxy/emu`, '--steps', 'caps']);
    assert.deepEqual(step(anonymous.steps, 'wps.GetCapabilities')?.['processes'], []);
  });

  test('OWSLib: each user executes only what it may (403 for the rest, 401 without a token)', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    for (const user of ['alice', 'bob']) {
      const run = await runOWSLib([
        'wps',
        `${app.url}/ows/proxy/emu`,
        '--token',
        tokens[user] ?? '',
        '--steps',
        'describe,hello',
      ]);
      assert.deepEqual(failures(run.steps), [], `${user}: ${run.stderr}`);
    }
    const alice = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu`,
      '--token',
      tokens['alice'] ?? '',
      '--process',
      'wordcounter',
      '--input',
      'text=one two three',
      '--steps',
      'process',
    ]);
    assert.deepEqual(failures(alice.steps), [], alice.stdout);
    const bob = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu`,
      '--token',
      tokens['bob'] ?? '',
      '--process',
      'wordcounter',
      '--input',
      'text=one two three',
      '--steps',
      'process',
      '--expect-fail',
    ]);
    assert.equal(bob.code, 0, bob.stdout);
    const refused = step(bob.steps, 'wps.Execute.wordcounter');
    assert.equal(refused?.ok, false);
    assert.ok(
      refused?.requests.some((r) => r.status === 403),
      JSON.stringify(refused?.requests),
    );
    const anonymous = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu`,
      '--steps',
      'hello',
      '--expect-fail',
    ]);
    assert.ok(step(anonymous.steps, 'wps.Execute.hello.sync')?.requests.some((r) => r.status === 401));
  });

  test('OWSLib with a user name and password (HTTP Basic): bob sees and runs hello only', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const basic = `Authorization: Basic ${Buffer.from('bob:bob-password-1').toString('base64')}`;
    const run = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu`,
      '--header',
      basic,
      '--steps',
      'caps,describe,hello',
    ]);
    assert.deepEqual(failures(run.steps), [], run.stderr);
    assert.deepEqual(step(run.steps, 'wps.GetCapabilities')?.['processes'], ['hello']);
    const wrong = `Authorization: Basic ${Buffer.from('bob:not-his').toString('base64')}`;
    const refused = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu`,
      '--header',
      wrong,
      '--steps',
      'caps',
      '--expect-fail',
    ]);
    assert.ok(step(refused.steps, 'wps.GetCapabilities')?.requests.some((r) => r.status === 401));
  });

  test('OWSLib: two users see two different WMS layer lists, and each gets maps of its layers only', async (t) => {
    if (!requirePeer(t, 'mapserver') || !requirePeer(t, 'owslib')) return;
    const lists: Record<string, string[]> = {};
    for (const user of ['alice', 'bob']) {
      const run = await runOWSLib([
        'wms',
        `${app.url}/ows/proxy/map`,
        '--token',
        tokens[user] ?? '',
        '--steps',
        'caps',
      ]);
      assert.deepEqual(failures(run.steps), [], run.stderr);
      lists[user] = ((step(run.steps, 'wms.GetCapabilities')?.['layers'] ?? []) as string[]).filter(Boolean);
    }
    for (const layer of ['peers', 'regions', 'cities', 'elevation'])
      assert.ok(lists['alice']?.includes(layer), layer);
    assert.deepEqual(lists['bob'], ['regions']);
    const ok = await runOWSLib([
      'wms',
      `${app.url}/ows/proxy/map`,
      '--token',
      tokens['bob'] ?? '',
      '--layers',
      'regions',
    ]);
    assert.deepEqual(failures(ok.steps), [], ok.stderr);
    const refused = await runOWSLib([
      'wms',
      `${app.url}/ows/proxy/map`,
      '--token',
      tokens['bob'] ?? '',
      '--layers',
      'regions,cities',
      '--steps',
      'getmap',
    ]);
    const getmap = step(refused.steps, 'wms.GetMap.png');
    assert.equal(getmap?.ok, false);
    assert.ok(
      getmap?.requests.some((r) => r.status === 403),
      JSON.stringify(getmap?.requests),
    );
    const alice = await runOWSLib([
      'wms',
      `${app.url}/ows/proxy/map`,
      '--token',
      tokens['alice'] ?? '',
      '--layers',
      'regions,cities',
    ]);
    assert.deepEqual(failures(alice.steps), [], alice.stderr);
  });

  test('the audit log holds both users’ decisions', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const res = await fetch(`${app.url}/audit?user=bob&outcome=deny`, {
      headers: { authorization: app.adminAuth },
    });
    const page = (await res.json()) as { records: { operation: string; resources: string[] }[] };
    assert.ok(page.records.some((r) => r.operation === 'Execute' && r.resources.includes('wordcounter')));
  });
});
