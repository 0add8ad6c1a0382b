/**
 * A service whose upstream is Twitcher's own proxy makes every request loop through Twitcher until
 * something gives out: such a URL is refused when the service is registered.
 */

import { effectivePort } from '../util/default-port.js';

/** Where this Twitcher is reached: its public URL and the address it listens on. */
export interface OwnAddress {
  /** `server.url`: the public base URL, with any path prefix of a front proxy. */
  publicURL: string;
  /** `server.host`. */
  listenHost: string;
  /** The port listened on (the real one when 0 was asked for). */
  listenPort: number;
  /** `protectedPath`, e.g. `/ows`. */
  protectedPath: string;
}

export const OWN_PROXY_PROBLEM = "points at this Twitcher's own proxy: requests would loop";

/**
 * Names of this machine whatever the listen address: loopback (127.0.0.0/8, ::1, IPv4-mapped
 * 127/8), `localhost` and its subdomains (RFC 6761 §6.3), and the wildcard addresses, which Linux
 * connects to the local host.
 */
const LOCAL_HOST =
  /^(localhost|.*\.localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1?\]|\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\])$/;

/**
 * The problem of an upstream URL that points at this Twitcher's proxy, or undefined. "Points at"
 * means: the same host and port as the public URL with a path under its path prefix and the
 * protected path, or a local name (or the listen host) and the listen port with a path under the
 * protected path. Paths are compared as Twitcher routes them: case-sensitively, after resolving dot
 * segments and percent escapes (`/foo/../ows/proxy`, `/ows/%2e/proxy`, `/x%2F..%2Fows` all count).
 * The scheme is not compared: another scheme on the same port reaches the same server (and fails).
 *
 * @example
 * const own = { publicURL: 'https://ows.example.org', listenHost: '127.0.0.1', listenPort: 8000, protectedPath: '/ows' };
 * ownProxyProblem('http://localhost:8000/ows/proxy/emu', own); // "points at this Twitcher's own proxy: …"
 * ownProxyProblem('http://localhost:5000/wps', own);          // undefined
 */
export function ownProxyProblem(url: string, own: OwnAddress): string | undefined {
  let target: URL;
  let base: URL;
  try {
    target = new URL(url);
    base = new URL(own.publicURL);
  } catch {
    return undefined; // a malformed URL is refused by urlProblem, a malformed server.url by the config
  }
  const host = hostOf(target.hostname);
  const port = portOf(target);
  const path = segmentsOf(target.pathname);
  const protectedPath = segmentsOf(own.protectedPath);

  const publicSide = host === hostOf(base.hostname) && port === portOf(base);
  if (publicSide && isUnder(path, [...segmentsOf(base.pathname), ...protectedPath])) return OWN_PROXY_PROBLEM;

  const listenSide =
    port === own.listenPort && (LOCAL_HOST.test(host) || host === listenHostOf(own.listenHost));
  if (listenSide && isUnder(path, protectedPath)) return OWN_PROXY_PROBLEM;
  return undefined;
}

/** Lower case (URL did it), without the trailing dots of a fully qualified name (`localhost.`). */
function hostOf(hostname: string): string {
  return hostname.replace(/\.+$/, '');
}

function listenHostOf(host: string): string | undefined {
  try {
    return hostOf(new URL(`http://${host.includes(':') ? `[${host}]` : host}/`).hostname);
  } catch {
    return undefined;
  }
}

function portOf(u: URL): number {
  return Number(effectivePort(u));
}

/**
 * The segments of a path as a server would resolve them: URL already resolved `.`/`..` (also as
 * `%2e`); escapes are decoded once, an encoded `/` or `\` splits, dot segments are resolved again
 * and empty segments dropped, so that every spelling of a protected path is caught.
 */
function segmentsOf(pathname: string): string[] {
  const out: string[] = [];
  for (const raw of pathname.split('/')) {
    for (const segment of decode(raw).split(/[/\\]/)) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') out.pop();
      else out.push(segment);
    }
  }
  return out;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isUnder(path: string[], prefix: string[]): boolean {
  return prefix.every((segment, i) => path[i] === segment);
}
