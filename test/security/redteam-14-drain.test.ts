/**
 * Red team of issue 14's drain: a long server.drainTimeout (an operator who means "wait for as
 * long as it takes") must not cut the requests in flight at once: Node fires a timer of more than
 * 2^31 ms (24.8 days) immediately, so a longer one is refused at the start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { waitFor } from '../helpers/fault-upstream.js';
import { gatedUpstream } from '../lifecycle/gated-upstream.js';
import { registerPublic, serve } from '../lifecycle/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-rt14-drain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('red team 14: SIGTERM with a long server.drainTimeout', () => {
  test('a 30-day drain timeout is refused at the start, naming the setting (it would cut every request at once)', async (t) => {
    await assert.rejects(
      serve(t, { db: join(dir, 'a.sqlite'), env: { TWITCHER_DRAIN_TIMEOUT: '720h' } }),
      (err: Error) => /DRAIN_TIMEOUT|drainTimeout/.test(err.message) && /at most 24 days/.test(err.message),
    );
  });

  test('twin: a 24-day drain timeout waits for the request in flight, exit 0', async (t) => {
    const slow = await gatedUpstream(t);
    t.after(() => slow.release());
    const s = await serve(t, { db: join(dir, 'b.sqlite'), env: { TWITCHER_DRAIN_TIMEOUT: '576h' } });
    await registerPublic(s.base, 'slow', slow.url);
    const inFlight = fetch(`${s.base}/ows/proxy/slow/data`).then(
      (r) => r.text(),
      (err: Error) => err,
    );
    await waitFor(() => slow.waiting.length === 1, 'the slow request reached the upstream', 30_000);
    s.p.child.kill('SIGTERM');
    await s.p.waitFor(/draining: no new connections/);
    assert.equal(s.p.child.exitCode, null, `exited during the drain:\n${s.p.stdout().slice(-1500)}`);
    slow.release();
    assert.equal(await inFlight, 'done');
    assert.equal(await s.p.exited, 0);
  });
});
