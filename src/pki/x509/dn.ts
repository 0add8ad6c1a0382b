/**
 * Distinguished names: the RFC 4514 string, OpenSSL's one-line form (what grid-mapfiles hold), and a
 * canonical key for comparing names (RFC 5280 §7.1).
 */
import type { Name as AsnName, AttributeValue } from '@peculiar/asn1-x509';

export interface NameAttribute {
  /** Attribute type OID. */
  readonly type: string;
  /** The string value; a non-string value as `#` + hex of its BER encoding (RFC 4514 §2.4). */
  readonly value: string;
  /** True when `value` is the `#hex` form of a non-string value. */
  readonly binary: boolean;
}

export interface DistinguishedName {
  /** RDNs in certificate (ASN.1) order: the most significant first, e.g. C before CN. */
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** One canonical comparison key per RDN, same order. */
  readonly rdnKeys: readonly string[];
  /** Canonical comparison key of the whole name. */
  readonly key: string;
  /** RFC 4514: last RDN first, `,` between RDNs, `+` inside one: `CN=u,OU=Users,O=Org,C=XX`. */
  readonly rfc4514: string;
  /** OpenSSL X509_NAME_oneline(): `/C=XX/O=Org/OU=Users/CN=u`. */
  readonly legacy: string;
}

export const OID_COMMON_NAME = '2.5.4.3';

// RFC 4514 §3 names, plus descriptors registered for LDAP (RFC 4519) that grid certificates use.
const RFC4514_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '2.5.4.5': 'serialNumber',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'givenName',
  '2.5.4.43': 'initials',
  '2.5.4.12': 'title',
  '2.5.4.44': 'generationQualifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

// OpenSSL's short names (crypto/objects), as X509_NAME_oneline prints them.
const OPENSSL_NAMES: Readonly<Record<string, string>> = {
  ...RFC4514_NAMES,
  '2.5.4.9': 'street',
  '2.5.4.42': 'GN',
};

function attributeValue(value: AttributeValue): { value: string; binary: boolean } {
  if (value.anyValue) return { value: `#${Buffer.from(value.anyValue).toString('hex')}`, binary: true };
  return { value: value.toString(), binary: false };
}

/** RFC 5280 §7.1 (RFC 4518, simplified): compatibility-normalised, trimmed, inner spaces collapsed, case folded. */
function canonicalValue(attr: NameAttribute): string {
  if (attr.binary) return attr.value;
  return attr.value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** RFC 4514 §2.4 escaping; other control characters as \HH too (permitted by §2.4). */
function escapeRfc4514(value: string): string {
  let out = value.replace(/[\\,+"<>;]/g, (c) => `\\${c}`);
  out = out.replace(
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** X509_NAME_oneline: bytes outside printable ASCII as \xHH (of the UTF-8 encoding). */
function escapeOneline(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte < 0x20 || byte > 0x7e
        ? `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}

export function distinguishedName(asn: AsnName): DistinguishedName {
  const rdns = asn.map((rdn) =>
    rdn.map((atv): NameAttribute => ({ type: atv.type, ...attributeValue(atv.value) })),
  );
  const rdnKeys = rdns.map((rdn) =>
    JSON.stringify(rdn.map((attr) => `${attr.type}=${canonicalValue(attr)}`).sort()),
  );
  const rfc4514 = rdns
    .map((rdn) =>
      rdn
        .map((a) => `${RFC4514_NAMES[a.type] ?? a.type}=${a.binary ? a.value : escapeRfc4514(a.value)}`)
        .join('+'),
    )
    .reverse()
    .join(',');
  const legacy = rdns
    .map(
      (rdn) => `/${rdn.map((a) => `${OPENSSL_NAMES[a.type] ?? a.type}=${escapeOneline(a.value)}`).join('+')}`,
    )
    .join('');
  return { rdns, rdnKeys, key: JSON.stringify(rdnKeys), rfc4514, legacy };
}

/** RFC 5280 §7.1 name matching. */
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
