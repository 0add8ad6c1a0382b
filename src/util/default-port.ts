/**
 * The port a URL reaches. The WHATWG parser drops a port equal to its scheme's default, so `port`
 * is then empty: the proxy's forwarding fields, the rewrite rules and the own-proxy loop check all
 * need the number it stands for, and read it here.
 */

/** The default ports of the schemes Twitcher proxies (RFC 9110 §4.2.1, §4.2.2). */
export const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** The port `url` reaches: its own, else its scheme's default (`80` for a scheme with none). */
export function effectivePort(url: URL): string {
  return url.port || (DEFAULT_PORTS[url.protocol] ?? '80');
}
