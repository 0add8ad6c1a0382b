import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { ConnectionDrainer, IDLE_GRACE_MS } from '../../src/app/connection-drainer.js';
import { openStore } from '../../src/store/open-store.js';
import { startTestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/fault-upstream.js';
import { registerService } from '../helpers/register.js';
import { gatedUpstream } from './gated-upstream.js';
import { connectionRefused, keepAliveClient } from './keep-alive-client.js';

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('/health/live and /health/ready', () => {
  test('a serving instance is live and ready, naming its checks', async (t) => {
    const app = await startTestApp(t, { drainer: new ConnectionDrainer() });
    const live = await fetch(`${app.url}/health/live`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: 'live' });
    const ready = await fetch(`${app.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), {
      status: 'ready',
      checks: { store: 'ok', migrations: 'ok', keys: 'ok', draining: 'ok' },
    });
    // compatibility: /health as before
    assert.deepEqual(await (await fetch(`${app.url}/health`)).json(), { status: 'ok', store: 'ok' });
  });

  test('a store that does not answer: ready says 503 naming the store, live still 200', async (t) => {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    const app = await startTestApp(t, { store, drainer: new ConnectionDrainer() });
    store.ping = () => Promise.reject(new Error('connection lost'));
    const ready = await fetch(`${app.url}/health/ready`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as {
      status: string;
      failing: string[];
      checks: Record<string, string>;
    };
    assert.equal(body.status, 'not ready');
    assert.deepEqual(body.failing, ['store']);
    assert.equal(body.checks['store'], 'unreachable');
    assert.equal((await fetch(`${app.url}/health/live`)).status, 200);
  });
});

describe('ConnectionDrainer', () => {
  test('draining: the request in flight completes, an open keep-alive connection is answered (ready 503, Connection: close), new connections are refused', async (t) => {
    const drainer = new ConnectionDrainer();
    const app = await startTestApp(t, { drainer });
    const slow = await gatedUpstream(t);
    await registerService(app, { name: 'slow', url: slow.url, type: 'http', auth: 'public' });

    const prober = keepAliveClient(app.url);
    t.after(() => prober.close());
    assert.equal((await prober.get('/health/ready')).status, 200);

    const inFlight = fetch(`${app.url}/ows/proxy/slow/data`);
    await waitFor(() => slow.waiting.length === 1, 'the slow request reached the upstream');
    assert.equal(drainer.inFlight, 1);

    const drained = drainer.drain(60_000);
    assert.equal(drainer.draining, true);
    // at once, on the connection the prober already had
    const during = await prober.get('/health/ready');
    assert.equal(during.reused, true);
    assert.equal(during.status, 503);
    assert.equal(during.headers['connection'], 'close');
    assert.deepEqual((JSON.parse(during.body) as { failing: string[] }).failing, ['draining']);
    assert.equal(await connectionRefused(portOf(app.url)), true, 'a new connection was accepted');

    slow.release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'done');
    assert.deepEqual(await drained, { cut: 0, closed: 0 });
  });

  test('denied twin: past the drain timeout the request in flight is cut, and the outcome says so', async (t) => {
    const drainer = new ConnectionDrainer();
    const app = await startTestApp(t, { drainer });
    const slow = await gatedUpstream(t);
    await registerService(app, { name: 'slow', url: slow.url, type: 'http', auth: 'public' });
    const inFlight = fetch(`${app.url}/ows/proxy/slow/data`).then(
      (r) => r.text(),
      (err: Error) => err,
    );
    await waitFor(() => slow.waiting.length === 1, 'the slow request reached the upstream');
    const outcome = await drainer.drain(300);
    assert.equal(outcome.cut, 1);
    assert.ok((await inFlight) instanceof Error, 'the cut request got an answer');
    slow.release();
  });

  test('a request sent on a keep-alive connection just as the drain starts is answered with Connection: close', async (t) => {
    const drainer = new ConnectionDrainer();
    const app = await startTestApp(t, { drainer });
    const client = keepAliveClient(app.url);
    t.after(() => client.close());
    assert.equal((await client.get('/health/live')).status, 200);
    const drained = drainer.drain(60_000);
    const next = await client.get('/health/live');
    assert.equal(next.reused, true);
    assert.equal(next.status, 200);
    assert.equal(next.headers['connection'], 'close');
    assert.deepEqual(await drained, { cut: 0, closed: 0 });
  });

  test('an idle keep-alive connection is closed with a FIN once idle past the grace, not reset', async (t) => {
    const drainer = new ConnectionDrainer();
    const app = await startTestApp(t, { drainer });
    const socket = connect(portOf(app.url), '127.0.0.1');
    t.after(() => socket.destroy());
    let received = '';
    const ended = new Promise<string>((resolve) => {
      socket.on('data', (d: Buffer) => {
        received += d.toString('latin1');
      });
      socket.once('end', () => resolve('FIN'));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    socket.write('GET /health/live HTTP/1.1\r\nHost: twitcher\r\n\r\n');
    await waitFor(() => received.includes('"status":"live"'), 'the first answer');
    assert.doesNotMatch(received, /connection: close/i);
    const started = Date.now();
    const drained = drainer.drain(60_000);
    assert.equal(await ended, 'FIN');
    assert.ok(Date.now() - started >= IDLE_GRACE_MS - 50, 'an idle connection was closed before its grace');
    socket.end();
    assert.deepEqual(await drained, { cut: 0, closed: 0 });
  });
});
