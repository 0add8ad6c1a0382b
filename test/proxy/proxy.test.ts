import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startTestApp } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyLength: number;
}

describe('proxy: forwarding', () => {
  test('a public service is proxied: query, extra path, status and headers kept', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'open', url: `${up.url}/wps`, auth: 'public' });
    const res = await fetch(
      `${app.url}/ows/proxy/open/sub/dir?service=WPS&request=GetCapabilities&x=%2Fa%20b`,
    );
    assert.equal(res.status, 200);
    const echo = (await res.json()) as Echo;
    assert.equal(echo.url, '/wps/sub/dir?service=WPS&request=GetCapabilities&x=%2Fa%20b');
  });

  test("the client's credentials and hop-by-hop headers never reach the upstream; X-Forwarded-* are set", async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'open', url: `${up.url}/wps`, auth: 'public' });
    const res = await rawRequest(
      app.url,
      '/ows/proxy/open?access_token=SECRET&service=WPS&request=GetCapabilities',
      {
        headers: {
          authorization: 'Bearer SECRET',
          cookie: 'auth_tkt=SECRET',
          connection: 'x-private',
          'x-private': 'hop',
          'x-ssl-client-verify': 'SUCCESS',
          'x-forwarded-for': '6.6.6.6',
          'x-custom': 'kept',
        },
      },
    );
    const echo = JSON.parse(res.body.toString()) as Echo;
    assert.equal(echo.url, '/wps?service=WPS&request=GetCapabilities');
    assert.ok(!JSON.stringify(echo).includes('SECRET'));
    assert.equal(echo.headers['x-private'], undefined);
    assert.equal(echo.headers['x-ssl-client-verify'], undefined);
    assert.equal(echo.headers['x-custom'], 'kept');
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.equal(echo.headers['x-forwarded-host'], new URL(app.url).host);
    assert.equal(echo.headers['x-forwarded-prefix'], '/ows/proxy/open');
    assert.equal(echo.headers.host, `127.0.0.1:${up.port}`);
  });

  test('hop-by-hop response headers are dropped, others (Content-Disposition, caching) kept', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'application/x-netcdf');
      res.setHeader('content-disposition', 'attachment; filename="tas.nc"');
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('etag', '"abc"');
      res.setHeader('connection', 'x-secret-hop');
      res.setHeader('x-secret-hop', '1');
      res.end(Buffer.from('CDF\x01'));
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'data', url: up.url, type: 'thredds', auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/data/fileServer/tas.nc`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="tas.nc"');
    assert.equal(res.headers.get('cache-control'), 'max-age=60');
    assert.equal(res.headers.get('etag'), '"abc"');
    assert.equal(res.headers.get('x-secret-hop'), null);
    assert.equal(Buffer.from(await res.arrayBuffer()).toString('latin1'), 'CDF\x01');
  });

  test('redirects are not followed; a Location into the upstream is rewritten to the proxy', async (t) => {
    const up = await startUpstream(t, (_req, res, _b, u) => {
      res.statusCode = 302;
      res.setHeader('location', `${u.url}/wps/elsewhere?a=1`);
      res.end();
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'open', url: `${up.url}/wps`, auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/open/x`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${app.url}/ows/proxy/open/elsewhere?a=1`);
    assert.equal(up.seen.length, 1);
  });

  test('upstream errors pass through with their status (PyWPS answers 400 with an ExceptionReport)', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'text/xml');
      res.end('<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1"/>');
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'open', url: `${up.url}/wps`, auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/open?service=WPS&request=GetCapabilities`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /ExceptionReport/);
  });

  test('an empty 200 body (a status document being rewritten) is passed through as empty', async (t) => {
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'text/xml');
      res.end();
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'open', url: up.url, auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/open/outputs/abc.xml`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });
});

describe('proxy: rewriting', () => {
  const caps = (self: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><wps:Capabilities xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink"><ows:OperationsMetadata><ows:Operation name="GetCapabilities"><ows:DCP><ows:HTTP><ows:Get xlink:href="${self}/wps"/><ows:Post xlink:href="${self}/wps"/></ows:HTTP></ows:DCP></ows:Operation></ows:OperationsMetadata></wps:Capabilities>`;

  test('capabilities with text/xml; charset=utf-8 are rewritten, with the new Content-Length', async (t) => {
    const up = await startUpstream(t, (_req, res, _b, u) => {
      const body = Buffer.from(caps(u.url));
      res.setHeader('content-type', 'text/xml; charset=utf-8');
      res.setHeader('content-length', String(body.length));
      res.end(body);
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(up.url), 'an upstream URL leaked');
    assert.equal(text.split(`${app.url}/ows/proxy/emu"`).length - 1, 2);
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)));
  });

  test('a large XML body (GML, over 1 MiB) is rewritten while streaming, without Content-Length', async (t) => {
    const up = await startUpstream(t, (_req, res, _b, u) => {
      const member = `<gml:featureMember><a xlink:href="${u.url}/ows?id=1"/></gml:featureMember>`;
      const body = Buffer.from(`<wfs:FeatureCollection>${member.repeat(30_000)}</wfs:FeatureCollection>`);
      res.setHeader('content-type', 'application/gml+xml; version=3.2');
      res.setHeader('content-length', String(body.length));
      res.end(body);
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'map', url: `${up.url}/ows`, type: 'wfs', auth: 'public' });
    const res = await fetch(
      `${app.url}/ows/proxy/map?service=WFS&request=GetFeature&version=2.0.0&typenames=a`,
    );
    const text = await res.text();
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(text.split(`${app.url}/ows/proxy/map?id=1`).length - 1, 30_000);
    assert.ok(!text.includes(up.url));
  });

  test('gzip capabilities are rewritten and sent gzip again', async (t) => {
    const up = await startUpstream(t, (_req, res, _b, u) => {
      res.setHeader('content-type', 'application/xml');
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(caps(u.url)));
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = httpRequest(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      req.on('response', (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ headers: r.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(raw.headers['content-encoding'], 'gzip');
    const text = gunzipSync(raw.body).toString();
    assert.ok(!text.includes(up.url));
    assert.ok(text.includes(`${app.url}/ows/proxy/emu`));
  });

  test('purl replaces the proxy URL in rewritten documents', async (t) => {
    const up = await startUpstream(t, (_req, res, _b, u) => {
      res.setHeader('content-type', 'text/xml');
      res.end(caps(u.url));
    });
    const app = await startTestApp(t);
    await registerService(app, {
      name: 'emu',
      url: `${up.url}/wps`,
      auth: 'public',
      purl: 'https://data.example.org/wps',
    });
    const text = await (await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`)).text();
    assert.ok(text.includes('xlink:href="https://data.example.org/wps"'));
  });

  test('binary responses are not touched', async (t) => {
    const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.from('http://127.0.0.1')]);
    const up = await startUpstream(t, (_req, res) => {
      res.setHeader('content-type', 'image/png');
      res.setHeader('content-length', String(png.length));
      res.end(png);
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'map', url: `${up.url}/ows`, type: 'wms', auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/map?service=WMS&request=GetMap&version=1.3.0&layers=a`);
    assert.equal(res.headers.get('content-length'), String(png.length));
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), png);
  });
});

describe('proxy: decisions', () => {
  test('on a token service GetCapabilities and DescribeProcess are open; Execute is 401 with a Bearer challenge', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const base = `${app.url}/ows/proxy/emu`;
    assert.equal((await fetch(`${base}?service=WPS&request=GetCapabilities`)).status, 200);
    assert.equal(
      (await fetch(`${base}?SERVICE=wps&REQUEST=describeprocess&VERSION=1.0.0&IDENTIFIER=hello`)).status,
      200,
    );
    const res = await fetch(
      `${base}?service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name=x`,
    );
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="twitcher"');
    assert.match(res.headers.get('content-type') ?? '', /xml/);
    const text = await res.text();
    assert.match(text, /<ExceptionReport[^>]*version="1.0.0"/);
    assert.match(text, /exceptionCode="NoApplicableCode"/);
    assert.equal(up.seen.length, 2, 'the refused request reached the upstream');
  });

  test('POST XML Execute is refused like GET Execute (the GET/POST pitfall)', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const body =
      '<?xml version="1.0"?><wps:Execute service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Identifier>hello</ows:Identifier></wps:Execute>';
    for (const contentType of ['text/xml; charset=utf-8', 'application/xml', 'text/plain', '']) {
      const res = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`, {
        method: 'POST',
        headers: contentType ? { 'content-type': contentType } : {},
        body,
      });
      assert.ok(res.status === 401 || res.status === 400, `${contentType}: ${res.status}`);
    }
    const res = await fetch(`${app.url}/ows/proxy/emu`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    });
    assert.equal(res.status, 401);
    assert.equal(up.seen.length, 0);
  });

  test('a public POST XML request is read, decided and replayed to the upstream unchanged', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const body =
      '<?xml version="1.0"?><wps:DescribeProcess service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Identifier>hello</ows:Identifier></wps:DescribeProcess>';
    const res = await fetch(`${app.url}/ows/proxy/emu`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(up.seen[0]?.body.toString(), body);
  });

  test('non-OWS paths of a token service need the credential; of a public one they do not', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'tds', url: `${up.url}/thredds`, type: 'thredds', auth: 'token' });
    await registerService(app, {
      name: 'tdsopen',
      url: `${up.url}/thredds`,
      type: 'thredds',
      auth: 'public',
    });
    assert.equal((await fetch(`${app.url}/ows/proxy/tds/dodsC/tas.nc.dds`)).status, 401);
    assert.equal((await fetch(`${app.url}/ows/proxy/tdsopen/dodsC/tas.nc.dds`)).status, 200);
    assert.equal((await fetch(`${app.url}/ows/proxy/tdsopen/catalog.xml`)).status, 200);
  });

  test('unknown service is 404 ExceptionReport; a missing parameter is 400 with a locator', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    let res = await fetch(`${app.url}/ows/proxy/nope?service=WPS&request=GetCapabilities`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /ExceptionReport/);
    res = await fetch(`${app.url}/ows/proxy/emu?service=WPS&request=Execute&version=1.0.0`);
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.match(text, /exceptionCode="MissingParameterValue"/);
    assert.match(text, /locator="identifier"/);
    res = await fetch(`${app.url}/ows/proxy/emu?service=WPS`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /locator="request"/);
  });

  test('dot segments cannot climb out of the registered path', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    for (const p of ['/%2e%2e/admin', '/x/%2E%2E/%2e%2e/admin', '/a%2fb', '/../admin', '/./x']) {
      const res = await rawRequest(app.url, `/ows/proxy/emu${p}`);
      assert.equal(res.status, 400, p);
    }
    assert.equal(up.seen.length, 0);
  });

  test('an OWS body larger than the limit is 413', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t, { overrides: { 'proxy.maxXmlBytes': 1024 } });
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/emu`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: `<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0">${'x'.repeat(2000)}</wps:Execute>`,
    });
    assert.equal(res.status, 413);
    assert.equal(up.seen.length, 0);
  });

  test('/ows/verify answers 200 or 401 with Twitcher JSON and forwards nothing', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, auth: 'token' });
    const original = { headers: { 'x-original-method': 'GET' } };
    let res = await fetch(`${app.url}/ows/verify/emu?service=WPS&request=GetCapabilities`, original);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { description: 'Access to service is allowed.', access: true });
    // nginx's auth_request subrequest is a GET whatever the client sent: without the original
    // method, the request may be a POST whose body /verify cannot see
    res = await fetch(`${app.url}/ows/verify/emu?service=WPS&request=GetCapabilities`);
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { description: string }).description, /X-Original-Method/);
    res = await fetch(`${app.url}/ows/verify/emu?service=WPS&request=GetCapabilities`, {
      headers: { 'x-original-method': 'POST' },
    });
    assert.equal(res.status, 401);
    res = await fetch(`${app.url}/ows/verify/emu/outputs/x.xml`, original);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="twitcher"');
    const body = (await res.json()) as { access: boolean; code: string };
    assert.equal(body.access, false);
    assert.equal(body.code, 'authentication_required');
    res = await fetch(`${app.url}/ows/verify/none`);
    assert.equal(res.status, 404);
    assert.equal(up.seen.length, 0);
  });
});

describe('proxy: upstream failures', () => {
  test('an unreachable upstream is 502 and the report names no upstream host', async (t) => {
    const up = await startUpstream(t);
    const deadURL = up.url;
    await up.close();
    const app = await startTestApp(t);
    await registerService(app, { name: 'gone', url: `${deadURL}/wps`, auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/gone?service=WPS&request=GetCapabilities`);
    assert.equal(res.status, 502);
    const text = await res.text();
    assert.match(text, /ExceptionReport/);
    assert.ok(!text.includes(String(up.port)));
  });

  test('a too slow upstream is 504', async (t) => {
    const up = await startUpstream(t, () => {
      // never answers
    });
    const app = await startTestApp(t, { overrides: { 'proxy.headersTimeout': 300 } });
    await registerService(app, { name: 'slow', url: up.url, auth: 'public' });
    const res = await fetch(`${app.url}/ows/proxy/slow/x`);
    assert.equal(res.status, 504);
  });

  test('a client that goes away cancels the upstream request', async (t) => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => {
      upstreamClosed = r;
    });
    const up = await startUpstream(t, (req, res) => {
      res.setHeader('content-type', 'application/octet-stream');
      res.write(Buffer.alloc(1024));
      req.socket.on('close', () => upstreamClosed());
    });
    const app = await startTestApp(t);
    await registerService(app, { name: 'stream', url: up.url, auth: 'public' });
    const req = httpRequest(`${app.url}/ows/proxy/stream/big`, (res) => {
      assert.equal(res.statusCode, 200);
      res.once('data', () => req.destroy());
    });
    req.on('error', () => undefined);
    req.end();
    await Promise.race([
      closed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('upstream request still open after 3 s')), 3000),
      ),
    ]);
  });
});

describe('proxy: streaming', () => {
  test('a 64 MiB upload and download stream through intact', async (t) => {
    const size = 64 * 1024 * 1024;
    const up = await startUpstream(
      t,
      (req, res) => {
        if (req.method === 'POST') {
          const hash = createHash('sha256');
          let n = 0;
          req.on('data', (c: Buffer) => {
            hash.update(c);
            n += c.length;
          });
          req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex') })));
          return;
        }
        res.setHeader('content-type', 'application/octet-stream');
        const chunk = Buffer.alloc(1024 * 1024, 7);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      },
      { readBody: false },
    );
    const app = await startTestApp(t);
    await registerService(app, { name: 'bulk', url: up.url, type: 'http', auth: 'public' });

    const payload = Buffer.alloc(size, 3);
    const res = await fetch(`${app.url}/ows/proxy/bulk/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: payload,
    });
    assert.deepEqual(await res.json(), { n: size, sha: createHash('sha256').update(payload).digest('hex') });

    const down = await fetch(`${app.url}/ows/proxy/bulk/download`);
    const hash = createHash('sha256');
    let n = 0;
    for await (const c of down.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(c);
      n += c.length;
    }
    assert.equal(n, size);
    assert.equal(hash.digest('hex'), createHash('sha256').update(Buffer.alloc(size, 7)).digest('hex'));
  });
});
