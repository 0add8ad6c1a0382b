import { TwitcherError } from '../errors.js';

export interface ProxyPath {
  name: string;
  /** '' or the extra path, starting with '/', still percent-encoded as the client sent it. */
  extra: string;
  /** Raw query string without '?'. */
  query: string;
}

/**
 * Splits `{prefix}/{name}{/extra}?{query}` from the RAW request URL (not the router's decoded
 * params), so the upstream sees the client's exact encoding. Dot segments are refused: `..` (or
 * `%2e%2e`) must never climb out of the registered upstream path.
 */
export function parseProxyPath(rawURL: string, prefix: string): ProxyPath {
  const q = rawURL.indexOf('?');
  const path = q < 0 ? rawURL : rawURL.slice(0, q);
  const query = q < 0 ? '' : rawURL.slice(q + 1);
  const rest = path.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  const name = slash < 0 ? rest : rest.slice(0, slash);
  const extra = slash < 0 ? '' : rest.slice(slash);
  for (const segment of extra.split('/')) {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new TwitcherError('invalid_request', { description: 'The request path has a malformed escape.' });
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) {
      throw new TwitcherError('invalid_request', {
        description: 'The request path must not contain dot segments or encoded slashes.',
        locator: 'path',
      });
    }
  }
  let decodedName = name;
  try {
    decodedName = decodeURIComponent(name);
  } catch {
    // an undecodable name is unknown anyway
  }
  return { name: decodedName, extra, query };
}
