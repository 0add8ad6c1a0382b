/**
 * The few body builders a corpus case may name, so that cases stay data:
 *
 * - `"text"` or `{"text": "…"}`: UTF-8.
 * - `{"base64": "…"}`: bytes.
 * - `{"utf8bom": "…"}`: UTF-8 with a byte order mark.
 * - `{"utf16le" | "utf16be" | "utf32le" | "utf32be": "…", "bom": true|false}` (default with BOM).
 * - `{"gzip" | "deflate" | "br": <body>}`: the inner body, compressed.
 * - `{"repeat": "…", "times": n, "prefix": "…", "suffix": "…"}`: large bodies.
 * - `{"nest": n, "prefix": "…", "suffix": "…"}`: n nested `<a>` elements between prefix and suffix.
 * - `{"bomb": n}`: gzip of n bytes of spaces after `<wps:Execute` (small on the wire, large inflated).
 *
 * Strings go through `fill` first (placeholders such as `{token}`).
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { BodySpec } from './case-types.js';

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`body builder ${what}: a string is needed`);
  return value;
}

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) {
    const a = le[i] as number;
    le[i] = le[i + 1] as number;
    le[i + 1] = a;
  }
  return le;
}

function utf32(text: string, littleEndian: boolean): Buffer {
  const points = [...text].map((c) => c.codePointAt(0) ?? 0);
  const out = Buffer.alloc(points.length * 4);
  points.forEach((p, i) => {
    if (littleEndian) out.writeUInt32LE(p, i * 4);
    else out.writeUInt32BE(p, i * 4);
  });
  return out;
}

const BOMS: Record<string, Buffer> = {
  utf16le: Buffer.from([0xff, 0xfe]),
  utf16be: Buffer.from([0xfe, 0xff]),
  utf32le: Buffer.from([0xff, 0xfe, 0x00, 0x00]),
  utf32be: Buffer.from([0x00, 0x00, 0xfe, 0xff]),
};

/** The bytes of a body spec. */
export function buildBody(spec: BodySpec, fill: (s: string) => string): Buffer {
  if (typeof spec === 'string') return Buffer.from(fill(spec), 'utf8');
  if ('text' in spec) return Buffer.from(fill(str(spec['text'], 'text')), 'utf8');
  if ('base64' in spec) return Buffer.from(str(spec['base64'], 'base64'), 'base64');
  if ('utf8bom' in spec) {
    return Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(fill(str(spec['utf8bom'], 'utf8bom'))),
    ]);
  }
  for (const encoding of ['utf16le', 'utf16be', 'utf32le', 'utf32be'] as const) {
    if (!(encoding in spec)) continue;
    const text = fill(str(spec[encoding], encoding));
    const bytes =
      encoding === 'utf16le'
        ? Buffer.from(text, 'utf16le')
        : encoding === 'utf16be'
          ? utf16be(text)
          : utf32(text, encoding === 'utf32le');
    return spec['bom'] === false ? bytes : Buffer.concat([BOMS[encoding] as Buffer, bytes]);
  }
  if ('gzip' in spec) return gzipSync(buildBody(spec['gzip'] as BodySpec, fill));
  if ('deflate' in spec) return deflateSync(buildBody(spec['deflate'] as BodySpec, fill));
  if ('br' in spec) return brotliCompressSync(buildBody(spec['br'] as BodySpec, fill));
  const prefix = typeof spec['prefix'] === 'string' ? fill(spec['prefix']) : '';
  const suffix = typeof spec['suffix'] === 'string' ? fill(spec['suffix']) : '';
  if ('repeat' in spec) {
    const times = Number(spec['times']);
    return Buffer.from(prefix + str(spec['repeat'], 'repeat').repeat(times) + suffix, 'utf8');
  }
  if ('nest' in spec) {
    const n = Number(spec['nest']);
    return Buffer.from(prefix + '<a>'.repeat(n) + '</a>'.repeat(n) + suffix, 'utf8');
  }
  if ('bomb' in spec) {
    const head = '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" service="WPS" version="1.0.0"';
    return gzipSync(Buffer.from(`${head}${' '.repeat(Number(spec['bomb']))}/>`));
  }
  throw new TypeError(`unknown body builder: ${JSON.stringify(Object.keys(spec))}`);
}
