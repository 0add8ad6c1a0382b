import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import { startUpstream } from '../helpers/upstream.js';
import { registerPublic, serve, startWrk, waitForStderr, workerPids, writeClusterConfig } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-reload-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('server.workers=2: SIGHUP replaces the workers one at a time', () => {
  test('under wrk load: the workers change, zero non-2xx answers, zero socket errors', async (t) => {
    if (!requirePeer(t, 'wrk')) return;
    const upstream = await startUpstream(t, (_req, res) => res.end('ok'));
    const port = await freePort();
    const config = join(dir, 'roll.yaml');
    writeClusterConfig(config, port);
    const s = await serve(t, {
      db: join(dir, 'roll.sqlite'),
      port,
      args: ['--config', config],
      listening: 2,
    });
    await registerPublic(s.base, 'fast', upstream.url);
    const primary = s.p.child.pid as number;
    const before = workerPids(primary);
    assert.equal(before.length, 2);

    const wrk = startWrk(`${s.base}/ows/proxy/fast/data`);
    t.after(() => wrk.stop());
    s.p.child.kill('SIGHUP');
    await waitForStderr(s.p, /reload applied: workers \S+ replaced by \S+/, 'the reload applied');
    // both old workers drained and exited, the load went on meanwhile
    await waitForStderr(s.p, /retired \(drained\)[\s\S]*retired \(drained\)/, 'both old workers retired');
    const result = await wrk.stop();

    const now = workerPids(primary);
    assert.equal(now.length, 2);
    assert.deepEqual(
      now.filter((pid) => before.includes(pid)),
      [],
    );
    assert.ok(result.requests > 0, 'wrk sent nothing');
    assert.equal(result.non2xx, 0, 'non-2xx answers during the reload');
    assert.equal(result.socketErrors, 0, 'socket errors during the reload');
    assert.equal(await s.p.stop(), 0);
  });
});
