/**
 * The real peers and clients, DIRECTLY (no proxy): proves that PyWPS, MapServer, OWSLib and GDAL
 * work on this machine, so that a later proxy test failing through Twitcher means Twitcher.
 * Needs the Debian packages of scripts/peers/install.sh; without them the tests skip (or fail
 * with TWITCHER_REQUIRE_PEERS=1).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import {
  type MapServerPeer,
  type OWSLibRun,
  type PeerServer,
  peerAvailable,
  requirePeer,
  runGDAL,
  runOWSLib,
  startMapServer,
  startPyWPS,
} from '../helpers/peers.js';

/** A server started once for the file, or why it could not start. */
interface Started<T> {
  server?: T;
  error?: unknown;
  ms?: number;
}

async function startTimed<T>(start: () => Promise<T>): Promise<Started<T>> {
  const t0 = performance.now();
  try {
    const server = await start();
    return { server, ms: Math.round(performance.now() - t0) };
  } catch (error) {
    return { error };
  }
}

function serverOf<T>(s: Started<T>, what: string): T {
  if (s.server) return s.server;
  throw new Error(`${what} did not start: ${s.error instanceof Error ? s.error.message : String(s.error)}`);
}

/** Every step of an OWSLib run passed; the message lists the failures with their requests. */
function assertAllPassed(run: OWSLibRun, expectedSteps: string[]): void {
  const failed = run.steps.filter((s) => !s.ok);
  assert.deepEqual(
    failed.map((s) => ({ step: s.step, error: s.error, requests: s.requests })),
    [],
    `failed steps; stderr:\n${run.stderr}`,
  );
  assert.deepEqual(
    run.steps.map((s) => s.step),
    expectedSteps,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.summary?.ok, true);
}

describe('interop: real peers and clients, without the proxy', () => {
  let wps: Started<PeerServer> = {};
  let map: Started<MapServerPeer> = {};

  before(async () => {
    // started once for the file, in parallel; a test reports a failed start when it needs the server
    [wps, map] = await Promise.all([
      peerAvailable('pywps').ok ? startTimed(() => startPyWPS()) : Promise.resolve({}),
      peerAvailable('mapserver').ok ? startTimed(() => startMapServer()) : Promise.resolve({}),
    ]);
    if (wps.ms !== undefined) process.stderr.write(`# PyWPS started in ${wps.ms} ms: ${wps.server?.url}\n`);
    if (map.ms !== undefined)
      process.stderr.write(`# MapServer started in ${map.ms} ms: ${map.server?.url}\n`);
  });

  after(async () => {
    await Promise.all([wps.server?.stop(), map.server?.stop()]);
  });

  const needs = (t: TestContext, ...names: Parameters<typeof requirePeer>[1][]) =>
    names.every((n) => requirePeer(t, n));

  test('OWSLib drives PyWPS: capabilities, describe, sync, async with status polling, output by reference', async (t) => {
    if (!needs(t, 'pywps', 'owslib')) return;
    const server = serverOf(wps, 'PyWPS');
    const run = await runOWSLib(['wps', server.url, '--timeout', '30']);
    assertAllPassed(run, [
      'wps.GetCapabilities',
      'wps.DescribeProcess.hello',
      'wps.Execute.hello.sync',
      'wps.Execute.sleep.async',
      'wps.Execute.echo.asReference',
    ]);
    const [caps, , , sleep, echo] = run.steps;
    assert.deepEqual(caps?.['processes'], ['hello', 'sleep', 'echo', 'wordcounter']);
    assert.ok(String(sleep?.['statusLocation']).startsWith(`${server.base}/outputs/`));
    assert.ok((sleep?.requests.length ?? 0) >= 2, 'the async step polled the status document');
    assert.ok(String(echo?.['reference']).startsWith(`${server.base}/outputs/`));
  });

  test('OWSLib: wordcounter fetches its input by reference (server-side GET)', async (t) => {
    if (!needs(t, 'pywps', 'owslib', 'mapserver')) return;
    const server = serverOf(wps, 'PyWPS');
    const ms = serverOf(map, 'MapServer');
    const run = await runOWSLib([
      'wps',
      server.url,
      '--steps',
      'process',
      '--process',
      'wordcounter',
      '--input',
      `text=href:${ms.base}/`,
    ]);
    assertAllPassed(run, ['wps.Execute.wordcounter']);
    const outputs = run.steps[0]?.['outputs'] as Record<string, string[]>;
    assert.ok(Number(outputs['count']?.[0]) > 0, JSON.stringify(outputs));
  });

  for (const service of ['wms', 'wfs', 'wcs'] as const) {
    const steps = {
      wms: ['wms.GetCapabilities', 'wms.GetMap.png'],
      wfs: ['wfs.GetCapabilities', 'wfs.GetFeature'],
      wcs: ['wcs.GetCapabilities', 'wcs.GetCoverage.tiff'],
    }[service];
    test(`OWSLib drives MapServer ${service.toUpperCase()}: ${steps.join(', ')}`, async (t) => {
      if (!needs(t, 'mapserver', 'owslib')) return;
      const run = await runOWSLib([service, serverOf(map, 'MapServer').url, '--token', 'not-checked']);
      assertAllPassed(run, steps);
      // --token: every request carried the header (the client would have failed the step otherwise)
      assert.ok(run.steps.every((s) => s.requests.every((r) => r.auth)));
    });
  }

  test('OWSLib drives MapServer OGC API Features', async (t) => {
    if (!needs(t, 'mapserver', 'owslib')) return;
    const run = await runOWSLib(['ogcapi', serverOf(map, 'MapServer').ogcapi]);
    assertAllPassed(run, ['ogcapi.landing', 'ogcapi.collections', 'ogcapi.items']);
    assert.deepEqual(run.steps[1]?.['collections'], ['regions', 'cities']);
  });

  test('OWSLib --expect-fail passes when nothing answers', async (t) => {
    if (!needs(t, 'owslib')) return;
    const { freePort } = await import('../helpers/ports.js');
    const port = await freePort();
    const run = await runOWSLib(['wms', `http://127.0.0.1:${port}/ows`, '--expect-fail', '--timeout', '5']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.steps[0]?.ok, false);
    assert.deepEqual(run.summary?.skipped, ['wms.GetMap.png']);
  });

  test('gdalinfo on a WMS: URL lists the layers as subdatasets', async (t) => {
    if (!needs(t, 'mapserver', 'gdal')) return;
    const url = serverOf(map, 'MapServer').url;
    const r = await runGDAL('gdalinfo', [`WMS:${url}?SERVICE=WMS&REQUEST=GetCapabilities`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /SUBDATASET_1_NAME=WMS:/);
    for (const layer of ['regions', 'cities', 'elevation']) {
      assert.match(r.stdout, new RegExp(`SUBDATASET_\\d+_NAME=.*LAYERS=${layer}\\b`), r.stdout);
    }
  });

  test('gdal_translate writes a PNG from a WMS GetMap', async (t) => {
    if (!needs(t, 'mapserver', 'gdal')) return;
    const url = serverOf(map, 'MapServer').url;
    const dir = mkdtempSync(join(tmpdir(), 'twitcher-interop-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'map.png');
    const r = await runGDAL('gdal_translate', [
      '-q',
      '-of',
      'PNG',
      '-outsize',
      '512',
      '256',
      `WMS:${url}?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=elevation,regions,cities&SRS=EPSG:4326&BBOX=-180,-90,180,90`,
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const png = readFileSync(out);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 512, 'PNG width');
    assert.equal(png.readUInt32BE(20), 256, 'PNG height');
  });
});
