import { normalizePath } from './normalize-path.js';

export interface ProxyPath {
  name: string;
  /** '' or the extra path, starting with '/', still percent-encoded as the client sent it. */
  extra: string;
  /**
   * The decoded segments of `extra` (no trailing empty one), as `normalizePath` judged them: what an
   * upstream resolves `extra` to.
   */
  segments: string[];
  /** Raw query string without '?'. */
  query: string;
}

/**
 * Splits `{prefix}/{name}{/extra}?{query}` from the RAW request URL (not the router's decoded
 * params), so the upstream sees the client's exact encoding. `extra` goes through `normalizePath`:
 * a path that some upstream would resolve to another one (dot segments, `;` parameters, encoded
 * slashes, double encoding, ...) is refused with a 400 before anything is looked up.
 */
export function parseProxyPath(rawURL: string, prefix: string): ProxyPath {
  const q = rawURL.indexOf('?');
  const path = q < 0 ? rawURL : rawURL.slice(0, q);
  const query = q < 0 ? '' : rawURL.slice(q + 1);
  const rest = path.slice(prefix.length + 1);
  const slash = rest.indexOf('/');
  const name = slash < 0 ? rest : rest.slice(0, slash);
  const extra = slash < 0 ? '' : rest.slice(slash);
  const { segments } = normalizePath(extra);
  let decodedName = name;
  try {
    decodedName = decodeURIComponent(name);
  } catch {
    // an undecodable name is unknown anyway
  }
  return { name: decodedName, extra, segments, query };
}
