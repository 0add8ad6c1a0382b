/**
 * Bad upstreams (issue 12): one that resets mid-body, lies about its Content-Length, never answers,
 * trickles, or sends faster than the client reads. Each test asserts what the client sees (a status
 * and an OWS ExceptionReport while nothing was sent, a cut connection once the status line went out,
 * never a complete-looking truncated response) and that nothing is left behind: the upstream's
 * connections are closed, Twitcher still serves the upstream and closes cleanly, and the process holds
 * no more TCP handles than before the test.
 */
import assert from 'node:assert/strict';
import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderOWSError } from '../../src/ows/exception-report.js';
import { mapUpstreamError } from '../../src/proxy/map-upstream-error.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  closedSocket,
  type RawRequestHead,
  type RawUpstream,
  startRawUpstream,
  tcpHandles,
  waitFor,
  within,
} from '../helpers/fault-upstream.js';
import { registerService } from '../helpers/register.js';

const MiB = 1024 * 1024;
const TEST = { timeout: 60_000 };
const CAPABILITIES = '/ows/proxy/up?service=WPS&request=GetCapabilities';

interface Rig {
  up: RawUpstream;
  app: TestApp;
  /** The upstream's service URL, as it appears in its documents. */
  serviceURL: string;
  /** What Twitcher rewrites it to. */
  proxyURL: string;
  /** Checks nothing leaked, then closes everything. */
  finish(): Promise<void>;
}

/**
 * A Twitcher with one public WPS service `up` on a raw upstream. `/health` on the upstream always
 * answers 200, so that `finish()` can check Twitcher still serves it after the fault.
 */
async function rig(
  t: TestContext,
  onRequest: (socket: Socket, request: RawRequestHead, up: RawUpstream) => void,
  overrides: Record<string, unknown> = {},
): Promise<Rig> {
  const before = tcpHandles();
  const up: RawUpstream = await startRawUpstream(undefined, (socket, request) => {
    if (request.path.endsWith('/health')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
      return;
    }
    onRequest(socket, request, up);
  });
  const app = await startTestApp(undefined, { overrides });
  let finished = false;
  t.after(async () => {
    if (finished) return;
    await within(app.close(), 10_000, 'Twitcher closes').catch(() => undefined);
    await up.close();
  });
  await registerService(app, { name: 'up', url: `${up.url}/wps`, auth: 'public' });
  return {
    up,
    app,
    serviceURL: `${up.url}/wps`,
    proxyURL: `${app.url}/ows/proxy/up`,
    async finish() {
      finished = true;
      // The pool is still usable: a fault leaves no stuck slot or poisoned connection behind.
      const health = await see(`${app.url}/ows/proxy/up/health`).done;
      assert.equal(health.status, 200, 'Twitcher no longer serves the upstream after the fault');
      assert.equal(health.body.toString(), 'ok');
      // A request still running in a pool would keep agents.close() (inside app.close) waiting.
      await within(app.close(), 10_000, 'Twitcher closes');
      await waitFor(
        async () => (await up.connections()) === 0,
        'the upstream has no connection left once Twitcher closed',
      );
      await up.close();
      await waitFor(() => tcpHandles() <= before, `TCP handles back to ${before} (now ${tcpHandles()})`);
    },
  };
}

/** What a client sees of a response: its status (0: none), the bytes, and whether it ended cleanly. */
interface Seen {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  complete: boolean;
  reused: boolean;
}

function see(
  url: string,
  options: { agent?: Agent; onData?: (received: number, res: IncomingMessage) => void } = {},
): { req: ClientRequest; done: Promise<Seen> } {
  const req = httpRequest(url, { agent: options.agent ?? false });
  const done = new Promise<Seen>((resolve) => {
    const none = { status: 0, headers: {}, body: Buffer.alloc(0), complete: false };
    req.on('error', () => resolve({ ...none, reused: req.reusedSocket }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        options.onData?.(received, res);
      });
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
          reused: req.reusedSocket,
        }),
      );
    });
  });
  req.end();
  return { req, done };
}

/** A promise and its resolver: the upstream waits on it until the client saw what the test needs. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

/** The report Twitcher answers for an upstream error with this code (a WPS request: OWS 1.1). */
function report(code: string): string {
  return renderOWSError(mapUpstreamError(Object.assign(new Error('x'), { code })), { service: 'WPS' }).body;
}
const UNREACHABLE = report('ECONNRESET');
const FAILED = report('SOME_OTHER_FAILURE');
const TIMEOUT = report('UND_ERR_HEADERS_TIMEOUT');

function assertGatewayError(seen: Seen, status: 502 | 504): void {
  assert.equal(seen.status, status, `expected ${status}, got ${seen.status}: ${seen.body.toString()}`);
  assert.equal(seen.complete, true);
  assert.match(String(seen.headers['content-type']), /^text\/xml/);
  const body = seen.body.toString();
  if (status === 504) assert.equal(body, TIMEOUT);
  else assert.ok(body === UNREACHABLE || body === FAILED, `not a 502 ExceptionReport: ${body}`);
}

/** Once the status line went out, a failure must show as a cut connection, never as a complete answer. */
function assertCut(seen: Seen, whole: Buffer): void {
  assert.equal(seen.status, 200);
  assert.equal(seen.complete, false, 'a truncated response looked complete');
  assert.ok(seen.body.length > 0, 'the client saw no byte of the body');
  assert.ok(seen.body.length < whole.length, 'the client got the whole body');
  assert.ok(whole.subarray(0, seen.body.length).equals(seen.body), 'the bytes received are not the body');
}

function head(contentType: string, framing: { length: number } | 'chunked'): string {
  return (
    `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n` +
    (framing === 'chunked' ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${framing.length}\r\n`) +
    '\r\n'
  );
}

function chunk(data: Buffer | string): Buffer {
  const b = Buffer.from(data);
  return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
}

/** A capabilities document of at least `size` bytes naming `serviceURL` all along. */
function capabilities(serviceURL: string, size: number): Buffer {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?><Capabilities>'];
  let length = parts[0]!.length;
  for (let i = 0; length < size; i++) {
    const part = `<Get href="${serviceURL}?layer=${i}"/>\n`;
    parts.push(part);
    length += part.length;
  }
  parts.push('</Capabilities>');
  return Buffer.from(parts.join(''));
}

/** The document as Twitcher must send it: every upstream URL made the proxy's. */
function rewritten(doc: Buffer, rig: Pick<Rig, 'serviceURL' | 'proxyURL'>): Buffer {
  return Buffer.from(doc.toString().replaceAll(rig.serviceURL, rig.proxyURL));
}

/** Bytes a client can check: position i holds i mod 251. */
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i % 251;
  return b;
}

describe('bad upstreams: a reset mid-body', () => {
  for (const framing of ['length', 'chunked'] as const) {
    test(`a plain body (${framing}): the client's connection is cut`, TEST, async (t) => {
      const body = pattern(1 * MiB);
      const clientGotData = signal();
      const r = await rig(t, (socket) => {
        socket.write(head('application/octet-stream', framing === 'chunked' ? 'chunked' : body));
        const first = body.subarray(0, 64 * 1024);
        socket.write(framing === 'chunked' ? chunk(first) : first);
        void clientGotData.promise.then(() => socket.resetAndDestroy());
      });
      const seen = await see(`${r.proxyURL}/data.bin`, { onData: clientGotData.fire }).done;
      assertCut(seen, body);
      await r.finish();
    });
  }

  test(
    'a plain body reset after its headers, before any byte of it: 502, as nothing went out yet',
    TEST,
    async (t) => {
      const r = await rig(t, (socket) => {
        socket.write(head('application/octet-stream', { length: 1000 }), () => socket.resetAndDestroy());
      });
      const seen = await see(`${r.proxyURL}/data.bin`).done;
      assert.notEqual(seen.status, 200, 'a 200 with an empty or truncated body');
      assertGatewayError(seen, 502);
      await r.finish();
    },
  );

  // Small documents with a length are gathered whole and rewritten at once: nothing goes out before
  // the end, so any reset is a 502. Larger or chunked ones are rewritten as they stream: a 502 until the
  // first rewritten byte, a cut connection after it.
  const cases = [
    { size: 8 * 1024, framing: 'length', when: 'before' },
    { size: 8 * 1024, framing: 'length', when: 'near the end' },
    { size: 8 * 1024, framing: 'chunked', when: 'before' },
    { size: 8 * 1024, framing: 'chunked', when: 'after' },
    { size: 2 * MiB, framing: 'length', when: 'before' },
    { size: 2 * MiB, framing: 'length', when: 'after' },
    { size: 2 * MiB, framing: 'chunked', when: 'before' },
    { size: 2 * MiB, framing: 'chunked', when: 'after' },
  ] as const;
  for (const { size, framing, when } of cases) {
    const cut = when === 'after';
    const moment = when === 'near the end' ? 'near its end' : `${when} the first rewritten byte`;
    test(
      `a rewritten document (${size / 1024} KiB, ${framing}), reset ${moment}: ${cut ? 'cut' : '502'}`,
      TEST,
      async (t) => {
        const clientGotData = signal();
        const r = await rig(t, (socket, _request, up) => {
          const doc = capabilities(`${up.url}/wps`, size);
          socket.write(head('text/xml', framing === 'chunked' ? 'chunked' : doc));
          // before: the XML declaration's first bytes, fewer than the rewriter holds back
          const sent = doc.subarray(
            0,
            when === 'before' ? 5 : when === 'after' ? doc.length >> 1 : doc.length - 10,
          );
          socket.write(framing === 'chunked' ? chunk(sent) : sent, () => {
            if (cut) void clientGotData.promise.then(() => socket.resetAndDestroy());
            else socket.resetAndDestroy();
          });
        });
        const seen = await see(`${r.app.url}${CAPABILITIES}`, { onData: clientGotData.fire }).done;
        if (cut) assertCut(seen, rewritten(capabilities(r.serviceURL, size), r));
        else assertGatewayError(seen, 502);
        await r.finish();
      },
    );
  }
});

describe('bad upstreams: a wrong Content-Length', () => {
  test('more announced than sent, then closed: a plain body is cut', TEST, async (t) => {
    const body = pattern(256 * 1024);
    const r = await rig(t, (socket) => {
      socket.write(head('application/octet-stream', { length: body.length + 1000 }));
      socket.end(body);
    });
    const seen = await see(`${r.proxyURL}/data.bin`).done;
    assert.equal(seen.headers['content-length'], String(body.length + 1000));
    assert.equal(seen.status, 200);
    assert.equal(seen.complete, false, 'a truncated response looked complete');
    assert.ok(body.subarray(0, seen.body.length).equals(seen.body));
    await r.finish();
  });

  test('more announced than sent, then closed: a small rewritten document is a 502', TEST, async (t) => {
    const r = await rig(t, (socket, _request, up) => {
      const doc = capabilities(`${up.url}/wps`, 4096);
      socket.write(head('text/xml', { length: doc.length + 1000 }));
      socket.end(doc);
    });
    assertGatewayError(await see(`${r.app.url}${CAPABILITIES}`).done, 502);
    await r.finish();
  });

  // The streaming paths (a large document with a length, any chunked body) must not take the upstream's
  // end of connection for the end of the body.
  const premature = [
    { type: 'application/octet-stream', framing: 'length' },
    { type: 'application/octet-stream', framing: 'chunked' },
    { type: 'text/xml', framing: 'length' },
    { type: 'text/xml', framing: 'chunked' },
  ] as const;
  for (const { type, framing } of premature) {
    const what = framing === 'length' ? 'more announced than sent' : 'no last chunk';
    test(`${what} of 2 MiB ${type}, then closed: the client's connection is cut`, TEST, async (t) => {
      const r = await rig(t, (socket, _request, up) => {
        const body = type === 'text/xml' ? capabilities(`${up.url}/wps`, 2 * MiB) : pattern(2 * MiB);
        socket.write(head(type, framing === 'chunked' ? 'chunked' : { length: body.length + 1000 }));
        socket.end(framing === 'chunked' ? chunk(body) : body);
      });
      const xml = type === 'text/xml';
      const seen = await see(xml ? `${r.app.url}${CAPABILITIES}` : `${r.proxyURL}/data.bin`).done;
      const whole = xml ? rewritten(capabilities(r.serviceURL, 2 * MiB), r) : pattern(2 * MiB);
      assert.equal(seen.status, 200);
      assert.equal(seen.complete, false, 'a truncated response looked complete');
      assert.ok(whole.subarray(0, seen.body.length).equals(seen.body), 'the bytes received are not the body');
      await r.finish();
    });
  }

  // Bytes after the announced length must not be read as the answer to the next request sent on the
  // same upstream connection (response splitting): the client's next request gets its own answer.
  for (const when of ['in the same write', 'in a later write'] as const) {
    test(
      `fewer announced than sent (${when}): the announced length, and the next request on the client's connection gets its own answer`,
      TEST,
      async (t) => {
        const smuggled = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nSMUGGLED';
        const r = await rig(t, (socket, request) => {
          if (request.path.endsWith('/second')) {
            socket.write(`${head('text/plain', { length: 6 })}second`);
            return;
          }
          const first = `${head('text/plain', { length: 5 })}firstEXTRA\r\n`;
          if (when === 'in the same write') socket.write(first + smuggled);
          else socket.write(first, () => setImmediate(() => socket.write(smuggled)));
        });
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        t.after(() => agent.destroy());
        const one = await see(`${r.proxyURL}/first`, { agent }).done;
        assert.equal(one.status, 200);
        assert.equal(one.headers['content-length'], '5');
        assert.equal(one.body.toString(), 'first');
        assert.equal(one.complete, true);
        const two = await see(`${r.proxyURL}/second`, { agent }).done;
        assert.equal(two.reused, true, 'the second request did not go on the same client connection');
        assert.equal(two.status, 200);
        assert.equal(two.body.toString(), 'second');
        agent.destroy();
        await r.finish();
      },
    );
  }
});

describe('bad upstreams: no answer', () => {
  test(
    'an upstream that reads the request and never answers: 504 ExceptionReport, its connection closed',
    TEST,
    async (t) => {
      const requested = signal();
      const r = await rig(
        t,
        () => {
          requested.fire(); // and never a byte back
        },
        { 'proxy.headersTimeout': 300 },
      );
      const seen = await see(`${r.app.url}${CAPABILITIES}`).done;
      assertGatewayError(seen, 504);
      await requested.promise;
      await within(closedSocket(r.up.sockets[0]!), 10_000, "the upstream's connection is closed by Twitcher");
      await r.finish();
    },
  );
});

describe('bad upstreams: slower than the client reads', () => {
  // The body timeout is a silence between chunks, not a total: a trickle longer than it goes through.
  const bodyTimeout = 1000;

  test('a plain body trickled a byte at a time arrives whole', TEST, async (t) => {
    const body = pattern(1500);
    const r = await rig(
      t,
      (socket) => {
        socket.write(head('application/octet-stream', body));
        void (async () => {
          for (let i = 0; i < body.length && !socket.destroyed; i++) {
            socket.write(body.subarray(i, i + 1));
            await sleep(1);
          }
        })();
      },
      { 'proxy.bodyTimeout': bodyTimeout },
    );
    const started = Date.now();
    const seen = await see(`${r.proxyURL}/data.bin`).done;
    assert.ok(Date.now() - started >= bodyTimeout, 'the trickle did not outlast the body timeout');
    assert.equal(seen.status, 200);
    assert.equal(seen.complete, true);
    assert.ok(seen.body.equals(body), 'the body arrived changed');
    await r.finish();
  });

  test('a rewritten document trickled a byte per chunk arrives whole and rewritten', TEST, async (t) => {
    const r = await rig(
      t,
      (socket, _request, up) => {
        const doc = capabilities(`${up.url}/wps`, 1200);
        socket.write(head('text/xml', 'chunked'));
        void (async () => {
          for (let i = 0; i < doc.length && !socket.destroyed; i++) {
            socket.write(chunk(doc.subarray(i, i + 1)));
            await sleep(1);
          }
          socket.write('0\r\n\r\n');
        })();
      },
      { 'proxy.bodyTimeout': bodyTimeout },
    );
    const seen = await see(`${r.app.url}${CAPABILITIES}`).done;
    assert.equal(seen.status, 200);
    assert.equal(seen.complete, true);
    assert.equal(seen.body.toString(), rewritten(capabilities(r.serviceURL, 1200), r).toString());
    await r.finish();
  });

  test(
    'a plain body that pauses longer than proxy.bodyTimeout: cut after the headers, upstream closed',
    TEST,
    async (t) => {
      const body = pattern(64 * 1024);
      const r = await rig(
        t,
        (socket) => {
          socket.write(head('application/octet-stream', body));
          socket.write(body.subarray(0, 1000)); // and then silence
        },
        { 'proxy.bodyTimeout': 300 },
      );
      const seen = await see(`${r.proxyURL}/data.bin`).done;
      assertCut(seen, body);
      assert.equal(seen.body.length, 1000);
      await within(closedSocket(r.up.sockets[0]!), 10_000, "the upstream's connection is closed by Twitcher");
      await r.finish();
    },
  );

  test(
    'a plain body silent after its headers longer than proxy.bodyTimeout: 504, as nothing went out yet',
    TEST,
    async (t) => {
      const body = pattern(64 * 1024);
      const r = await rig(
        t,
        (socket) => {
          socket.write(head('application/octet-stream', body)); // and then silence
        },
        { 'proxy.bodyTimeout': 300 },
      );
      assertGatewayError(await see(`${r.proxyURL}/data.bin`).done, 504);
      await within(closedSocket(r.up.sockets[0]!), 10_000, "the upstream's connection is closed by Twitcher");
      await r.finish();
    },
  );

  test(
    'a rewritten document that pauses before its first rewritten byte: 504, upstream closed',
    TEST,
    async (t) => {
      const r = await rig(
        t,
        (socket) => {
          socket.write(head('text/xml', 'chunked'));
          socket.write(chunk('<?xml')); // and then silence
        },
        { 'proxy.bodyTimeout': 300 },
      );
      assertGatewayError(await see(`${r.app.url}${CAPABILITIES}`).done, 504);
      await within(closedSocket(r.up.sockets[0]!), 10_000, "the upstream's connection is closed by Twitcher");
      await r.finish();
    },
  );
});

describe('bad upstreams: faster than the client reads', () => {
  test(
    '256 MiB to a paused client: the upstream is held back, memory stays flat, then all of it arrives',
    TEST,
    async (t) => {
      const total = 256 * MiB;
      const piece = Buffer.alloc(MiB, 0x5a);
      const upstream = { sent: 0, waiting: false };
      const r = await rig(t, (socket) => {
        socket.write(head('application/octet-stream', { length: total }));
        const pump = () => {
          while (upstream.sent < total && !socket.destroyed) {
            upstream.sent += piece.length;
            if (!socket.write(piece)) {
              upstream.waiting = true;
              socket.once('drain', () => {
                upstream.waiting = false;
                pump();
              });
              return;
            }
          }
        };
        pump();
      });
      const base = process.memoryUsage();
      const response = new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(`${r.proxyURL}/big.bin`, { agent: false }, (res) => {
          res.pause();
          resolve(res);
        });
        req.on('error', reject);
        req.end();
      });
      const res = await response;
      assert.equal(res.statusCode, 200);
      // The upstream is blocked: its socket's buffer is full (write() said false, no 'drain' since) and
      // it has sent nothing more over several polls in a row. Or it sent everything: no backpressure.
      let last = -1;
      let still = 0;
      await waitFor(
        () => {
          if (upstream.sent >= total) return true;
          still = upstream.waiting && upstream.sent === last ? still + 1 : 0;
          last = upstream.sent;
          return still >= 5;
        },
        'the upstream is held back by the paused client',
        30_000,
        50,
      );
      assert.ok(upstream.sent < total / 2, `the upstream sent ${upstream.sent} bytes to a paused client`);
      const now = process.memoryUsage();
      const grown = { rss: now.rss - base.rss, arrayBuffers: now.arrayBuffers - base.arrayBuffers };
      t.diagnostic(
        `held back after ${upstream.sent >> 20} MiB; RSS +${grown.rss >> 20} MiB, buffers +${grown.arrayBuffers >> 20} MiB`,
      );
      assert.ok(grown.rss < 64 * MiB, `RSS grew by ${grown.rss >> 20} MiB while the client was paused`);
      assert.ok(grown.arrayBuffers < 64 * MiB, `buffers grew by ${grown.arrayBuffers >> 20} MiB`);

      let received = 0;
      res.on('data', (c: Buffer) => {
        received += c.length;
      });
      await new Promise<void>((resolve, reject) => {
        res.on('end', resolve);
        res.on('error', reject);
        res.resume();
      });
      assert.equal(received, total);
      assert.equal(res.complete, true);
      await r.finish();
    },
  );
});

describe('bad upstreams: the client goes away', () => {
  /** Writes `piece` until the socket is closed, at the pace the reader takes it. */
  function endless(socket: Socket, piece: Buffer, wrap: (b: Buffer) => Buffer = (b) => b): void {
    const pump = () => {
      while (!socket.destroyed) if (!socket.write(wrap(piece))) return void socket.once('drain', pump);
    };
    pump();
  }

  test('mid-body of a plain stream: Twitcher closes the upstream connection', TEST, async (t) => {
    const r = await rig(t, (socket) => {
      socket.write(head('application/octet-stream', 'chunked'));
      endless(socket, Buffer.alloc(64 * 1024, 1), chunk);
    });
    const client = see(`${r.proxyURL}/data.bin`, { onData: () => client.req.destroy() });
    const seen = await client.done;
    assert.equal(seen.status, 200);
    await within(closedSocket(r.up.sockets[0]!), 10_000, "the upstream's connection is closed by Twitcher");
    await r.finish();
  });

  test('mid-body of a rewritten stream: Twitcher closes the upstream connection', TEST, async (t) => {
    const r = await rig(t, (socket, _request, up) => {
      socket.write(head('text/xml', 'chunked'));
      socket.write(chunk('<?xml version="1.0"?><Capabilities>'));
      endless(socket, Buffer.from(`<Get href="${up.url}/wps?x"/>\n`.repeat(1000)), chunk);
    });
    const client = see(`${r.app.url}${CAPABILITIES}`, { onData: () => client.req.destroy() });
    const seen = await client.done;
    assert.equal(seen.status, 200);
    await within(closedSocket(r.up.sockets[0]!), 10_000, "the upstream's connection is closed by Twitcher");
    await r.finish();
  });

  for (const what of ['before the headers', 'while a small document is gathered'] as const) {
    test(`${what}: Twitcher closes the upstream connection`, TEST, async (t) => {
      const requested = signal();
      const r = await rig(t, (socket, _request, up) => {
        if (what === 'before the headers') return requested.fire();
        const doc = capabilities(`${up.url}/wps`, 100_000);
        socket.write(head('text/xml', doc));
        socket.write(doc.subarray(0, 50_000), requested.fire); // and the rest never
      });
      const client = see(`${r.app.url}${CAPABILITIES}`);
      await requested.promise;
      client.req.destroy();
      assert.equal((await client.done).status, 0);
      await within(closedSocket(r.up.sockets[0]!), 10_000, "the upstream's connection is closed by Twitcher");
      await r.finish();
    });
  }
});
