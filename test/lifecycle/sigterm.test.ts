import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { waitFor } from '../helpers/fault-upstream.js';
import { gatedUpstream } from './gated-upstream.js';
import { connectionRefused, keepAliveClient } from './keep-alive-client.js';
import { registerPublic, serve } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-sigterm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('twitcher serve: SIGTERM drains', () => {
  test('the slow request completes, /health/ready says 503 on an open connection, new connections are refused, SIGTERM again and SIGHUP change nothing, exit 0', async (t) => {
    const slow = await gatedUpstream(t);
    const s = await serve(t, { db: join(dir, 'a.sqlite') });
    await registerPublic(s.base, 'slow', slow.url);

    // SIGHUP without workers: logged, not fatal (Node's default would end the process)
    s.p.child.kill('SIGHUP');
    await s.p.waitFor(/reloading the configuration needs server.workers > 1/);
    assert.equal((await fetch(`${s.base}/health/ready`)).status, 200);

    const inFlight = fetch(`${s.base}/ows/proxy/slow/data`);
    await waitFor(() => slow.waiting.length === 1, 'the slow request reached the upstream', 30_000);

    // a load balancer's health checks, back to back on one kept connection
    const prober = keepAliveClient(s.base);
    t.after(() => prober.close());
    const seen: number[] = [];
    const probing = (async () => {
      for (;;) {
        const a = await prober.get('/health/ready');
        seen.push(a.status);
        if (a.status !== 200) return a;
      }
    })();
    await waitFor(() => seen.length > 0, 'a first health check');

    s.p.child.kill('SIGTERM');
    const notReady = await probing;
    assert.equal(notReady.status, 503);
    assert.equal(notReady.reused, true, 'the 503 came on a new connection');
    assert.equal(notReady.headers['connection'], 'close');
    assert.deepEqual((JSON.parse(notReady.body) as { failing: string[] }).failing, ['draining']);
    assert.equal(await connectionRefused(s.port), true, 'a new connection was accepted while draining');

    s.p.child.kill('SIGTERM');
    await s.p.waitFor(/SIGTERM while draining: the drain goes on/);
    assert.equal(s.p.child.exitCode, null);

    slow.release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'done');
    assert.equal(await s.p.exited, 0);
    assert.match(s.p.stdout(), /stopped: every request was answered/);
  });

  test('denied twin: past server.drainTimeout the request is cut and the exit code says so', async (t) => {
    const slow = await gatedUpstream(t);
    t.after(() => slow.release());
    const s = await serve(t, { db: join(dir, 'b.sqlite'), env: { TWITCHER_DRAIN_TIMEOUT: '1s' } });
    await registerPublic(s.base, 'slow', slow.url);
    const inFlight = fetch(`${s.base}/ows/proxy/slow/data`).then(
      (r) => r.text(),
      (err: Error) => err,
    );
    await waitFor(() => slow.waiting.length === 1, 'the slow request reached the upstream', 30_000);
    s.p.child.kill('SIGTERM');
    assert.equal(await s.p.exited, 1);
    assert.match(s.p.stdout(), /stopped: 1 requests in flight were cut/);
    assert.ok((await inFlight) instanceof Error, 'the cut request got an answer');
  });

  test('SIGINT twice: the second one cuts the request in flight, exit 1', async (t) => {
    const slow = await gatedUpstream(t);
    t.after(() => slow.release());
    const s = await serve(t, { db: join(dir, 'c.sqlite') });
    await registerPublic(s.base, 'slow', slow.url);
    const inFlight = fetch(`${s.base}/ows/proxy/slow/data`).then(
      (r) => r.text(),
      (err: Error) => err,
    );
    await waitFor(() => slow.waiting.length === 1, 'the slow request reached the upstream', 30_000);
    s.p.child.kill('SIGINT');
    await s.p.waitFor(/draining: no new connections/);
    s.p.child.kill('SIGINT');
    assert.equal(await s.p.exited, 1);
    assert.match(s.p.stdout(), /second SIGINT: cutting the requests in flight/);
    assert.ok((await inFlight) instanceof Error, 'the cut request got an answer');
  });
});
