import type { IncomingMessage } from 'node:http';
import { TwitcherError } from '../errors.js';

/** Reads a request body that must be decided on, up to `limit` bytes; more is 413. */
export async function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(buf);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

function tooLarge(limit: number): TwitcherError {
  return new TwitcherError('payload_too_large', {
    description: `The OWS request body is larger than ${limit} bytes, the most this proxy reads to decide on it.`,
    locator: 'body',
  });
}
