/**
 * Which upstream responses get their URLs rewritten, and the stream pieces that do it through a
 * Content-Encoding.
 */
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { RewriteRules } from './rewrite-rules.js';
import { createRewriteStream, type RewriteStream } from './rewrite-stream.js';

/**
 * 'xml' or 'json' when the body may carry upstream URLs worth rewriting, else false.
 *
 * XML: text/xml, application/xml, any `+xml` (gml+xml, kml+xml, atom+xml …), the OGC vendor types
 * application/vnd.ogc.*xml (wms_xml, se_xml) and application/vnd.ogc.gml (WMS GetFeatureInfo GML,
 * whose schemaLocation points at the upstream). JSON: application/json, any `+json` (geo+json,
 * schema+json, vnd.oai.openapi+json …). Parameters (charset, subtype=geojson) and case are ignored.
 * HTML is not rewritten (its links are for browsers and may be built by script), nor are text/plain,
 * images, netCDF, octet-stream or zip: they are data, where a byte rewrite would corrupt content.
 */
export function isRewritableContentType(contentType: string | undefined): 'xml' | 'json' | false {
  if (contentType === undefined) return false;
  const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml')) return 'xml';
  if (type.startsWith('application/vnd.ogc.')) {
    const sub = type.slice('application/vnd.ogc.'.length);
    if (sub.endsWith('xml') || sub === 'gml' || sub.startsWith('gml/')) return 'xml';
    return false;
  }
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  return false;
}

export interface ResponseRewriterOptions {
  /** The upstream's Content-Encoding header, as received. */
  contentEncoding?: string | undefined;
  rules: RewriteRules;
}

export interface ResponseRewriter {
  /**
   * Pipe the upstream body through these in order: `pipeline([body, ...streams, destination])`
   * (the array form; the variadic form does not type-check with a spread).
   */
  readonly streams: Transform[];
  /** The rewrite stage, whose `replacements` and `foreign` counters are final once the body ended. */
  readonly rewrite: RewriteStream;
  /**
   * The Content-Encoding to send downstream: the upstream's (lower-cased), or undefined for
   * identity. Content-Length (and a strong ETag) no longer hold and must be dropped by the caller.
   */
  readonly encoding: string | undefined;
}

// Brotli's default quality (11) is far too slow for on-the-fly recompression; 5 is a common
// streaming choice (close to gzip -6 in ratio, much faster than 11).
const BROTLI_QUALITY = 5;

function codecs(encoding: string): [decode: Transform, encode: Transform] | null {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return [zlib.createGunzip(), zlib.createGzip()];
    case 'deflate':
      // HTTP `deflate` is the zlib format (RFC 9110 §8.4.1.2). Raw deflate from broken servers
      // fails to decode and errors the pipeline; such bodies are rare.
      return [zlib.createInflate(), zlib.createDeflate()];
    case 'br':
      return [
        zlib.createBrotliDecompress(),
        zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }),
      ];
    default:
      return null;
  }
}

/**
 * The pieces that rewrite a body sent with `contentEncoding`: identity → the rewrite stream alone;
 * gzip/x-gzip/deflate/br → decompress, rewrite, recompress with the same encoding. Returns null for
 * any other encoding, including stacked ones (`gzip, br`): the caller then passes the body through
 * untouched. A corrupt compressed body errors the pipeline with the zlib error.
 */
export function createResponseRewriter(opts: ResponseRewriterOptions): ResponseRewriter | null {
  const encoding = (opts.contentEncoding ?? '').trim().toLowerCase();
  const rewrite = createRewriteStream(opts.rules);
  if (encoding === '' || encoding === 'identity') {
    return { streams: [rewrite], rewrite, encoding: undefined };
  }
  const pair = codecs(encoding);
  if (pair === null) return null;
  const [decode, encode] = pair;
  return { streams: [decode, rewrite, encode], rewrite, encoding };
}
