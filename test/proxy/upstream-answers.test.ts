import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/** An upstream answering `status` with the Location (and body) the test asks for in `?to=`. */
async function redirectingUpstream(
  t: Parameters<typeof startUpstream>[0],
  status = 302,
  body?: (up: Upstream) => string,
): Promise<Upstream> {
  return startUpstream(t, (req, res, _body, up) => {
    res.statusCode = status;
    res.setHeader('location', new URL(req.url ?? '/', up.url).searchParams.get('to') ?? '');
    if (body === undefined) {
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(body(up));
  });
}

async function location(app: TestApp, path: string, to: string): Promise<string | null> {
  const res = await fetch(`${app.url}${path}?to=${encodeURIComponent(to)}`, { redirect: 'manual' });
  await res.arrayBuffer();
  return res.headers.get('location');
}

describe('upstream answers: Location', () => {
  test('relative Locations into the service become its proxy URL', async (t) => {
    const up = await redirectingUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'http', auth: 'public' });
    const emu = `${app.url}/ows/proxy/emu`;
    const path = '/ows/proxy/emu/jobs/42';
    assert.equal(await location(app, path, '/wps/outputs/x.xml'), `${emu}/outputs/x.xml`);
    assert.equal(await location(app, path, 'outputs/x.xml'), `${emu}/jobs/outputs/x.xml`);
    assert.equal(
      await location(app, path, `//127.0.0.1:${up.port}/wps/outputs/x.xml`),
      `${emu}/outputs/x.xml`,
    );
    assert.equal(await location(app, path, `${up.url}/wps/outputs/x.xml`), `${emu}/outputs/x.xml`);
  });

  test('Locations elsewhere are not made proxy URLs', async (t) => {
    const up = await redirectingUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'http', auth: 'public' });
    const path = '/ows/proxy/emu/jobs/42';
    assert.equal(await location(app, path, 'https://other.example/x'), 'https://other.example/x');
    // outside the service path: the upstream URL it meant, not a path on Twitcher
    assert.equal(await location(app, path, '/admin/x'), `${up.url}/admin/x`);
    assert.equal(await location(app, path, '/wps/../admin'), `${up.url}/admin`);
  });

  test('OGC API: 201 Created and 303 See Other point through the proxy, as the links in the body do', async (t) => {
    const up = await startUpstream(t, (req, res, _body, u) => {
      if (req.method === 'POST') {
        res.statusCode = 201;
        res.setHeader('location', '/ogcapi/jobs/abc');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ jobID: 'abc', links: [{ rel: 'self', href: `${u.url}/ogcapi/jobs/abc` }] }));
        return;
      }
      res.statusCode = 303;
      res.setHeader('location', 'abc/results');
      res.end();
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'api', url: `${up.url}/ogcapi`, type: 'ogcapi', auth: 'public' });
    const created = await fetch(`${app.url}/ows/proxy/api/processes/echo/execution`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ inputs: {} }),
    });
    assert.equal(created.status, 201);
    const job = (await created.json()) as { links: { href: string }[] };
    assert.equal(created.headers.get('location'), `${app.url}/ows/proxy/api/jobs/abc`);
    assert.equal(job.links[0]?.href, created.headers.get('location'));
    const seeOther = await fetch(`${app.url}/ows/proxy/api/jobs/abc`, { redirect: 'manual' });
    assert.equal(seeOther.status, 303);
    assert.equal(seeOther.headers.get('location'), `${app.url}/ows/proxy/api/jobs/abc/results`);
  });

  test('Content-Location is mapped like Location', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-location', 'jobs/abc?f=json');
      res.end('{}');
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'api', url: `${up.url}/ogcapi`, type: 'ogcapi', auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/api/jobs/abc`);
    assert.equal(res.headers.get('content-location'), `${app.url}/ows/proxy/api/jobs/jobs/abc?f=json`);
  });

  test('a Location into a sibling service on the same upstream becomes that service’s proxy URL, as in bodies', async (t) => {
    const up = await redirectingUpstream(t, 302, (u) => `{"href":"${u.url}/outputs/x.xml"}`);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'http', auth: 'public' });
    await registerService(app, { name: 'outputs', url: `${up.url}/outputs`, type: 'http', auth: 'token' });
    const res = await fetch(`${app.url}/ows/proxy/emu/jobs/42?to=%2Foutputs%2Fx.xml`, { redirect: 'manual' });
    const { href } = (await res.json()) as { href: string };
    assert.equal(href, `${app.url}/ows/proxy/outputs/x.xml`);
    assert.equal(res.headers.get('location'), href);
  });

  test('a Location to a service on another upstream stays as it is, as it does in bodies', async (t) => {
    const other = await startUpstream(t);
    const to = `${other.url}/thredds/x.nc`;
    const up = await redirectingUpstream(t, 302, () => `{"href":"${to}"}`);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'http', auth: 'public' });
    await registerService(app, { name: 'thredds', url: `${other.url}/thredds`, type: 'http', auth: 'token' });
    const res = await fetch(`${app.url}/ows/proxy/emu/jobs/42?to=${encodeURIComponent(to)}`, {
      redirect: 'manual',
    });
    const { href } = (await res.json()) as { href: string };
    assert.equal(href, to);
    assert.equal(res.headers.get('location'), href);
  });
});

/** What a client sees of a response: whether it ended cleanly, and the bytes it got. */
interface Seen {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
  complete: boolean;
}

function getSeen(url: string, onFirstData?: () => void): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (chunks.length === 0) onFirstData?.();
        chunks.push(c);
      });
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A capabilities-like document of about `size` bytes that deflate cannot shrink much. */
function largeDocument(upstreamURL: string, size: number): Buffer {
  const parts = ['<?xml version="1.0"?><Capabilities>'];
  let seed = createHash('sha256').update('seed').digest('hex');
  let length = 0;
  while (length < size) {
    seed = createHash('sha256').update(seed).digest('hex');
    const part = `<Layer href="${upstreamURL}/ows?id=${seed}"/>`;
    parts.push(part);
    length += part.length;
  }
  parts.push('</Capabilities>');
  return Buffer.from(parts.join(''));
}

describe('upstream answers: a body that fails while rewritten', () => {
  test('corrupt gzip from the first byte: 502 ExceptionReport', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'text/xml');
      res.setHeader('content-encoding', 'gzip');
      res.end('this is not gzip at all');
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const res = await rawRequest(app.url, '/ows/proxy/emu?service=WPS&request=GetCapabilities');
    assert.equal(res.status, 502);
    const text = res.body.toString();
    assert.match(text, /ExceptionReport/);
    assert.match(text, /NoApplicableCode/);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.ok(!text.includes(String(up.port)), 'the report names the upstream');
  });

  test('valid gzip: 200, rewritten', async (t) => {
    const up = await startUpstream(t, (_req, res, _b, u) => {
      res.setHeader('content-type', 'text/xml');
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(`<Capabilities href="${u.url}/wps"/>`));
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), `<Capabilities href="${app.url}/ows/proxy/emu"/>`);
  });

  test('corrupt gzip after a large valid prefix: the client sees an aborted response', async (t) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const up = await startUpstream(t, (_req, res, _b, u) => {
      const gz = gzipSync(largeDocument(`${u.url}/wps`, 4 * 1024 * 1024));
      res.setHeader('content-type', 'text/xml');
      res.setHeader('content-encoding', 'gzip');
      res.write(gz.subarray(0, Math.floor(gz.length * 0.75)));
      // the rest only once the client got rewritten bytes: the status line is out by then
      void released.then(() => res.end(Buffer.alloc(4096, 0xff)));
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const seen = await getSeen(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`, release);
    assert.equal(seen.status, 200);
    assert.ok(seen.body.length > 0);
    assert.equal(seen.complete, false, 'the response looked complete');
  });

  test('the same large document whole: a complete response', async (t) => {
    const up = await startUpstream(t, (_req, res, _b, u) => {
      res.setHeader('content-type', 'text/xml');
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(largeDocument(`${u.url}/wps`, 4 * 1024 * 1024)));
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const seen = await getSeen(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`);
    assert.equal(seen.status, 200);
    assert.equal(seen.complete, true);
  });

  test('a small document cut short by the upstream: 502, not a truncated 200', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'text/xml');
      res.setHeader('content-length', '1000');
      res.write('<Capabilities>', () => res.destroy());
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const res = await rawRequest(app.url, '/ows/proxy/emu?service=WPS&request=GetCapabilities');
    assert.equal(res.status, 502);
    assert.match(res.body.toString(), /ExceptionReport/);
  });

  test('the same small document whole: 200', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'text/xml');
      res.setHeader('content-length', '15');
      res.end('<Capabilities/>');
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const res = await rawRequest(app.url, '/ows/proxy/emu?service=WPS&request=GetCapabilities');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), '<Capabilities/>');
  });
});

describe('upstream answers: HEAD', () => {
  async function documentUpstream(t: Parameters<typeof startUpstream>[0], type: string, encoding?: string) {
    return startUpstream(t, (_req, res, _b, u) => {
      const text = Buffer.from(`<Capabilities href="${u.url}/wps"/>`);
      const body = encoding === 'gzip' ? gzipSync(text) : text;
      res.setHeader('content-type', type);
      if (encoding) res.setHeader('content-encoding', encoding);
      res.setHeader('content-length', String(body.length));
      res.setHeader('etag', '"v1"');
      res.setHeader('last-modified', 'Tue, 01 Dec 2026 00:00:00 GMT');
      res.end(body); // Node sends no body for a HEAD, and keeps the length
    });
  }

  for (const encoding of [undefined, 'gzip']) {
    test(`a HEAD of a rewritten document announces no length or ETag, as its GET (${encoding ?? 'identity'})`, async (t) => {
      const up = await documentUpstream(t, 'text/xml', encoding);
      const app = await startTestApp(t);
      await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
      const url = `${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`;
      const get = await rawRequest(app.url, url.slice(app.url.length));
      const head = await rawRequest(app.url, url.slice(app.url.length), { method: 'HEAD' });
      assert.equal(get.status, 200);
      assert.equal(head.status, 200);
      assert.equal(head.headers['etag'], undefined);
      assert.equal(get.headers['etag'], undefined);
      assert.equal(head.headers['content-length'], undefined);
      if (encoding === undefined) {
        // the GET's length is the rewritten body's, which the HEAD cannot know without reading it
        assert.equal(get.headers['content-length'], String(get.body.length));
        assert.notEqual(get.body.length, Buffer.byteLength(`<Capabilities href="${up.url}/wps"/>`));
      }
      assert.equal(head.headers['content-type'], get.headers['content-type']);
      assert.equal(head.headers['last-modified'], get.headers['last-modified']);
    });
  }

  test('a HEAD of a document passed as it came keeps its length and ETag, as its GET', async (t) => {
    const up = await documentUpstream(t, 'image/png');
    const app = await startTestApp(t);
    await registerService(app, { name: 'map', url: `${up.url}/ows`, type: 'http', auth: 'public' });
    const get = await rawRequest(app.url, '/ows/proxy/map/x.png');
    const head = await rawRequest(app.url, '/ows/proxy/map/x.png', { method: 'HEAD' });
    assert.equal(head.headers['content-length'], String(get.body.length));
    assert.equal(get.headers['content-length'], String(get.body.length));
    assert.equal(head.headers['etag'], '"v1"');
    assert.equal(get.headers['etag'], '"v1"');
  });
});
