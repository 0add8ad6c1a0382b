import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { startUpstream } from '../helpers/upstream.js';
import { parseSamples, sampleValue } from '../metrics/prom-text.js';
import { registerPublic, serve, waitForStderr, workerPids, writeClusterConfig } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-reload-refused-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The primary's count of reloads that ended with `outcome` (its separate metrics listener). */
async function reloads(metricsPort: number, outcome: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return sampleValue(parseSamples(text), 'twitcher_config_reloads_total', { outcome });
}

describe('server.workers=2: a SIGHUP that cannot apply leaves the workers as they are', () => {
  test('an invalid configuration is refused and logged, the same workers keep serving', async (t) => {
    const upstream = await startUpstream(t, (_req, res) => res.end('ok'));
    const port = await freePort();
    const metricsPort = await freePort();
    const metrics = `metrics:\n  port: ${metricsPort}\n`;
    const config = join(dir, 'bad.yaml');
    writeClusterConfig(config, port, metrics);
    const s = await serve(t, { db: join(dir, 'bad.sqlite'), port, args: ['--config', config], listening: 2 });
    await registerPublic(s.base, 'fast', upstream.url);
    const primary = s.p.child.pid as number;
    const before = workerPids(primary);

    writeClusterConfig(config, port, `${metrics}database:\n  poolSize: many\n`);
    s.p.child.kill('SIGHUP');
    await waitForStderr(
      s.p,
      /reload refused, the workers keep their configuration: [\s\S]*database\.poolSize/,
      'the refusal',
    );
    assert.deepEqual(workerPids(primary), before);
    const res = await fetch(`${s.base}/ows/proxy/fast/data`);
    assert.equal(res.status, 200);
    assert.equal(s.p.stdout().match(/listening on/g)?.length, 2, 'a worker was started');
    assert.equal(await reloads(metricsPort, 'refused'), 1, 'the refusal is counted');
    assert.equal(await reloads(metricsPort, 'applied'), 0);
    assert.equal(await s.p.stop(), 0);
  });

  test('a new worker that cannot start ends the reload, the old workers keep serving', async (t) => {
    const upstream = await startUpstream(t, (_req, res) => res.end('ok'));
    const port = await freePort();
    const metricsPort = await freePort();
    const metrics = `metrics:\n  port: ${metricsPort}\n`;
    const config = join(dir, 'nostart.yaml');
    writeClusterConfig(config, port, metrics);
    const s = await serve(t, {
      db: join(dir, 'nostart.sqlite'),
      port,
      args: ['--config', config],
      listening: 2,
    });
    await registerPublic(s.base, 'fast', upstream.url);
    const primary = s.p.child.pid as number;
    const before = workerPids(primary);

    // valid as a configuration, but no server can start with it
    const missing = join(dir, 'no-such-cert.pem');
    writeClusterConfig(config, port, `${metrics}tls:\n  certFile: ${missing}\n  keyFile: ${missing}\n`);
    s.p.child.kill('SIGHUP');
    await waitForStderr(
      s.p,
      /reload failed: a new worker did not start; 2 old workers keep serving/,
      'the failure',
    );
    assert.deepEqual(workerPids(primary), before);
    assert.equal((await fetch(`${s.base}/ows/proxy/fast/data`)).status, 200);
    assert.equal(await reloads(metricsPort, 'failed'), 1, 'the failure is counted');
    assert.equal(await s.p.stop(), 0);
  });
});
