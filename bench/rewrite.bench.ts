/**
 * Throughput of the streaming URL rewrite: a 50 MB synthetic capabilities-like XML stream in 64 KiB
 * chunks through createRewriteStream, against a PassThrough baseline.
 * Run: npx tsx bench/rewrite.bench.ts
 */
import { PassThrough, Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildRewriteRules } from '../src/ows/capabilities/rewrite-rules.js';
import { createRewriteStream } from '../src/ows/capabilities/rewrite-stream.js';

const TOTAL = 50 * 1024 * 1024;
const CHUNK = 64 * 1024;

// One layer block: upstream URLs, namespace and schema URLs (candidates that must not match), the
// forwarded-host form, a URL already on the proxy, and plain text. About one URL per 150 bytes.
const block = `<Layer queryable="1" xmlns:xlink="http://www.w3.org/1999/xlink">
  <Name>layer</Name><Title>A layer with a title long enough to look real</Title>
  <OnlineResource xlink:href="http://127.0.0.1:5001/ows?"/>
  <MetadataURL type="ISO19115:2003"><OnlineResource xlink:href="http://metadata.example.org/records/42"/></MetadataURL>
  <LegendURL><OnlineResource xlink:href="http://127.0.0.1:8000:5001/ows?service=WMS&amp;request=GetLegendGraphic"/></LegendURL>
  <Attribution><OnlineResource xlink:href="http://127.0.0.1:8000/ows/proxy/wms?x=1"/></Attribution>
  <EX_GeographicBoundingBox><westBoundLongitude>-180</westBoundLongitude><eastBoundLongitude>180</eastBoundLongitude></EX_GeographicBoundingBox>
</Layer>
`;

// A GML feature: coordinates and text, one upstream URL per ~8 KB (a large GetFeature page).
const feature = `<wfs:member><ms:cities gml:id="cities.1"><ms:name>Z\u00fcrich</ms:name><gml:posList>${'47.3769 8.5417 '.repeat(520)}</gml:posList><ms:link>http://127.0.0.1:5001/ows?id=1</ms:link></ms:cities></wfs:member>
`;

function makeSource(text: string): { source: Readable; bytes: number } {
  const unit = Buffer.from(text.repeat(Math.ceil((4 * CHUNK) / text.length)));
  const count = Math.floor(TOTAL / CHUNK);
  let i = 0;
  const source = new Readable({
    read() {
      if (i === count) {
        this.push(null);
        return;
      }
      // Slide the window so URLs land on every chunk boundary offset over the run.
      const offset = (i * 4099) % (unit.length - CHUNK);
      this.push(unit.subarray(offset, offset + CHUNK));
      i++;
    },
  });
  return { source, bytes: count * CHUNK };
}

async function measure(label: string, text: string, make: () => Transform): Promise<void> {
  const { source, bytes } = makeSource(text);
  let outBytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      outBytes += chunk.length;
      cb();
    },
  });
  const stage = make();
  const start = process.hrtime.bigint();
  await pipeline(source, stage, sink);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mbps = bytes / 1024 / 1024 / seconds;
  const extra = 'replacements' in stage ? `, ${String(stage.replacements)} replacements` : '';
  console.log(
    `${label.padEnd(24)} ${mbps.toFixed(0).padStart(6)} MB/s  (${(bytes / 1048576).toFixed(0)} MB in, ${(outBytes / 1048576).toFixed(1)} MB out, ${seconds.toFixed(3)} s${extra})`,
  );
}

const xml = buildRewriteRules({
  upstreamURL: 'http://127.0.0.1:5001/ows',
  proxyURL: 'http://127.0.0.1:8000/ows/proxy/wms',
  publicOrigin: 'http://127.0.0.1:8000',
});
const json = buildRewriteRules({
  upstreamURL: 'http://127.0.0.1:5001/ows',
  proxyURL: 'http://127.0.0.1:8000/ows/proxy/wms',
  publicOrigin: 'http://127.0.0.1:8000',
  json: true,
});

// Dense: a URL-heavy capabilities document, about one URL every 150 bytes (the worst case).
console.log(`rules: ${xml.rules.length} (xml), ${json.rules.length} (json); chunk ${CHUNK} B`);
for (let round = 1; round <= 3; round++) {
  console.log(`round ${round}`);
  await measure('PassThrough (baseline)', block, () => new PassThrough());
  await measure('dense XML (xml rules)', block, () => createRewriteStream(xml));
  await measure('dense XML (json rules)', block, () => createRewriteStream(json));
  await measure('sparse GML (xml rules)', feature, () => createRewriteStream(xml));
}
