/**
 * Names in DER (RFC 5280 §4.1.2.4): encoding configured DNs for the CA, decoding the names of the
 * CA's and the MyProxy server's certificates, and OpenSSL's `subject_hash` (the `<hash>.0` file names
 * of a CA directory such as /etc/grid-security/certificates). Decoded with the strict reader of
 * ../der.ts rather than @peculiar/asn1-x509, because the hash must see every string type as OpenSSL
 * does (VisibleString and T61String are strings to it, `anyValue` to asn1-x509).
 */
import { createHash } from 'node:crypto';
import {
  childrenOf,
  DerError,
  encodeOid,
  readChildren,
  readOid,
  readSingle,
  seq,
  setOf,
  TAG,
  tlv,
} from '../der.js';
import { OID_COUNTRY_NAME, OID_DOMAIN_COMPONENT, OID_EMAIL_ADDRESS, OID_SERIAL_NUMBER } from '../oids.js';
import { type DistinguishedName, distinguishedNameOf } from './name.js';
import { type DNAttribute, DNSyntaxError, parseDN } from './text.js';

const IA5_TYPES = new Set([OID_DOMAIN_COMPONENT, OID_EMAIL_ADDRESS]);
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function encodeValue(attr: DNAttribute): Buffer {
  const { type, value } = attr;
  if (type === OID_COUNTRY_NAME) {
    if (!/^[A-Za-z]{2}$/.test(value)) throw new DNSyntaxError(`country must be two letters, not '${value}'`);
    return tlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'latin1'));
  }
  if (IA5_TYPES.has(type)) {
    if (!/^[\x00-\x7f]*$/.test(value)) throw new DNSyntaxError(`'${value}' must be ASCII`);
    return tlv(TAG.IA5_STRING, Buffer.from(value, 'latin1'));
  }
  if (type === OID_SERIAL_NUMBER && PRINTABLE.test(value)) {
    return tlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'latin1'));
  }
  // RFC 5280 §4.1.2.4: UTF8String for new certificates (also OpenSSL's default string_mask)
  return tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'));
}

/** DER Name of RDNs (certificate order). */
export function encodeName(rdns: readonly (readonly DNAttribute[])[]): Buffer {
  return seq(...rdns.map((rdn) => setOf(...rdn.map((a) => seq(encodeOid(a.type), encodeValue(a))))));
}

/** DER Name of a DN string (RFC 4514 or one-line); throws DNSyntaxError. */
export function encodeDN(dn: string): Buffer {
  return encodeName(parseDN(dn));
}

// what @peculiar/asn1-x509 decodes as text (DirectoryString and IA5String); OpenSSL also VisibleString
const TEXT_TAGS = new Set<number>([
  TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING,
  TAG.T61_STRING,
  TAG.IA5_STRING,
  TAG.UNIVERSAL_STRING,
  TAG.BMP_STRING,
]);
const OPENSSL_STRING_TAGS = new Set<number>([...TEXT_TAGS, TAG.VISIBLE_STRING]);

/** A string value as text: UTF-8, BMP (UTF-16BE), Universal (UTF-32BE); one-byte types as Latin-1. */
function decodeString(tag: number, bytes: Buffer): string {
  if (tag === TAG.UTF8_STRING) return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  if (tag === TAG.BMP_STRING) {
    if (bytes.length % 2 !== 0) throw new DerError('bad BMPString');
    return Buffer.from(bytes).swap16().toString('utf16le');
  }
  if (tag === TAG.UNIVERSAL_STRING) {
    if (bytes.length % 4 !== 0) throw new DerError('bad UniversalString');
    let s = '';
    for (let i = 0; i < bytes.length; i += 4) s += String.fromCodePoint(bytes.readUInt32BE(i));
    return s;
  }
  return bytes.toString('latin1');
}

interface DecodedAttribute {
  type: string;
  /** The value as encoded: tag and contents. */
  tag: number;
  bytes: Buffer;
}

/** The RDNs of a DER Name, in certificate order. */
function decodeName(der: Buffer): DecodedAttribute[][] {
  const name = readSingle(der, TAG.SEQUENCE);
  return readChildren(name.value).map((rdn) =>
    childrenOf(rdn, TAG.SET, 'RelativeDistinguishedName').map((atv) => {
      const [typeEl, valueEl, ...rest] = childrenOf(atv, TAG.SEQUENCE, 'AttributeTypeAndValue');
      if (!typeEl || !valueEl || rest.length > 0) throw new DerError('malformed AttributeTypeAndValue');
      return { type: readOid(typeEl), tag: valueEl.tag, bytes: Buffer.from(valueEl.value) };
    }),
  );
}

/** The name of a DER Name, as a certificate's name is read (non-string values as `#hex`). */
export function nameFromDER(der: Buffer): DistinguishedName {
  return distinguishedNameOf(
    decodeName(der).map((rdn) =>
      rdn.map(({ type, tag, bytes }): DNAttribute => {
        if (TEXT_TAGS.has(tag)) return { type, value: decodeString(tag, bytes) };
        // the whole TLV, as @peculiar/asn1-x509's anyValue holds it for a certificate's name
        return { type, value: `#${tlv(tag, bytes).toString('hex')}`, binary: true };
      }),
    ),
  );
}

const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** OpenSSL asn1_string_canon(): UTF-8; leading/trailing white space dropped, runs collapsed, ASCII lowercased. */
function opensslCanonicalValue(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  let start = 0;
  let end = bytes.length;
  while (start < end && isSpace(bytes[start] as number)) start++;
  while (end > start && isSpace(bytes[end - 1] as number)) end--;
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b & 0x80) out.push(b);
    else if (isSpace(b)) {
      out.push(0x20);
      while (i + 1 < end && isSpace(bytes[i + 1] as number)) i++;
    } else out.push(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
  }
  return Buffer.from(out);
}

/**
 * OpenSSL's canonical encoding of a DER Name (x509_name_canon): every string value as a canonical
 * UTF8String, each RDN a DER SET, the SETs concatenated without the outer SEQUENCE.
 */
function opensslCanonicalName(der: Buffer): Buffer {
  return Buffer.concat(
    decodeName(der).map((rdn) =>
      setOf(
        ...rdn.map((a) =>
          seq(
            encodeOid(a.type),
            OPENSSL_STRING_TAGS.has(a.tag)
              ? tlv(TAG.UTF8_STRING, opensslCanonicalValue(decodeString(a.tag, a.bytes)))
              : tlv(a.tag, a.bytes),
          ),
        ),
      ),
    ),
  );
}

/**
 * `openssl x509 -subject_hash` of a DER Name: SHA-1 of OpenSSL's canonical encoding, first 4 bytes
 * little-endian, hex. A file name, not a comparison: names are compared with key.ts, or with
 * sameOpenSSLName where a peer's name must be the configured one.
 */
export function opensslNameHash(der: Buffer): string {
  return createHash('sha1')
    .update(opensslCanonicalName(der))
    .digest()
    .readUInt32LE(0)
    .toString(16)
    .padStart(8, '0');
}

/**
 * Whether two DER names are the same name to OpenSSL (X509_NAME_cmp): only ASCII case and ASCII
 * white space are folded. For the identity of a peer (the MyProxy server DN): the canonical key
 * (key.ts) also folds Unicode case and white space, so a KELVIN SIGN would pass for a 'k' there.
 */
export function sameOpenSSLName(a: Buffer, b: Buffer): boolean {
  return opensslCanonicalName(a).equals(opensslCanonicalName(b));
}
