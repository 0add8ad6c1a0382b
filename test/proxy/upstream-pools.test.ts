/**
 * The data path's isolation and resilience (issue 12): one retry of a safe request whose reused
 * connection failed before any byte of the answer (and never of one that is not safe to send
 * twice), a pool and a limit of requests in flight per service (503 + Retry-After, the other
 * services and /health answering), and loop detection through Via (508).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { viaPseudonym } from '../../src/proxy/via.js';
import { startTestApp } from '../helpers/app.js';
import { startRawUpstream, waitFor } from '../helpers/fault-upstream.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

/** Polls `check` until it holds (bounded): the test waits for a condition, never for a time. */
const until = (what: string, check: () => boolean | Promise<boolean>) => waitFor(check, what, 10_000, 1);

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';

/**
 * An upstream that answers the first request of every connection and closes the connection when a
 * second request arrives on it, without a byte of answer: what a server does when it drops an idle
 * keep-alive connection just as the proxy reuses it (lighttpd, httpd, gunicorn), made deterministic.
 */
function closingUpstream(t: TestContext) {
  const answered = new WeakSet<Socket>();
  return startRawUpstream(t, (socket) => {
    if (answered.has(socket)) socket.destroy();
    else {
      answered.add(socket);
      socket.write(OK);
    }
  });
}

describe('a reused connection that fails before the answer', () => {
  test('a GET, a HEAD and an OPTIONS are sent again once, on a new connection', async (t) => {
    const up = await closingUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'files', url: `${up.url}/data`, type: 'http', auth: 'public' });
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      // The first request on a connection is answered; the next one on it meets the close.
      assert.equal((await rawRequest(app.url, '/ows/proxy/files/prime')).status, 200);
      const res = await rawRequest(app.url, '/ows/proxy/files/a.nc', { method });
      assert.equal(res.status, 200, `${method}: ${res.body.toString()}`);
      if (method !== 'HEAD') assert.equal(res.body.toString(), 'ok');
      // Sent twice: on the connection that closed, then on a connection of its own.
      const sent = up.requests.filter((h) => h.head.startsWith(`${method} /data/a.nc `));
      assert.equal(sent.length, 2, method);
      assert.notEqual(sent[0]?.connection, sent[1]?.connection);
    }
  });

  test('a POST is never sent twice: 502, and the upstream saw it once', async (t) => {
    const up = await closingUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'files', url: `${up.url}/data`, type: 'http', auth: 'public' });
    assert.equal((await rawRequest(app.url, '/ows/proxy/files/a.nc')).status, 200);
    const res = await rawRequest(app.url, '/ows/proxy/files/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from('payload'),
    });
    assert.equal(res.status, 502);
    assert.match(res.body.toString(), /cannot be reached/);
    assert.equal(up.requests.filter((h) => h.head.startsWith('POST')).length, 1);
  });

  test('a WPS Execute read and judged whole is not sent twice either', async (t) => {
    const up = await closingUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'wps', auth: 'public' });
    const caps = '/ows/proxy/emu?service=WPS&request=GetCapabilities';
    assert.equal((await rawRequest(app.url, caps)).status, 200);
    const execute =
      '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" ' +
      'service="WPS" version="1.0.0"><ows:Identifier>hello</ows:Identifier></wps:Execute>';
    const res = await rawRequest(app.url, '/ows/proxy/emu', {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: execute,
    });
    assert.equal(res.status, 502);
    assert.match(res.body.toString(), /ExceptionReport/);
    assert.equal(up.requests.filter((h) => h.head.startsWith('POST')).length, 1);
  });

  test('a GET whose answer had begun is not sent again: the client sees the cut', async (t) => {
    let requests = 0;
    const up = await startUpstream(t, (_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100' });
      // Destroyed once the head and the first bytes are out.
      res.write(Buffer.alloc(10), () => res.socket?.destroy());
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'files', url: up.url, type: 'http', auth: 'public' });
    await assert.rejects(rawRequest(app.url, '/ows/proxy/files/a.nc'));
    assert.equal(requests, 1);
  });
});

describe('a limit of requests in flight per service', () => {
  test('a full service answers 503 with Retry-After at once; another on the same host and /health answer', async (t) => {
    let hang = true;
    const hanging = new Set<import('node:http').ServerResponse>();
    const up = await startUpstream(t, (req, res) => {
      if (req.url?.startsWith('/slow') && hang) {
        hanging.add(res);
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end('fine');
    });
    const app = await startTestApp(t, { overrides: { 'proxy.maxConcurrent': 3 } });
    await registerService(app, { name: 'slow', url: `${up.url}/slow`, type: 'http', auth: 'public' });
    await registerService(app, { name: 'quick', url: `${up.url}/quick`, type: 'http', auth: 'public' });

    const u = new URL(app.url);
    const stuck = Array.from({ length: 3 }, () => {
      const req = httpRequest({ host: u.hostname, port: u.port, path: '/ows/proxy/slow/x' });
      const answered = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
      req.end();
      return { req, answered };
    });
    await until('the three requests wait on the upstream', () => hanging.size === 3);

    const busy = await rawRequest(app.url, '/ows/proxy/slow/y');
    assert.equal(busy.status, 503);
    assert.equal(busy.headers['retry-after'], '1');
    assert.match(busy.body.toString(), /as many requests in flight/);

    // Same upstream host, another service: its own pool and limit.
    const other = await rawRequest(app.url, '/ows/proxy/quick/x');
    assert.equal(other.status, 200);
    assert.equal(other.body.toString(), 'fine');
    assert.equal((await rawRequest(app.url, '/health')).status, 200);

    // The slots come back when the requests end.
    for (const res of hanging) res.end('late');
    hang = false;
    assert.deepEqual(await Promise.all(stuck.map((s) => s.answered)), [200, 200, 200]);
    await until('the service takes requests again', async () => {
      return (await rawRequest(app.url, '/ows/proxy/slow/z')).status === 200;
    });
  });

  test('a client that goes away gives its slot back', async (t) => {
    const hanging = new Set<import('node:http').ServerResponse>();
    const up = await startUpstream(t, (req, res) => {
      if (req.url === '/z') {
        res.end('fine');
        return;
      }
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
    });
    const app = await startTestApp(t, { overrides: { 'proxy.maxConcurrent': 1 } });
    await registerService(app, { name: 'slow', url: up.url, type: 'http', auth: 'public' });
    const u = new URL(app.url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: '/ows/proxy/slow/x' });
    req.on('error', () => {});
    req.end();
    await until('the request waits on the upstream', () => hanging.size === 1);
    assert.equal((await rawRequest(app.url, '/ows/proxy/slow/z')).status, 503);
    req.destroy();
    // Twitcher aborts the upstream request, which frees the slot.
    await until('the upstream request is aborted', () => hanging.size === 0);
    await until('the slot is free', async () => {
      return (await rawRequest(app.url, '/ows/proxy/slow/z')).status === 200;
    });
  });
});

describe("a service's own limits", () => {
  test('limits.maxConcurrent and limits.headersTimeout of one service, the defaults for another', async (t) => {
    const hanging = new Set<import('node:http').ServerResponse>();
    const up = await startUpstream(t, (_req, res) => {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
    });
    const app = await startTestApp(t);
    await registerService(app, {
      name: 'strict',
      url: `${up.url}/strict`,
      type: 'http',
      auth: 'public',
      limits: { maxConcurrent: 1, headersTimeout: '300ms' },
    });
    await registerService(app, { name: 'plain', url: `${up.url}/plain`, type: 'http', auth: 'public' });
    const u = new URL(app.url);
    const first = new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: u.hostname, port: u.port, path: '/ows/proxy/strict/a' });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    await until('the first request waits on the upstream', () => hanging.size === 1);
    // Its own limit of one: the second is refused at once…
    assert.equal((await rawRequest(app.url, '/ows/proxy/strict/b')).status, 503);
    // …and its own headers timeout ends the first with 504, where the default would wait 300 s.
    assert.equal(await first, 504);
    // The other service keeps the defaults: two requests in flight at once.
    const two = ['x', 'y'].map(
      (p) =>
        new Promise<void>((resolve) => {
          const req = httpRequest({ host: u.hostname, port: u.port, path: `/ows/proxy/plain/${p}` });
          req.on('error', () => resolve());
          req.on('close', () => resolve());
          req.end();
        }),
    );
    await until('both requests of the other service wait on the upstream', () => hanging.size === 2);
    for (const res of hanging) res.end();
    await Promise.all(two);
  });

  test('a change of limits takes effect on the next request', async (t) => {
    const hanging = new Set<import('node:http').ServerResponse>();
    const up = await startUpstream(t, (req, res) => {
      if (req.url?.endsWith('/quick')) {
        res.end('fine');
        return;
      }
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
    });
    const app = await startTestApp(t);
    const service = { name: 'svc', url: up.url, type: 'http', auth: 'public' };
    await registerService(app, { ...service, limits: { maxConcurrent: 1 } });
    assert.equal((await rawRequest(app.url, '/ows/proxy/svc/quick')).status, 200);
    const u = new URL(app.url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: '/ows/proxy/svc/slow' });
    req.on('error', () => {});
    req.end();
    await until('a request waits on the upstream', () => hanging.size === 1);
    assert.equal((await rawRequest(app.url, '/ows/proxy/svc/quick')).status, 503);
    const put = await fetch(`${app.url}/services/svc`, {
      method: 'PUT',
      headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ ...service, limits: { maxConcurrent: 2 } }),
    });
    assert.equal(put.status, 200, await put.text());
    await until('the new limit applies', async () => {
      return (await rawRequest(app.url, '/ows/proxy/svc/quick')).status === 200;
    });
    req.destroy();
  });
});

describe('Via and loops', () => {
  test("Twitcher's Via entry is appended to the request and to the answer", async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'files', url: up.url, type: 'http', auth: 'public' });
    const own = `1.1 ${viaPseudonym(app.config)}`;
    const res = await rawRequest(app.url, '/ows/proxy/files/x', { headers: { via: '1.0 fred' } });
    assert.equal(res.status, 200);
    assert.equal(up.seen[0]?.headers.via, `1.0 fred, ${own}`);
    assert.equal(res.headers.via, own);
  });

  test('a request carrying its own Via entry is refused with 508 before it is forwarded', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'files', url: up.url, type: 'http', auth: 'public' });
    const own = `1.1 ${viaPseudonym(app.config)}`;
    const res = await rawRequest(app.url, '/ows/proxy/files/x', { headers: { via: `1.0 fred, ${own}` } });
    assert.equal(res.status, 508);
    assert.match(res.body.toString(), /been through this Twitcher already/);
    assert.equal(up.seen.length, 0);
    // Another Twitcher's entry (another deployment), or ours only inside a comment: forwarded.
    for (const via of ['1.1 twitcher-ffffffffffff', `1.1 proxy.example (${own})`]) {
      assert.equal((await rawRequest(app.url, '/ows/proxy/files/x', { headers: { via } })).status, 200, via);
    }
    assert.equal(up.seen.length, 2);
  });

  test('a service whose URL leads back to the proxy gets 508 at the second hop, not a loop', async (t) => {
    const app = await startTestApp(t);
    // Written to the store directly: the admin API refuses such a URL.
    await app.store.services.create({
      name: 'loop',
      url: `${app.url}/ows/proxy/loop`,
      type: 'http',
      purl: '',
      auth: 'public',
      verify: true,
      passTokenData: false,
      certSubjects: [],
      limits: {},
    });
    const res = await rawRequest(app.url, '/ows/proxy/loop/x');
    assert.equal(res.status, 508);
  });
});
