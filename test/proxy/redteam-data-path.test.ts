/**
 * Red-team tests of the data path (pools, limits, Relay, the one retry, Via/508, own-URL 422).
 * Each showed a bug when written (fixed since) or shows an attack refused.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { viaPseudonym } from '../../src/proxy/via.js';
import { startTestApp } from '../helpers/app.js';
import { startRawUpstream, waitFor } from '../helpers/fault-upstream.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

const until = (what: string, check: () => boolean | Promise<boolean>, ms = 10_000) =>
  waitFor(check, what, ms, 5);

/** Whether `check` comes to hold within `ms` (for the state a bug leaves behind). */
async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  try {
    await until('condition', check, ms);
    return true;
  } catch {
    return false;
  }
}

/** A raw TCP upstream: `onRequest(socket, head, n)` for each complete request head (bodies by Content-Length). */
async function rawUpstream(
  t: TestContext,
  onRequest: (socket: Socket, head: string, n: number) => void,
): Promise<{ url: string; port: number; heads: string[] }> {
  const heads: string[] = [];
  const up = await startRawUpstream(t, (socket, request) => {
    heads.push(request.head);
    onRequest(socket, request.head, heads.length);
  });
  return { url: up.url, port: up.port, heads };
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';

describe('the one retry', () => {
  test('a WPS Execute by GET whose (new) connection was reset after the upstream took it is not run twice', {}, async (t) => {
    // What a gunicorn worker killed by its timeout in the middle of a synchronous Execute does.
    const up = await rawUpstream(t, (socket, _head, n) => {
      if (n === 1) socket.destroy();
      else socket.write(OK);
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'wps', auth: 'public' });
    const res = await rawRequest(
      app.url,
      '/ows/proxy/emu?service=WPS&version=1.0.0&request=Execute&identifier=hello',
    );
    assert.equal(up.heads.filter((h) => h.startsWith('GET /wps?')).length, 1, 'the upstream ran it twice');
    assert.equal(res.status, 502);
  });

  for (const [what, start] of [
    ['103 Early Hints', 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'],
    ['100 Continue', 'HTTP/1.1 100 Continue\r\n\r\n'],
    ['half a status line and header', 'HTTP/1.1 200 OK\r\nContent-Ty'],
  ] as const) {
    test(`a GET whose answer had begun (${what}) is not sent again`, {}, async (t) => {
      const up = await rawUpstream(t, (socket, _head, n) => {
        if (n === 1) socket.write(start, () => socket.destroy());
        else socket.write(OK);
      });
      const app = await startTestApp(t);
      await registerService(app, { name: 'files', url: up.url, type: 'http', auth: 'public' });
      const res = await rawRequest(app.url, '/ows/proxy/files/a.nc');
      assert.equal(up.heads.length, 1, 'docs/proxy.md: "not a request whose answer had begun"');
      assert.equal(res.status, 502);
    });
  }
});

describe('a slot of the per-service limit', () => {
  test('is given back after every kind of failed or odd answer (maxConcurrent 1)', async (t) => {
    const big = Buffer.from(`<C>${'<a href="http://h/x"/>'.repeat(200_000)}</C>`);
    const gz = gzipSync(big);
    const answers: Record<string, (s: Socket) => void> = {
      'corrupt gzip': (s) =>
        s.write(
          'HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\n0123456789',
        ),
      'gzip cut by a reset': (s) =>
        s.write(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
            ),
            gz.subarray(0, gz.length >> 1),
          ]),
          () => s.destroy(),
        ),
      'gzip without its end, framed whole': (s) => {
        const cut = gz.subarray(0, gz.length - 20);
        s.write(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\nContent-Length: ${cut.length}\r\n\r\n`,
            ),
            cut,
          ]),
        );
      },
      'small xml cut by a reset': (s) =>
        s.write(
          'HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<a href="x"/>',
          () => s.destroy(),
        ),
      'streamed xml cut by a reset': (s) =>
        s.write(
          Buffer.concat([
            Buffer.from(
              'HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n186a0\r\n',
            ),
            big.subarray(0, 100_000),
          ]),
          () => s.destroy(),
        ),
      '204 with a type': (s) => s.write('HTTP/1.1 204 No Content\r\nContent-Type: text/xml\r\n\r\n'),
      '304 with a length': (s) =>
        s.write('HTTP/1.1 304 Not Modified\r\nContent-Type: text/xml\r\nContent-Length: 50\r\n\r\n'),
      '100 then 200': (s) => s.write(`HTTP/1.1 100 Continue\r\n\r\n${OK}`),
      '503': (s) => s.write('HTTP/1.1 503 Busy\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n'),
      'bad Location': (s) =>
        s.write('HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n'),
      'two lengths': (s) =>
        s.write('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5, 6\r\n\r\nabcde'),
      'garbage status': (s) => s.write('HTTP/1.1 2xx What\r\n\r\n', () => s.destroy()),
      silence: () => {},
    };
    let current = '';
    const up = await rawUpstream(t, (socket, head) => {
      if (head.startsWith('GET /ok ')) socket.write(OK);
      else answers[current]?.(socket);
    });
    const app = await startTestApp(t, {
      overrides: { 'proxy.maxConcurrent': 1, 'proxy.headersTimeout': 300 },
    });
    await registerService(app, { name: 'ss', url: up.url, type: 'http', auth: 'public' });
    for (const name of Object.keys(answers)) {
      current = name;
      const res = await rawRequest(app.url, '/ows/proxy/ss/x').catch(() => undefined);
      if (name.includes('cut') || name.includes('without its end')) {
        // never a complete-looking answer with part of the body
        assert.ok(res === undefined || res.status >= 500, `${name}: ${res?.status}`);
      }
      const free = await eventually(
        async () => (await rawRequest(app.url, '/ows/proxy/ss/ok')).status === 200,
        5000,
      );
      assert.ok(free, `${name}: the service stayed busy`);
    }
    // a HEAD of a rewritable document, and a 508, give it back too
    current = 'silence';
    const head = await rawRequest(app.url, '/ows/proxy/ss/x', { method: 'HEAD' });
    assert.equal(head.status, 504);
    const looped = await rawRequest(app.url, '/ows/proxy/ss/ok', {
      headers: { via: `1.1 ${viaPseudonym(app.config)}` },
    });
    assert.equal(looped.status, 508);
    assert.equal((await rawRequest(app.url, '/ows/proxy/ss/ok')).status, 200);
  });

  test('a client that stops reading does not hold the service past bodyTimeout', {}, async (t) => {
    const up = await startUpstream(t, (req, res) => {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(req.url === '/big' ? Buffer.alloc(32 * 1024 * 1024) : 'ok');
    });
    const app = await startTestApp(t, {
      overrides: { 'proxy.maxConcurrent': 1, 'proxy.bodyTimeout': 300 },
    });
    await registerService(app, { name: 'files', url: up.url, type: 'http', auth: 'public' });
    const u = new URL(app.url);
    // reads the status line, then nothing more (the attacker needs one such socket per slot)
    const stalled = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: u.hostname, port: u.port, path: '/ows/proxy/files/big' });
      req.on('response', (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
      req.end();
    });
    const busy = (await rawRequest(app.url, '/ows/proxy/files/small')).status;
    const free = await eventually(
      async () => (await rawRequest(app.url, '/ows/proxy/files/small')).status === 200,
      4000,
    );
    // (fastify's close would wait for the stalled exchange for ever)
    stalled.destroy();
    assert.equal(busy, 503);
    assert.ok(free, 'one client that reads nothing keeps the service at 503');
  });
});

describe('loop detection', () => {
  test('another spelling of our own proxy is refused (422) or does not reach the proxy', async (t) => {
    const app = await startTestApp(t);
    const port = new URL(app.url).port;
    const spellings = [
      `http://localhost:${port}/ows/proxy/x`,
      `http://[::1]:${port}/ows/proxy/x`,
      `http://127.1:${port}/ows/proxy/x`,
      `http://0:${port}/ows/proxy/x`,
      `http://localhost.:${port}/ows/proxy/x`,
      `http://2130706433:${port}/ows/proxy/x`,
      `http://0x7f.1:${port}/ows/proxy/x`,
      `http://[::ffff:127.0.0.1]:${port}/ows/proxy/x`,
      `http://127.0.0.1:${port}/ows//proxy/x`,
      `http://127.0.0.1:${port}/ows/proxy%2fx`,
      `http://127.0.0.1:${port}/./ows/proxy/x`,
      `http://127.0.0.1:${port}/OWS/proxy/x`,
      `http://127.0.0.1:${port}/ows;x/proxy/x`,
    ];
    let n = 0;
    for (const url of spellings) {
      const name = `sp${n++}`;
      const r = await fetch(`${app.url}/services`, {
        method: 'POST',
        headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
        body: JSON.stringify({ name, url, type: 'http', auth: 'public' }),
      });
      if (r.status === 422) continue;
      assert.equal(r.status, 201, url);
      // Registered: then it must not be a route of the proxy (Twitcher's routes are case-sensitive).
      const res = await rawRequest(app.url, `/ows/proxy/${name}/y`);
      assert.ok([404, 508].includes(res.status), `${url}: ${res.status}`);
    }
  });

  /** An upstream that sends every request back to Twitcher's proxy, headers (and Via) as they came. */
  async function bouncer(t: { after(fn: () => unknown): void }, back: () => string) {
    const seen: (string | string[] | undefined)[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(req.headers.via);
      const target = new URL(back());
      const out = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${req.url}`,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
  }

  test('a loop through another server is stopped by 508 whatever Via the client sends', async (t) => {
    let appURL = '';
    const b = await bouncer(t, () => `${appURL}/ows/proxy/loop`);
    const app = await startTestApp(t);
    appURL = app.url;
    // the bouncer sends /x back to /ows/proxy/loop/x: the same service again
    await registerService(app, { name: 'loop', url: b.url, type: 'http', auth: 'public' });
    const vias: (Record<string, string> | undefined)[] = [
      undefined,
      { via: '1.0 a (unclosed comment' },
      { via: '1.0 a (escaped \\' },
      { via: '1.1 x, 1.1 y ((nested) comment)' },
      { via: ',,, ,' },
      { via: '1.1 TWITCHER-000000000000' },
    ];
    for (const headers of vias) {
      const before = b.seen.length;
      const res = await rawRequest(app.url, '/ows/proxy/loop/a', headers ? { headers } : {});
      assert.equal(res.status, 508, JSON.stringify(headers));
      assert.equal(b.seen.length - before, 1, 'one round only');
    }
  });

  test('Via entries that only look like ours (comment, another port, a prefix) are let through', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'files', url: up.url, type: 'http', auth: 'public' });
    const own = viaPseudonym(app.config);
    for (const via of [`1.1 proxy (${own})`, `1.1 ${own}:80`, `1.1 ${own}0`, `1.1 x-${own}`, `${own}`]) {
      const res = await rawRequest(app.url, '/ows/proxy/files/a', { headers: { via } });
      assert.equal(res.status, 200, via);
    }
    // ours, in any case or list position or header line, is a loop
    for (const via of [`1.1 ${own.toUpperCase()}`, `HTTP/1.1 ${own}, 1.0 other`, `1.0 a,\t1.1\t${own}`]) {
      const res = await rawRequest(app.url, '/ows/proxy/files/a', { headers: { via } });
      assert.equal(res.status, 508, via);
    }
  });

  test('a second deployment with the same server.url (the default) is not taken for ourselves', {}, async (t) => {
    const up = await startUpstream(t);
    const shared = { 'server.url': 'http://localhost:8000' };
    const inner = await startTestApp(t, { overrides: shared });
    await registerService(inner, { name: 'files', url: up.url, type: 'http', auth: 'public' });
    const outer = await startTestApp(t, { overrides: shared });
    await registerService(outer, {
      name: 'inner',
      url: `${inner.url}/ows/proxy/files`,
      type: 'http',
      auth: 'public',
    });
    const res = await rawRequest(outer.url, '/ows/proxy/inner/a');
    assert.equal(res.status, 200, res.body.toString());
  });
});
