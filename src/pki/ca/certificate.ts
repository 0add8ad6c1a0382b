/**
 * X.509 v3 certificates written directly in DER (RFC 5280 §4.1) and signed with node:crypto.
 * This is the online CA's issuing path: no ASN.1 object model and no WebCrypto round trips, so that
 * issuing costs little more than the one signature (measured rate: certificate-authority.ts).
 * Hand-written because measured: one TBSCertificate took ~0.9 ms with @peculiar/asn1-schema's AsnSerializer, ~0.14 ms here (P-256 signature ~0.1 ms).
 */
import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import {
  bitString,
  childrenOf,
  derBoolean,
  derInteger,
  derNull,
  derTime,
  encodeOid,
  explicit,
  octetString,
  readBitString,
  readChildren,
  readSingle,
  seq,
  TAG,
} from '../x509/der.js';
import {
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_ECDSA_SHA256,
  OID_ECDSA_SHA384,
  OID_ECDSA_SHA512,
  OID_EXT_KEY_USAGE,
  OID_KEY_USAGE,
  OID_SHA256_WITH_RSA,
  OID_SUBJECT_KEY_IDENTIFIER,
} from '../x509/oids.js';

/** How the CA key signs: digest + AlgorithmIdentifier DER. */
export interface SignatureScheme {
  hash: 'sha256' | 'sha384' | 'sha512';
  algorithm: Buffer;
  name: string;
}

/** The signature scheme for a CA key: ECDSA with the curve's hash, or RSA PKCS #1 v1.5 SHA-256. */
export function signatureSchemeFor(key: KeyObject): SignatureScheme {
  if (key.asymmetricKeyType === 'rsa') {
    return {
      hash: 'sha256',
      algorithm: seq(encodeOid(OID_SHA256_WITH_RSA), derNull()),
      name: 'sha256WithRSAEncryption',
    };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') {
      return { hash: 'sha256', algorithm: seq(encodeOid(OID_ECDSA_SHA256)), name: 'ecdsa-with-SHA256' };
    }
    if (curve === 'secp384r1') {
      return { hash: 'sha384', algorithm: seq(encodeOid(OID_ECDSA_SHA384)), name: 'ecdsa-with-SHA384' };
    }
    if (curve === 'secp521r1') {
      return { hash: 'sha512', algorithm: seq(encodeOid(OID_ECDSA_SHA512)), name: 'ecdsa-with-SHA512' };
    }
    throw new Error(`unsupported CA key curve ${curve ?? '(explicit)'}`);
  }
  throw new Error(`unsupported CA key type ${key.asymmetricKeyType ?? '?'} (RSA or EC only)`);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, key] = readChildren(readSingle(spki, TAG.SEQUENCE).value);
  if (!key) throw new Error('bad SubjectPublicKeyInfo');
  return createHash('sha1').update(readBitString(key).bytes).digest();
}

/** A random positive serial of `bits` bits (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
export function randomSerial(bits = 128): bigint {
  const bytes = randomBytes(Math.ceil(bits / 8));
  const serial = BigInt(`0x${bytes.toString('hex')}`);
  return serial === 0n ? 1n : serial;
}

export interface Extension {
  oid: string;
  critical: boolean;
  /** DER of the extension value (what goes inside the OCTET STRING). */
  value: Buffer;
}

function encodeExtension(e: Extension): Buffer {
  return e.critical
    ? seq(encodeOid(e.oid), derBoolean(true), octetString(e.value))
    : seq(encodeOid(e.oid), octetString(e.value));
}

// RFC 5280 §4.2.1.3 KeyUsage bits, as a BIT STRING with minimal trailing zero bits dropped (X.690 §11.2.2)
export const KU = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

export function keyUsageExtension(bits: number[]): Extension {
  let mask = 0;
  for (const b of bits) mask |= 0x80 >> b;
  let unused = 0;
  while (unused < 8 && (mask & (1 << unused)) === 0) unused++;
  return {
    oid: OID_KEY_USAGE,
    critical: true,
    value: bitString(Buffer.from([mask]), unused === 8 ? 0 : unused),
  };
}

export function basicConstraintsExtension(ca: boolean, pathLen?: number): Extension {
  const fields = ca ? [derBoolean(true), ...(pathLen === undefined ? [] : [derInteger(pathLen)])] : [];
  return { oid: OID_BASIC_CONSTRAINTS, critical: true, value: seq(...fields) };
}

export function extKeyUsageExtension(oids: string[]): Extension {
  return { oid: OID_EXT_KEY_USAGE, critical: false, value: seq(...oids.map(encodeOid)) };
}

export function subjectKeyIdentifierExtension(keyId: Buffer): Extension {
  return { oid: OID_SUBJECT_KEY_IDENTIFIER, critical: false, value: octetString(keyId) };
}

/** AuthorityKeyIdentifier with keyIdentifier [0] only. */
export function authorityKeyIdentifierExtension(keyId: Buffer): Extension {
  return {
    oid: OID_AUTHORITY_KEY_IDENTIFIER,
    critical: false,
    value: seq(Buffer.concat([Buffer.from([0x80, keyId.length]), keyId])),
  };
}

export interface CertificateFields {
  serial: bigint;
  /** DER Name of the issuer, copied byte for byte (so it matches the issuer's subject exactly). */
  issuer: Buffer;
  subject: Buffer;
  /** DER SubjectPublicKeyInfo of the subject. */
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

/** TBSCertificate + signature: the DER certificate. */
export function signCertificate(
  fields: CertificateFields,
  signer: KeyObject,
  scheme: SignatureScheme,
): Buffer {
  if (fields.serial <= 0n || fields.serial >= 1n << 159n) {
    throw new Error('serial must be positive and at most 20 octets');
  }
  const tbs = seq(
    explicit(0, derInteger(2)),
    derInteger(fields.serial),
    scheme.algorithm,
    fields.issuer,
    seq(derTime(fields.notBefore), derTime(fields.notAfter)),
    fields.subject,
    fields.spki,
    explicit(3, seq(...fields.extensions.map(encodeExtension))),
  );
  const signature = sign(scheme.hash, tbs, signer);
  return seq(tbs, scheme.algorithm, bitString(signature));
}

/** subject and SubjectPublicKeyInfo DER of a certificate, byte for byte. */
export function certificateParts(der: Buffer): { subject: Buffer; spki: Buffer } {
  const [tbs] = readChildren(readSingle(der, TAG.SEQUENCE).value);
  if (!tbs) throw new Error('bad certificate');
  const fields = childrenOf(tbs, TAG.SEQUENCE, 'TBSCertificate');
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  const spki = fields[offset + 5];
  if (!subject || !spki) throw new Error('bad TBSCertificate');
  return { subject: Buffer.from(subject.raw), spki: Buffer.from(spki.raw) };
}
