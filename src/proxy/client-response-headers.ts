/** The upstream's response headers as the client gets them. */
import { connectionListed, type Headers, type HeaderValue, HOP_BY_HOP } from './headers.js';
import { appendVia } from './via.js';

/** Response fields a rewritten body makes wrong (RFC 9530 `Content-Digest`/`Repr-Digest` too). */
const REWRITE_DROP = new Set([
  'content-length',
  'etag',
  'content-md5',
  'accept-ranges',
  'digest',
  'content-digest',
  'repr-digest',
]);

/**
 * The upstream's response headers for the client: less hop-by-hop, less what a rewrite invalidates
 * (`rewritten`: the body the client gets, or would get for a HEAD, is not the upstream's), and with
 * `Location` and `Content-Location` mapped by `location` (see rewrite-location.ts).
 */
export function clientResponseHeaders(
  upstream: Record<string, HeaderValue | undefined>,
  options: {
    rewritten: boolean;
    location?: ((value: string) => string) | undefined;
    /** Twitcher's pseudonym, appended to the response's `Via` (RFC 9110 §7.6.3). */
    via?: string | undefined;
  },
): Headers {
  const listed = connectionListed(upstream['connection']);
  const out: Headers = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    if (options.rewritten && REWRITE_DROP.has(name)) continue;
    const location = options.location;
    if (location !== undefined && (name === 'location' || name === 'content-location')) {
      // A repeated field is malformed, but each of its values is mapped all the same: none passes unmapped.
      out[name] = typeof value === 'string' ? location(value) : value.map(location);
      continue;
    }
    out[name] = value;
  }
  if (options.via !== undefined) out['via'] = appendVia(upstream['via'], options.via);
  return out;
}
