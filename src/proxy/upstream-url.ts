import { lru } from '../util/lru.js';

/** The parts of a registered service URL the proxy needs on every request, parsed once. */
interface ServiceTarget {
  origin: string;
  /** Path without a trailing slash. */
  basePath: string;
  /** The service URL's own query, without '?' ('' when none). */
  baseQuery: string;
  /** Lower-case names of the parameters the service URL pins. */
  pinned: ReadonlySet<string>;
}

const TARGETS_MAX = 10_000;
/** Parsed service URLs, least recently used first out. */
const targets = lru<string, ServiceTarget>(TARGETS_MAX);

function targetOf(serviceURL: string): ServiceTarget {
  let t = targets.get(serviceURL);
  if (!t) {
    const u = new URL(serviceURL);
    t = {
      origin: u.origin,
      basePath: u.pathname.endsWith('/') ? u.pathname.slice(0, -1) : u.pathname,
      baseQuery: u.search.slice(1),
      pinned: new Set([...u.searchParams.keys()].map((k) => k.toLowerCase())),
    };
    targets.set(serviceURL, t);
  }
  return t;
}

/**
 * The upstream target of a proxied request: the service URL, the extra path appended (as the client
 * encoded it), the service URL's own query parameters first, then the client's — except
 * `access_token`, the client's credential for Twitcher, and any parameter the service URL pins.
 */
export function buildUpstreamTarget(
  serviceURL: string,
  extraPath: string,
  clientQuery: string,
): { origin: string; path: string } {
  const t = targetOf(serviceURL);
  const path = extraPath
    ? t.basePath + (extraPath.startsWith('/') ? extraPath : `/${extraPath}`)
    : t.basePath || '/';
  const kept = stripQueryParams(clientQuery, (key) => key === 'access_token' || t.pinned.has(key));
  const query = t.baseQuery && kept ? `${t.baseQuery}&${kept}` : t.baseQuery || kept;
  return { origin: t.origin, path: query ? `${path}?${query}` : path };
}

/**
 * Removes the `key=value` pairs whose lower-case, decoded key `drop` names, keeping everything else
 * byte for byte (no re-encoding: upstreams see the client's exact query).
 */
export function stripQueryParams(query: string, drop: (lowerKey: string) => boolean): string {
  if (!query) return '';
  const kept: string[] = [];
  let changed = false;
  for (const pair of query.split('&')) {
    if (!pair) {
      changed = true;
      continue;
    }
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    let key = rawKey;
    if (rawKey.includes('%') || rawKey.includes('+')) {
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      } catch {
        // keep the raw key
      }
    }
    if (drop(key.toLowerCase())) changed = true;
    else kept.push(pair);
  }
  return changed ? kept.join('&') : query;
}
