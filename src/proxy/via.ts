import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config.js';

/**
 * Twitcher's `Via` entry (RFC 9110 §7.6.3), `1.1 twitcher-{id}`: the id is a digest of the public URL,
 * the protected path, the host name and the port listened on: the same for every worker of one
 * instance and different for another Twitcher it proxies to (or that proxies to it), even one left
 * with the same default `server.url`. A request that arrives carrying it has been through this instance already: forwarding
 * it again would loop. (A loop across several instances of one deployment is stopped when it comes
 * back to one of them, after at most one hop through each.)
 */
export function viaPseudonym(
  config: Pick<Config, 'server' | 'protectedPath'>,
  host: string = hostname(),
): string {
  const id = createHash('sha256')
    .update(`${config.server.url}${config.protectedPath}\0${host}\0${config.server.port}`)
    .digest('hex');
  return `twitcher-${id.slice(0, 12)}`;
}

/** The entry added to the `Via` of a message Twitcher forwards. */
function viaEntry(pseudonym: string): string {
  return `1.1 ${pseudonym}`;
}

/** `value` with Twitcher's entry appended (a list field: the earlier hops first). */
export function appendVia(value: string | string[] | undefined, pseudonym: string): string {
  const own = viaEntry(pseudonym);
  if (value === undefined || value.length === 0) return own;
  return `${Array.isArray(value) ? value.join(', ') : value}, ${own}`;
}

/**
 * Whether a `Via` names `pseudonym` as a hop that received the message: each element is
 * `protocol received-by [comment]`; a comment is never taken for a hop. Cheap on the usual request,
 * which has no `Via` at all.
 */
export function cameThrough(value: string | string[] | undefined, pseudonym: string): boolean {
  if (value === undefined) return false;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!text.toLowerCase().includes(pseudonym)) return false;
  // Comments (parenthesised, possibly holding commas) are removed before the list is split.
  const withoutComments = text.replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
  for (const element of withoutComments.split(',')) {
    const [, receivedBy] = element.trim().split(/[ \t]+/);
    if (receivedBy === undefined) continue;
    // received-by is a host[:port] or a pseudonym; ours never has a port.
    if (receivedBy.toLowerCase() === pseudonym) return true;
  }
  return false;
}
