import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { createResponseRewriter, isRewritableContentType } from '../../../src/ows/capabilities/content.js';
import { buildRewriteRules } from '../../../src/ows/capabilities/rewrite-rules.js';
import { rewriteBuffer } from '../../../src/ows/capabilities/rewrite-stream.js';
import { PROXY, PYWPS_CAPABILITIES } from './fixtures.js';

describe('isRewritableContentType', () => {
  const expected: Array<[string | undefined, 'xml' | 'json' | false]> = [
    ['text/xml', 'xml'],
    ['text/xml; charset=utf-8', 'xml'],
    ['text/xml;charset=ISO-8859-1', 'xml'],
    ['Application/XML', 'xml'],
    ['application/vnd.ogc.wms_xml', 'xml'],
    ['application/vnd.ogc.se_xml', 'xml'],
    ['application/vnd.ogc.csw_xml', 'xml'],
    ['application/vnd.ogc.gml', 'xml'],
    ['application/gml+xml; version=3.2', 'xml'],
    ['application/vnd.google-earth.kml+xml', 'xml'],
    ['application/atom+xml', 'xml'],
    ['application/json', 'json'],
    ['application/json; subtype=geojson', 'json'],
    ['application/geo+json', 'json'],
    ['application/vnd.oai.openapi+json;version=3.0', 'json'],
    ['APPLICATION/JSON; CHARSET=UTF-8', 'json'],
    ['text/html', false],
    ['text/html; charset=utf-8', false],
    ['text/plain', false],
    ['image/png', false],
    ['application/x-netcdf', false],
    ['application/octet-stream', false],
    ['application/zip', false],
    ['application/vnd.google-earth.kmz', false],
    ['application/vnd.ogc.wms_png', false],
    ['', false],
    [undefined, false],
  ];
  for (const [type, kind] of expected) {
    it(`${JSON.stringify(type)} → ${kind}`, () => {
      assert.equal(isRewritableContentType(type), kind);
    });
  }
});

const rules = buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000/wps', proxyURL: `${PROXY}/emu` });
const body = Buffer.from(PYWPS_CAPABILITIES.repeat(20));
const expected = rewriteBuffer(rules, body);

async function run(encoding: string | undefined, input: Buffer): Promise<{ out: Buffer; encoding?: string }> {
  const rewriter = createResponseRewriter({ contentEncoding: encoding, rules });
  assert.ok(rewriter);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  // Small source chunks so compressed frames and URLs straddle chunk boundaries.
  const chunks = Array.from({ length: Math.ceil(input.length / 97) }, (_, i) =>
    input.subarray(i * 97, (i + 1) * 97),
  );
  await pipeline([Readable.from(chunks), ...rewriter.streams, sink]);
  assert.equal(rewriter.rewrite.replacements, 120);
  return rewriter.encoding === undefined
    ? { out: Buffer.concat(out) }
    : { out: Buffer.concat(out), encoding: rewriter.encoding };
}

describe('createResponseRewriter', () => {
  it('identity: rewrite only', async () => {
    for (const enc of [undefined, '', 'identity', ' Identity ']) {
      const r = await run(enc, body);
      assert.equal(r.encoding, undefined);
      assert.ok(r.out.equals(expected));
    }
  });

  it('gzip and x-gzip round trip', async () => {
    for (const enc of ['gzip', 'x-gzip', 'GZIP']) {
      const r = await run(enc, zlib.gzipSync(body));
      assert.equal(r.encoding, enc.toLowerCase());
      assert.ok(zlib.gunzipSync(r.out).equals(expected));
    }
  });

  it('deflate round trip', async () => {
    const r = await run('deflate', zlib.deflateSync(body));
    assert.equal(r.encoding, 'deflate');
    assert.ok(zlib.inflateSync(r.out).equals(expected));
  });

  it('br round trip', async () => {
    const r = await run('br', zlib.brotliCompressSync(body));
    assert.equal(r.encoding, 'br');
    assert.ok(zlib.brotliDecompressSync(r.out).equals(expected));
  });

  it('returns null for unknown or stacked encodings', () => {
    for (const enc of ['compress', 'zstd', 'gzip, br', 'bogus']) {
      assert.equal(createResponseRewriter({ contentEncoding: enc, rules }), null, enc);
    }
  });

  it('errors the pipeline on a corrupt gzip body', async () => {
    const rewriter = createResponseRewriter({ contentEncoding: 'gzip', rules });
    assert.ok(rewriter);
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await assert.rejects(
      pipeline([Readable.from([Buffer.from('not gzip at all')]), ...rewriter.streams, sink]),
    );
  });
});
