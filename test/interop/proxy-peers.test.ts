import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  type MapServerPeer,
  type PeerServer,
  peerAvailable,
  requirePeer,
  runGDAL,
  runOWSLib,
  startMapServer,
  startPyWPS,
} from '../helpers/peers.js';
import { registerService } from '../helpers/register.js';

/**
 * The proxy in front of real OGC servers nobody here wrote (PyWPS, MapServer), driven by real
 * clients (OWSLib, GDAL). OWSLib follows every URL the documents give it; the client script fails a
 * step when one of those leaves the proxy (a URL that was not rewritten).
 */
describe('interop: the proxy with real PyWPS, MapServer, OWSLib and GDAL', () => {
  let app: TestApp;
  let wps: PeerServer | undefined;
  let map: MapServerPeer | undefined;
  const haveWPS = peerAvailable('pywps').ok && peerAvailable('owslib').ok;
  const haveMap = peerAvailable('mapserver').ok;

  before(async () => {
    app = await startTestApp(undefined);
    if (haveWPS) {
      wps = await startPyWPS();
      await registerService(app, { name: 'emu', url: wps.url, type: 'wps', auth: 'public' });
      await registerService(app, { name: 'emu_secure', url: wps.url, type: 'wps', auth: 'token' });
      // PyWPS writes status documents and outputs under /outputs/, beside /wps: a service of its own.
      await registerService(app, {
        name: 'emu_outputs',
        url: `${wps.base}/outputs`,
        type: 'http',
        auth: 'public',
      });
    }
    if (haveMap) {
      map = await startMapServer();
      await registerService(app, { name: 'map', url: map.url, type: 'wms', auth: 'public' });
      await registerService(app, { name: 'map_secure', url: map.url, type: 'wms', auth: 'token' });
    }
  });
  after(async () => {
    await wps?.stop();
    await map?.stop();
    await app?.close();
  });

  const failures = (steps: { step: string; ok: boolean; error?: string }[]) =>
    steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.error}`);

  test('OWSLib: WPS GetCapabilities, DescribeProcess, Execute sync, async (rewritten status URL) and by reference', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const run = await runOWSLib(['wps', `${app.url}/ows/proxy/emu`]);
    assert.deepEqual(failures(run.steps), [], run.stderr);
    assert.equal(run.code, 0);
    const names = run.steps.map((s) => s.step);
    for (const step of [
      'wps.GetCapabilities',
      'wps.DescribeProcess.hello',
      'wps.Execute.hello.sync',
      'wps.Execute.sleep.async',
      'wps.Execute.echo.asReference',
    ]) {
      assert.ok(names.includes(step), `missing step ${step}`);
    }
    const sleep = run.steps.find((s) => s.step === 'wps.Execute.sleep.async');
    assert.match(String(sleep?.['statusLocation']), new RegExp(`^${app.url}/ows/proxy/emu_outputs/`));
  });

  test('capabilities through the proxy contain no upstream URL', async (t) => {
    if (!requirePeer(t, 'pywps')) return;
    const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(`127.0.0.1:${wps?.port}`), 'an upstream URL leaked');
    assert.ok(text.includes(`${app.url}/ows/proxy/emu`));
  });

  test('OWSLib: on a token service GetCapabilities and DescribeProcess work, Execute is refused with 401', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const open = await runOWSLib(['wps', `${app.url}/ows/proxy/emu_secure`, '--steps', 'caps,describe']);
    assert.deepEqual(failures(open.steps), []);
    const refused = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu_secure`,
      '--steps',
      'hello',
      '--expect-fail',
    ]);
    assert.equal(refused.code, 0, refused.stdout);
    const hello = refused.steps.find((s) => s.step === 'wps.Execute.hello.sync');
    assert.equal(hello?.ok, false);
    assert.ok(
      hello?.requests.some((r) => r.status === 401),
      JSON.stringify(hello?.requests),
    );
    const res = await fetch(
      `${app.url}/ows/proxy/emu_secure?service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name=x`,
    );
    assert.equal(res.status, 401);
    assert.match(await res.text(), /ExceptionReport/);
  });

  test('OWSLib: WMS GetMap, WFS GetFeature and WCS GetCoverage through the proxy', async (t) => {
    if (!requirePeer(t, 'mapserver') || !requirePeer(t, 'owslib')) return;
    for (const service of ['wms', 'wfs', 'wcs']) {
      const run = await runOWSLib([service, `${app.url}/ows/proxy/map`]);
      assert.deepEqual(failures(run.steps), [], `${service}: ${run.stderr}`);
      assert.equal(run.code, 0);
    }
  });

  test('WMS capabilities through the proxy contain no upstream URL, and GetMap is refused on a token service', async (t) => {
    if (!requirePeer(t, 'mapserver')) return;
    const caps = await (
      await fetch(`${app.url}/ows/proxy/map?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`)
    ).text();
    assert.match(caps, /WMS_Capabilities/);
    assert.ok(!caps.includes(`:${map?.port}/`), 'an upstream URL leaked');
    const res = await fetch(
      `${app.url}/ows/proxy/map_secure?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=regions&STYLES=&CRS=EPSG:4326&BBOX=-90,-180,90,180&WIDTH=64&HEIGHT=32&FORMAT=image/png`,
    );
    assert.equal(res.status, 401);
    assert.match(await res.text(), /ServiceExceptionReport/);
  });

  test('GDAL: gdalinfo lists the WMS layers and gdal_translate writes a PNG through the proxy', async (t) => {
    if (!requirePeer(t, 'mapserver') || !requirePeer(t, 'gdal')) return;
    const base = `${app.url}/ows/proxy/map`;
    const info = await runGDAL('gdalinfo', [`WMS:${base}?SERVICE=WMS&REQUEST=GetCapabilities`]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /SUBDATASET_1_NAME=WMS:http:\/\/127\.0\.0\.1:\d+\/ows\/proxy\/map/);
    const out = `${process.env['TMPDIR'] ?? '/tmp'}/twitcher-gdal-${process.pid}.png`;
    const tr = await runGDAL('gdal_translate', [
      '-q',
      '-of',
      'PNG',
      '-outsize',
      '256',
      '128',
      `WMS:${base}?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=regions,cities&SRS=EPSG:4326&BBOX=-180,-90,180,90`,
      out,
    ]);
    assert.equal(tr.code, 0, tr.stderr);
    const { readFileSync, rmSync } = await import('node:fs');
    assert.equal(readFileSync(out).subarray(1, 4).toString(), 'PNG');
    rmSync(out, { force: true });
    rmSync(`${out}.aux.xml`, { force: true });
  });

  test('GDAL through a token service without a token is refused', async (t) => {
    if (!requirePeer(t, 'mapserver') || !requirePeer(t, 'gdal')) return;
    const r = await runGDAL('gdal_translate', [
      '-q',
      '-of',
      'PNG',
      `WMS:${app.url}/ows/proxy/map_secure?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=regions&SRS=EPSG:4326&BBOX=-180,-90,180,90`,
      '/dev/null',
    ]);
    assert.notEqual(r.code, 0);
  });
});
