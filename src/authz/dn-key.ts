/**
 * The canonical form of a distinguished name, to find the user of a certificate subject whichever
 * way the DN was written: RFC 4514 (`CN=alice,OU=Users,O=Twitcher`, most significant last) or the
 * OpenSSL one-line form (`/O=Twitcher/OU=Users/CN=alice`). Attribute types become OIDs; values are
 * compared as RFC 5280 §7.1 does for most attributes (case-insensitive, inner spaces collapsed).
 */
import { type DNAttributes, parseDN } from '../pki/ca/name.js';

/** The canonical key of a DN; throws `DNSyntaxError` (pki/ca/name.ts) when it does not parse. */
export function dnKey(dn: string): string {
  return keyOf(parseDN(dn));
}

export function keyOf(rdns: DNAttributes): string {
  // JSON: no value (which may hold '/', '+' or '=') can make two DNs share a key.
  return JSON.stringify(
    rdns.map((rdn) => rdn.map((a) => [a.type, a.value.trim().replace(/\s+/g, ' ').toLowerCase()]).sort()),
  );
}

/** The DN key, or undefined when it does not parse. */
export function tryDNKey(dn: string): string | undefined {
  try {
    return dnKey(dn);
  } catch {
    return undefined;
  }
}
