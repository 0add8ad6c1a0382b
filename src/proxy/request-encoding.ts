/**
 * The content coding of a request body that must be judged (RFC 9110 §8.4): removed, within the same
 * size bound as the body itself, so that the proxy judges the document an upstream that decodes it
 * would execute. The decoded body is what is forwarded (without `Content-Encoding`), so an upstream
 * that does not decode sees exactly what was judged too.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { TwitcherError } from '../errors.js';

/** More layers than this is no client's doing: refused rather than decoded. */
const MAX_LAYERS = 2;

type Decoder = (body: Buffer, options: { maxOutputLength: number }) => Buffer;

const DECODERS: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ['gzip', gunzipSync],
  ['x-gzip', gunzipSync],
  ['deflate', inflateSync],
  ['br', brotliDecompressSync],
]);

/** The codings of a `Content-Encoding` value, in the order they were applied; identity left out. */
export function contentCodings(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const out: string[] = [];
  for (const value of Array.isArray(header) ? header : [header]) {
    for (const part of value.split(',')) {
      const coding = part.trim().toLowerCase();
      if (coding !== '' && coding !== 'identity') out.push(coding);
    }
  }
  return out;
}

/**
 * Removes the content codings of `body` (last applied, first removed). Throws 415
 * `unsupported_media_type` for a coding Twitcher does not decode or too many layers, 413 when the
 * decoded body would pass `maxBytes`, 400 `malformed_body` for a corrupt one.
 */
export function decodeRequestBody(body: Buffer, codings: readonly string[], maxBytes: number): Buffer {
  if (codings.length > MAX_LAYERS) {
    throw new TwitcherError('unsupported_media_type', {
      description: `A request body with more than ${MAX_LAYERS} content codings is not accepted.`,
      locator: 'Content-Encoding',
    });
  }
  let out = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i] as string;
    const decode = DECODERS.get(coding);
    if (decode === undefined) {
      throw new TwitcherError('unsupported_media_type', {
        description: `The content coding "${coding}" of the request body is not supported (gzip, deflate, br are).`,
        locator: 'Content-Encoding',
      });
    }
    try {
      out = decode(out, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new TwitcherError('payload_too_large', {
          description: `The decoded OWS request body is larger than ${maxBytes} bytes, the most this proxy reads to decide on it.`,
          locator: 'body',
        });
      }
      throw new TwitcherError('malformed_body', {
        description: `The request body is not valid ${coding} data.`,
        locator: 'body',
        detail: (err as Error).message,
      });
    }
  }
  return out;
}
