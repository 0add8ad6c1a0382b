import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

/**
 * The byte-level disguises of a fuzzed request body: charset and BOM, and Content-Encoding.
 * Shared by the WPS canary fuzz and the MapServer smuggling test. Each value is data (a string a
 * JSON seed file can hold) and renders deterministically.
 */

export const CHARSETS = ['utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'] as const;
export type Charset = (typeof CHARSETS)[number];

/**
 * `none` sends no header; `gzip-label` says gzip over plain bytes; `x-unknown` an unknown coding
 * over plain bytes; the rest say what they did.
 */
export const CODINGS = [
  'none',
  'gzip',
  'x-gzip',
  'GZIP',
  'deflate',
  'br',
  'identity',
  'gzip, gzip',
  'gzip, identity',
  'x-unknown',
  'gzip-label',
] as const;
export type Coding = (typeof CODINGS)[number];

/** `text` in `charset`, with its byte order mark first when `bom`. */
export function encodeText(text: string, charset: Charset, bom: boolean): Buffer {
  const withBOM = bom ? `\uFEFF${text}` : text;
  switch (charset) {
    case 'utf-8':
      return Buffer.from(withBOM, 'utf8');
    case 'utf-16le':
      return Buffer.from(withBOM, 'utf16le');
    case 'utf-16be':
      return Buffer.from(withBOM, 'utf16le').swap16();
    case 'utf-32le':
    case 'utf-32be': {
      const points = [...withBOM].map((c) => c.codePointAt(0) ?? 0);
      const out = Buffer.alloc(points.length * 4);
      points.forEach((p, i) => {
        if (charset === 'utf-32le') out.writeUInt32LE(p, i * 4);
        else out.writeUInt32BE(p, i * 4);
      });
      return out;
    }
  }
}

/** The bytes to send and the Content-Encoding header (undefined: none) for `coding`. */
export function applyCoding(bytes: Buffer, coding: Coding): { body: Buffer; header?: string } {
  switch (coding) {
    case 'none':
      return { body: bytes };
    case 'gzip':
    case 'x-gzip':
    case 'GZIP':
      return { body: gzipSync(bytes), header: coding };
    case 'deflate':
      return { body: deflateSync(bytes), header: 'deflate' };
    case 'br':
      return { body: brotliCompressSync(bytes), header: 'br' };
    case 'identity':
      return { body: bytes, header: 'identity' };
    case 'gzip, gzip':
      return { body: gzipSync(gzipSync(bytes)), header: 'gzip, gzip' };
    case 'gzip, identity':
      return { body: gzipSync(bytes), header: 'gzip, identity' };
    case 'x-unknown':
      return { body: bytes, header: 'x-unknown' };
    case 'gzip-label':
      return { body: bytes, header: 'gzip' };
  }
}
