/**
 * The one canonical form of a distinguished name, used wherever two names are compared: chain
 * validation (issuer ↔ subject), the CA's subject checks, the MyProxy server DN, and finding the user
 * of a certificate subject (stored as users.certificate_dn_key, so this form must not change without
 * a migration). Attribute types as OIDs; values compared as RFC 5280 §7.1 does for most attributes:
 * trimmed, inner white space collapsed, case folded. No Unicode compatibility folding (NFKC): names
 * that differ only that way are different names here.
 */
import { parseDN } from './text.js';

/** What the key is built from: RDNs in certificate order, each a set of type (OID) and value. */
export type KeyableName = readonly (readonly { readonly type: string; readonly value: string }[])[];

function canonicalValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The canonical key of one RDN (its attributes sorted: a multi-valued RDN is a set). */
export function rdnKey(rdn: KeyableName[number]): string {
  return JSON.stringify(rdn.map((a) => [a.type, canonicalValue(a.value)]).sort());
}

/** The canonical key of a name. JSON: no value (which may hold '/', '+' or '=') can make two names share one. */
export function keyOf(rdns: KeyableName): string {
  return `[${rdns.map(rdnKey).join(',')}]`;
}

/** The canonical key of a DN string (RFC 4514 or one-line); throws `DNSyntaxError` when it does not parse. */
export function dnKey(dn: string): string {
  return keyOf(parseDN(dn));
}

/** The DN key, or undefined when it does not parse. */
export function tryDNKey(dn: string): string | undefined {
  try {
    return dnKey(dn);
  } catch {
    return undefined;
  }
}
