/**
 * A distinguished name as the validator and the CA use it: its RDNs, both printed forms and the
 * canonical key (key.ts), built once from a certificate's decoded name (@peculiar/asn1-x509) or from
 * DER (der.ts).
 */
import type { Name as AsnName, AttributeValue } from '@peculiar/asn1-x509';
import { OID_COMMON_NAME } from '../oids.js';
import { keyOf, rdnKey } from './key.js';
import { type DNAttribute, formatDN, formatOneLine } from './text.js';

/** A name, parsed once. */
export interface DistinguishedName {
  /** RDNs in certificate (ASN.1) order: the most significant first, e.g. C before CN. */
  readonly rdns: readonly (readonly DNAttribute[])[];
  /** One canonical comparison key per RDN, same order. */
  readonly rdnKeys: readonly string[];
  /** Canonical comparison key of the whole name (key.ts). */
  readonly key: string;
  /** RFC 4514: last RDN first, `,` between RDNs, `+` inside one, `=` in a value as is: `CN=u,OU=Users,O=Org`. */
  readonly rfc4514: string;
  /** OpenSSL X509_NAME_oneline(): `/C=XX/O=Org/OU=Users/CN=u`. */
  readonly legacy: string;
}

/** The name of these RDNs (certificate order). */
export function distinguishedNameOf(rdns: readonly (readonly DNAttribute[])[]): DistinguishedName {
  return {
    rdns,
    rdnKeys: rdns.map(rdnKey),
    key: keyOf(rdns),
    rfc4514: formatDN(rdns, 'as-is'), // '=' as is: the form DN patterns match (text.ts EqualsSign)
    legacy: formatOneLine(rdns),
  };
}

function attribute(type: string, value: AttributeValue): DNAttribute {
  if (value.anyValue) return { type, value: `#${Buffer.from(value.anyValue).toString('hex')}`, binary: true };
  return { type, value: value.toString() };
}

/** The name of a certificate's decoded subject or issuer. */
export function distinguishedName(asn: AsnName): DistinguishedName {
  return distinguishedNameOf(asn.map((rdn) => rdn.map((atv) => attribute(atv.type, atv.value))));
}

/** RFC 5280 §7.1 name matching, in the canonical form of key.ts. */
export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.key === b.key;
}

/**
 * RFC 3820 §3.4: `subject` is `base` plus exactly one more RDN, and that RDN is a single CN.
 * Returns the appended CN value, or a reason the rule is broken.
 */
export function appendedCommonName(
  subject: DistinguishedName,
  base: DistinguishedName,
): { cn: string } | { error: string } {
  if (subject.rdns.length !== base.rdns.length + 1) {
    return {
      error: `the subject has ${subject.rdns.length} RDNs, its issuer ${base.rdns.length}: exactly one must be added`,
    };
  }
  for (let i = 0; i < base.rdnKeys.length; i++) {
    if (subject.rdnKeys[i] !== base.rdnKeys[i])
      return { error: `RDN ${i + 1} of the subject differs from the issuer's` };
  }
  const last = subject.rdns[subject.rdns.length - 1] ?? [];
  const only = last[0];
  if (last.length !== 1 || !only) return { error: 'the added RDN must hold exactly one attribute' };
  if (only.type !== OID_COMMON_NAME || only.binary)
    return { error: 'the added RDN must be a commonName (CN)' };
  return { cn: only.value };
}
