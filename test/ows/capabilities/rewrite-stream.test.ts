/** Streaming must give exactly the whole-buffer result, whatever the chunking. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { buildRewriteRules, type RewriteRules } from '../../../src/ows/capabilities/rewrite-rules.js';
import {
  createRewriteStream,
  rewriteBufferWithCounts,
} from '../../../src/ows/capabilities/rewrite-stream.js';
import {
  MAPSERVER_WFS_PAGE,
  MAPSERVER_WMS_CAPABILITIES,
  OGCAPI_LANDING,
  PROXY,
  PUBLIC_ORIGIN,
  PYWPS_CAPABILITIES,
  PYWPS_EXECUTE_RESPONSE,
  urlSpans,
} from './fixtures.js';

interface Result {
  body: Buffer;
  replacements: number;
  foreign: number;
}

/** Writes the chunks (ignoring backpressure: the stream buffers) and collects the output. */
async function through(rules: RewriteRules, chunks: readonly Buffer[]): Promise<Result> {
  const stream = createRewriteStream(rules);
  const out: Buffer[] = [];
  stream.on('data', (b: Buffer) => out.push(b));
  const ended = once(stream, 'end');
  for (const c of chunks) stream.write(c);
  stream.end();
  await ended;
  return { body: Buffer.concat(out), replacements: stream.replacements, foreign: stream.foreign };
}

function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    chunks.push(buf.subarray(from, cut));
    from = cut;
  }
  chunks.push(buf.subarray(from));
  return chunks;
}

const cases: Array<{ name: string; doc: string; rules: RewriteRules }> = [
  {
    name: 'PyWPS capabilities (at /wps)',
    doc: PYWPS_CAPABILITIES,
    rules: buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000/wps', proxyURL: `${PROXY}/emu` }),
  },
  {
    name: 'PyWPS ExecuteResponse (at /wps, foreign outputs)',
    doc: PYWPS_EXECUTE_RESPONSE,
    rules: buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000/wps', proxyURL: `${PROXY}/emu` }),
  },
  {
    name: 'PyWPS ExecuteResponse (at the origin)',
    doc: PYWPS_EXECUTE_RESPONSE,
    rules: buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000', proxyURL: `${PROXY}/emu` }),
  },
  {
    name: 'MapServer WMS with forwarded quirks and proxy URLs',
    doc: MAPSERVER_WMS_CAPABILITIES.replace('http://127.0.0.1:5001/ows?"', 'http://127.0.0.1:8000:5001/ows?"')
      .replace('http://127.0.0.1:5001/ows?"', 'http://127.0.0.1:8000/ows?"')
      .replace('http://127.0.0.1:5001/ows?"', `${PROXY}/wms?"`),
    rules: buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5001/ows',
      proxyURL: `${PROXY}/wms`,
      publicOrigin: PUBLIC_ORIGIN,
    }),
  },
  {
    name: 'MapServer WFS page',
    doc: MAPSERVER_WFS_PAGE,
    rules: buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5001/ows', proxyURL: `${PROXY}/wfs` }),
  },
  {
    name: 'OGC API landing page (JSON)',
    doc: OGCAPI_LANDING,
    rules: buildRewriteRules({
      upstreamURL: 'http://127.0.0.1:5001/ows/peers/ogcapi',
      proxyURL: `${PROXY}/api`,
      json: true,
    }),
  },
];

for (const { name, doc, rules } of cases) {
  describe(`streaming: ${name}`, () => {
    const input = Buffer.from(doc, 'utf8');
    const expected = rewriteBufferWithCounts(rules, input);

    it('rewrites something (the case is meaningful)', () => {
      assert.ok(expected.counts.replacements > 0);
    });

    it('one chunk equals the whole-buffer rewrite', async () => {
      const r = await through(rules, [input]);
      assert.ok(r.body.equals(expected.body));
      assert.deepEqual([r.replacements, r.foreign], [expected.counts.replacements, expected.counts.foreign]);
    });

    it('1-byte chunks equal the whole-buffer rewrite', async () => {
      const chunks = Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1));
      const r = await through(rules, chunks);
      assert.ok(r.body.equals(expected.body));
      assert.deepEqual([r.replacements, r.foreign], [expected.counts.replacements, expected.counts.foreign]);
    });

    it('every single split position equals the whole-buffer rewrite', async () => {
      for (let cut = 0; cut <= input.length; cut++) {
        const r = await through(rules, splitAt(input, [cut]));
        assert.ok(r.body.equals(expected.body), `split at ${cut}`);
        assert.equal(r.replacements, expected.counts.replacements, `split at ${cut}`);
        assert.equal(r.foreign, expected.counts.foreign, `split at ${cut}`);
      }
    });

    it('two cuts at every pair of boundaries inside and around each URL', async () => {
      // Byte offsets: the doc is ASCII up to the URLs (Zürich comes after), but compute on bytes anyway.
      for (const span of urlSpans(doc)) {
        const start = Buffer.byteLength(doc.slice(0, span.start));
        const end = Buffer.byteLength(doc.slice(0, span.end));
        for (let a = start; a <= end + 1; a++) {
          for (let b = a + 1; b <= Math.min(end + 2, input.length); b += 3) {
            const r = await through(rules, splitAt(input, [a, b]));
            assert.ok(r.body.equals(expected.body), `cuts at ${a}, ${b}`);
          }
        }
      }
    });
  });
}

describe('streaming mechanics', () => {
  const rules = buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000/wps', proxyURL: `${PROXY}/emu` });

  it('respects backpressure with a slow consumer and loses nothing', async () => {
    const block = Buffer.from(`<a href="http://127.0.0.1:5000/wps?x=1"/>${'y'.repeat(200)}\n`);
    const blocks = Array.from({ length: 2000 }, () => block);
    const expected = rewriteBufferWithCounts(rules, Buffer.concat(blocks));
    const stream = createRewriteStream(rules);
    const out: Buffer[] = [];
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        maxBuffered = Math.max(maxBuffered, stream.readableLength + stream.writableLength);
        setImmediate(cb);
      },
    });
    await pipeline(Readable.from(blocks), stream, slow);
    assert.ok(Buffer.concat(out).equals(expected.body));
    assert.equal(stream.replacements, 2000);
    // The transform stops pulling while its readable side is full: far less than the 500 KB input.
    assert.ok(maxBuffered < 128 * 1024, `buffered ${maxBuffered}`);
  });

  it('seeded random chunkings of a large body equal the whole-buffer rewrite', async () => {
    const doc = Buffer.from(PYWPS_EXECUTE_RESPONSE.repeat(50));
    const origin = buildRewriteRules({ upstreamURL: 'http://127.0.0.1:5000', proxyURL: `${PROXY}/emu` });
    const expected = rewriteBufferWithCounts(origin, doc);
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 50; round++) {
      const cuts: number[] = [];
      for (let pos = 0; pos < doc.length; ) {
        pos += 1 + Math.floor(random() * 100);
        if (pos < doc.length) cuts.push(pos);
      }
      const r = await through(origin, splitAt(doc, cuts));
      assert.ok(r.body.equals(expected.body), `round ${round}`);
      assert.equal(r.replacements, 150);
    }
  });

  it('passes an empty body through as empty', async () => {
    const r = await through(rules, []);
    assert.equal(r.body.length, 0);
  });

  it('flushes a body shorter than the hold-back and a URL at the very end', async () => {
    const r = await through(rules, [Buffer.from('x http://127.0.0.1:5000/w'), Buffer.from('ps')]);
    assert.equal(r.body.toString(), `x ${PROXY}/emu`);
  });
});
