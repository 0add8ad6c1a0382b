/**
 * PKCS #10 certification requests (RFC 2986) as a certificate service receives them: PEM
 * (`CERTIFICATE REQUEST`, or the older `NEW CERTIFICATE REQUEST` label) as MyProxyWebService takes
 * them, or base64 of the DER as cedadev's OnlineCA also accepts.
 *
 * What a request must be to be accepted (every refusal is `TwitcherError('invalid_csr')`, 400):
 * - well-formed DER with nothing after it, version 0, at most 64 KiB of text;
 * - a correct self-signature (proof of possession): RSA PKCS #1 v1.5 or RSASSA-PSS, or ECDSA, with
 *   SHA-1 or SHA-2 (a CSR signature only proves possession of the key, so SHA-1 is still accepted;
 *   MD2/MD5 are not);
 * - an RSA key of 2048 to 8192 bits with public exponent 65537 (what MyProxy's CA also demands), or an
 *   EC key on P-256 or P-384. RSA-PSS-only keys, Ed25519 and every other kind are refused;
 * - requested extensions (the PKCS #9 extensionRequest attribute) from this allow-list only, since a
 *   request for more than an end-entity certificate is a request we will not grant:
 *     basicConstraints        only with cA FALSE;
 *     keyUsage                only digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment,
 *                             keyAgreement, encipherOnly, decipherOnly (never keyCertSign / cRLSign);
 *     extKeyUsage, subjectKeyIdentifier, subjectAltName  tolerated.
 *   Anything else (proxyCertInfo and its GSI-3 draft, nameConstraints, policy extensions,
 *   authorityKeyIdentifier, unknown OIDs, critical or not) is refused, as is an extension requested
 *   twice. Tolerated extensions are never copied into the certificate: the issuer decides the
 *   profile and the subject (from the authenticated user name), not the request.
 * Other attributes (challengePassword, unstructuredName, ...) are ignored.
 */
import { constants, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { TwitcherError } from '../../errors.js';
import {
  childrenOf,
  DerError,
  type Element,
  readBitString,
  readBoolean,
  readChildren,
  readOid,
  readSingle,
  readUnsignedInteger,
  TAG,
} from '../x509/der.js';
import {
  DIGEST_OIDS,
  OID_AUTHORITY_INFO_ACCESS,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_CRL_DISTRIBUTION_POINTS,
  OID_ECDSA_SHA1,
  OID_ECDSA_SHA224,
  OID_ECDSA_SHA256,
  OID_ECDSA_SHA384,
  OID_ECDSA_SHA512,
  OID_EXT_KEY_USAGE,
  OID_EXTENSION_REQUEST,
  OID_GSI3_PROXY_CERT_INFO,
  OID_INHIBIT_ANY_POLICY,
  OID_ISSUER_ALT_NAME,
  OID_KEY_USAGE,
  OID_MGF1,
  OID_NAME_CONSTRAINTS,
  OID_POLICY_CONSTRAINTS,
  OID_POLICY_MAPPINGS,
  OID_PROXY_CERT_INFO,
  OID_RSASSA_PSS,
  OID_SHA1_WITH_RSA,
  OID_SHA224_WITH_RSA,
  OID_SHA256_WITH_RSA,
  OID_SHA384_WITH_RSA,
  OID_SHA512_WITH_RSA,
  OID_SUBJECT_ALT_NAME,
  OID_SUBJECT_KEY_IDENTIFIER,
} from '../x509/oids.js';
import { isBase64Body, type PEMBlock, pemBlocks } from '../x509/pem.js';

export interface RequestedExtension {
  oid: string;
  critical: boolean;
  /** The extnValue contents (the DER of the extension's own value). */
  value: Buffer;
}

export type CSRKey = { keyType: 'rsa'; keyBits: number } | { keyType: 'ec'; curve: 'P-256' | 'P-384' };

export type ParsedCSR = CSRKey & {
  /** The whole request, DER. */
  der: Buffer;
  publicKey: KeyObject;
  /** The SubjectPublicKeyInfo, DER: what the issued certificate carries. */
  spki: Buffer;
  /** The request's subject (DER Name). Informational only: issuers ignore it. */
  subject: Buffer;
  /** e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `RSASSA-PSS/sha256`. */
  signatureAlgorithm: string;
  requestedExtensions: RequestedExtension[];
};

/** Longest input accepted, in characters (a 8192-bit RSA request is about 2.5 KiB of PEM). */
export const MAX_CSR_TEXT = 64 * 1024;

export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;

const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

const RSA_SIGNATURES: Readonly<Record<string, [hash: string, name: string]>> = {
  [OID_SHA1_WITH_RSA]: ['sha1', 'sha1WithRSAEncryption'],
  [OID_SHA224_WITH_RSA]: ['sha224', 'sha224WithRSAEncryption'],
  [OID_SHA256_WITH_RSA]: ['sha256', 'sha256WithRSAEncryption'],
  [OID_SHA384_WITH_RSA]: ['sha384', 'sha384WithRSAEncryption'],
  [OID_SHA512_WITH_RSA]: ['sha512', 'sha512WithRSAEncryption'],
};
const ECDSA_SIGNATURES: Readonly<Record<string, [hash: string, name: string]>> = {
  [OID_ECDSA_SHA1]: ['sha1', 'ecdsa-with-SHA1'],
  [OID_ECDSA_SHA224]: ['sha224', 'ecdsa-with-SHA224'],
  [OID_ECDSA_SHA256]: ['sha256', 'ecdsa-with-SHA256'],
  [OID_ECDSA_SHA384]: ['sha384', 'ecdsa-with-SHA384'],
  [OID_ECDSA_SHA512]: ['sha512', 'ecdsa-with-SHA512'],
};
const CURVES: Readonly<Record<string, 'P-256' | 'P-384'>> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/** Names for the refusal messages of extensions that are deliberately not on the allow-list. */
const REFUSED_EXTENSION_NAMES: Readonly<Record<string, string>> = {
  [OID_PROXY_CERT_INFO]: 'proxyCertInfo',
  [OID_GSI3_PROXY_CERT_INFO]: 'proxyCertInfo (GSI-3 draft)',
  [OID_NAME_CONSTRAINTS]: 'nameConstraints',
  [OID_CERTIFICATE_POLICIES]: 'certificatePolicies',
  [OID_POLICY_MAPPINGS]: 'policyMappings',
  [OID_AUTHORITY_KEY_IDENTIFIER]: 'authorityKeyIdentifier',
  [OID_POLICY_CONSTRAINTS]: 'policyConstraints',
  [OID_INHIBIT_ANY_POLICY]: 'inhibitAnyPolicy',
  [OID_ISSUER_ALT_NAME]: 'issuerAltName',
  [OID_CRL_DISTRIBUTION_POINTS]: 'cRLDistributionPoints',
  [OID_AUTHORITY_INFO_ACCESS]: 'authorityInfoAccess',
};

// RFC 5280 §4.2.1.3 bit numbers
const KU_KEY_CERT_SIGN = 5;
const KU_CRL_SIGN = 6;

function invalid(description: string, detail?: string): TwitcherError {
  return new TwitcherError('invalid_csr', { description, ...(detail ? { detail } : {}) });
}

/** The DER of the request: a single PEM request block, or bare base64 of the DER. */
function decodeInput(input: string): Buffer {
  if (typeof input !== 'string') throw invalid('certificate request must be text');
  if (input.length > MAX_CSR_TEXT) {
    throw invalid(`certificate request is larger than ${MAX_CSR_TEXT} characters`);
  }
  const text = input.trim();
  if (text === '') throw invalid('empty certificate request');
  let base64: string;
  if (text.includes('-----BEGIN')) {
    const blocks = pemBlocks(text).filter((b) => CSR_LABELS.has(b.label));
    if (blocks.length === 0) throw invalid('no PEM CERTIFICATE REQUEST block found');
    if (blocks.length > 1) throw invalid('more than one certificate request in the input');
    const block = blocks[0] as PEMBlock;
    if (block.label !== block.endLabel) throw invalid('malformed PEM: BEGIN and END labels differ');
    base64 = block.base64;
  } else {
    base64 = text.replace(/\s+/g, '');
  }
  if (!isBase64Body(base64)) {
    throw invalid('certificate request is neither PEM nor base64 of DER');
  }
  return Buffer.from(base64, 'base64');
}

interface SignatureCheck {
  name: string;
  hash: string;
  family: 'rsa' | 'ec';
  pss?: { saltLength: number };
}

/** RFC 4055 §3.1 RSASSA-PSS-params; only MGF1 with the same hash as the signature. */
function pssParameters(params: Element | undefined): SignatureCheck {
  let hash = 'sha1';
  let mgfHash = 'sha1';
  let saltLength = 20;
  for (const field of params ? childrenOf(params, TAG.SEQUENCE, 'RSASSA-PSS parameters') : []) {
    const [inner] = readChildren(field.value);
    if (!inner) throw new DerError('empty RSASSA-PSS parameter');
    if (field.tag === 0xa0) {
      const alg = readOid(childrenOf(inner, TAG.SEQUENCE, 'hashAlgorithm')[0] as Element);
      hash = DIGEST_OIDS[alg] ?? `unknown digest ${alg}`;
    } else if (field.tag === 0xa1) {
      const [mgf, mgfParams] = childrenOf(inner, TAG.SEQUENCE, 'maskGenAlgorithm');
      if (!mgf || readOid(mgf) !== OID_MGF1 || !mgfParams) {
        throw invalid('RSASSA-PSS: only MGF1 is supported');
      }
      const alg = readOid(childrenOf(mgfParams, TAG.SEQUENCE, 'MGF1 hash')[0] as Element);
      mgfHash = DIGEST_OIDS[alg] ?? `unknown digest ${alg}`;
    } else if (field.tag === 0xa2) {
      saltLength = Number(readUnsignedInteger(inner));
    } else if (field.tag === 0xa3) {
      if (readUnsignedInteger(inner) !== 1n) throw invalid('RSASSA-PSS: trailerField must be 1');
    } else {
      throw new DerError('unknown RSASSA-PSS parameter');
    }
  }
  if (hash.startsWith('unknown') || hash !== mgfHash) {
    throw invalid('RSASSA-PSS: unsupported hash or MGF1 hash different from the signature hash');
  }
  return { name: `RSASSA-PSS/${hash}`, hash, family: 'rsa', pss: { saltLength } };
}

function signatureAlgorithm(alg: Element): SignatureCheck {
  const [oidEl, params] = childrenOf(alg, TAG.SEQUENCE, 'signatureAlgorithm');
  if (!oidEl) throw new DerError('empty AlgorithmIdentifier');
  const oid = readOid(oidEl);
  const rsa = RSA_SIGNATURES[oid];
  if (rsa) {
    // RFC 4055 §5: the parameters are NULL (absent is tolerated, as by OpenSSL)
    if (params && !(params.tag === TAG.NULL && params.value.length === 0)) {
      throw new DerError('bad RSA parameters');
    }
    return { hash: rsa[0], name: rsa[1], family: 'rsa' };
  }
  const ecdsa = ECDSA_SIGNATURES[oid];
  if (ecdsa) {
    if (params) throw new DerError('ECDSA signature algorithm with parameters');
    return { hash: ecdsa[0], name: ecdsa[1], family: 'ec' };
  }
  if (oid === OID_RSASSA_PSS) return pssParameters(params);
  throw invalid(
    `unsupported signature algorithm ${oid} (MD5 and other weak or unknown algorithms are refused)`,
  );
}

function checkKey(spki: Buffer): { publicKey: KeyObject } & CSRKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (err) {
    throw invalid('unreadable public key in the certificate request', (err as Error).message);
  }
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (publicKey.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw invalid(`RSA key of ${bits} bits: at least ${MIN_RSA_BITS} bits are required`);
    }
    if (bits > MAX_RSA_BITS) {
      throw invalid(`RSA key of ${bits} bits: at most ${MAX_RSA_BITS} bits are accepted`);
    }
    if (details.publicExponent !== 65537n) {
      throw invalid(`RSA public exponent ${details.publicExponent ?? '?'}: only 65537 is accepted`);
    }
    return { publicKey, keyType: 'rsa', keyBits: bits };
  }
  if (publicKey.asymmetricKeyType === 'ec') {
    const curve = CURVES[details.namedCurve ?? ''];
    if (!curve) {
      throw invalid(`EC curve ${details.namedCurve ?? '(explicit)'}: only P-256 and P-384 are accepted`);
    }
    return { publicKey, keyType: 'ec', curve };
  }
  throw invalid(
    `${publicKey.asymmetricKeyType ?? 'unknown'} keys are not accepted (RSA or EC P-256/P-384 only)`,
  );
}

function checkKeyUsage(value: Buffer): void {
  const { bytes } = readBitString(readSingle(value));
  const bit = (n: number) => (((bytes[n >> 3] ?? 0) >> (7 - (n & 7))) & 1) === 1;
  if (bit(KU_KEY_CERT_SIGN)) throw invalid('requested keyUsage keyCertSign is not allowed');
  if (bit(KU_CRL_SIGN)) throw invalid('requested keyUsage cRLSign is not allowed');
}

function checkBasicConstraints(value: Buffer): void {
  const fields = childrenOf(readSingle(value), TAG.SEQUENCE, 'basicConstraints');
  const first = fields[0];
  if (first && first.tag === TAG.BOOLEAN && readBoolean(first)) {
    throw invalid(
      'requested basicConstraints cA TRUE is not allowed: only end-entity certificates are issued',
    );
  }
}

/** The Extensions of an extensionRequest attribute value, checked against the allow-list. */
function requestedExtensions(values: Element[]): RequestedExtension[] {
  if (values.length !== 1) throw invalid('extensionRequest attribute must have exactly one value');
  const out: RequestedExtension[] = [];
  const seen = new Set<string>();
  for (const ext of childrenOf(values[0] as Element, TAG.SEQUENCE, 'Extensions')) {
    const parts = childrenOf(ext, TAG.SEQUENCE, 'Extension');
    if (!parts[0]) throw new DerError('empty Extension');
    const oid = readOid(parts[0]);
    let critical = false;
    let valueEl = parts[1];
    if (valueEl?.tag === TAG.BOOLEAN) {
      critical = readBoolean(valueEl);
      valueEl = parts[2];
    }
    if (!valueEl || valueEl.tag !== TAG.OCTET_STRING || parts.length > (valueEl === parts[1] ? 2 : 3)) {
      throw new DerError('malformed Extension');
    }
    if (seen.has(oid)) throw invalid(`extension ${oid} requested twice`);
    seen.add(oid);
    const value = valueEl.value;
    switch (oid) {
      case OID_BASIC_CONSTRAINTS:
        checkBasicConstraints(value);
        break;
      case OID_KEY_USAGE:
        checkKeyUsage(value);
        break;
      case OID_EXT_KEY_USAGE:
      case OID_SUBJECT_KEY_IDENTIFIER:
      case OID_SUBJECT_ALT_NAME:
        readSingle(value); // well-formed; otherwise ignored (never copied)
        break;
      default: {
        const name = REFUSED_EXTENSION_NAMES[oid];
        throw invalid(`requested extension ${name ? `${name} (${oid})` : oid} is not allowed`);
      }
    }
    out.push({ oid, critical, value: Buffer.from(value) });
  }
  return out;
}

/**
 * Parses and checks a certification request (see the module comment for the rules).
 * Throws `TwitcherError('invalid_csr')` (400) on any failure.
 */
export function parseCertificateRequest(input: string): ParsedCSR {
  return parseCertificateRequestDER(decodeInput(input));
}

/** The same checks for a request already in DER. */
export function parseCertificateRequestDER(der: Buffer): ParsedCSR {
  try {
    const csr = readSingle(der, TAG.SEQUENCE);
    const [cri, sigAlg, sigValue, ...extra] = readChildren(csr.value);
    if (!cri || !sigAlg || !sigValue || extra.length > 0) {
      throw new DerError('CertificationRequest needs 3 fields');
    }
    const [version, subject, spki, attributes, ...more] = childrenOf(
      cri,
      TAG.SEQUENCE,
      'certificationRequestInfo',
    );
    if (!version || !subject || !spki || more.length > 0) throw new DerError('bad certificationRequestInfo');
    if (readUnsignedInteger(version) !== 0n) throw invalid('unsupported certificate request version');
    if (subject.tag !== TAG.SEQUENCE) throw new DerError('subject is not a Name');
    if (spki.tag !== TAG.SEQUENCE) throw new DerError('bad subjectPublicKeyInfo');
    if (attributes && attributes.tag !== 0xa0) throw new DerError('bad attributes');

    const key = checkKey(Buffer.from(spki.raw));
    const alg = signatureAlgorithm(sigAlg);
    if (alg.family !== key.keyType) {
      throw invalid(`signature algorithm ${alg.name} does not match the ${key.keyType} key`);
    }
    const { bytes: signature, unusedBits } = readBitString(sigValue);
    if (unusedBits !== 0) throw new DerError('signature BIT STRING with unused bits');
    const verifyKey = alg.pss
      ? { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pss.saltLength }
      : key.publicKey;
    let ok = false;
    try {
      ok = verify(alg.hash, cri.raw, verifyKey, signature);
    } catch (err) {
      throw invalid('certificate request signature does not verify', (err as Error).message);
    }
    if (!ok) throw invalid('certificate request signature does not verify');

    let extensions: RequestedExtension[] = [];
    let sawExtensionRequest = false;
    for (const attr of attributes ? readChildren(attributes.value) : []) {
      const [typeEl, valuesEl, ...rest] = childrenOf(attr, TAG.SEQUENCE, 'Attribute');
      if (!typeEl || !valuesEl || rest.length > 0) throw new DerError('malformed Attribute');
      const values = childrenOf(valuesEl, TAG.SET, 'Attribute values');
      if (readOid(typeEl) !== OID_EXTENSION_REQUEST) continue;
      if (sawExtensionRequest) throw invalid('more than one extensionRequest attribute');
      sawExtensionRequest = true;
      extensions = requestedExtensions(values);
    }
    const { publicKey, ...keyInfo } = key;
    return {
      ...keyInfo,
      der: Buffer.from(der),
      publicKey,
      spki: Buffer.from(spki.raw),
      subject: Buffer.from(subject.raw),
      signatureAlgorithm: alg.name,
      requestedExtensions: extensions,
    };
  } catch (err) {
    if (err instanceof DerError) throw invalid('malformed certificate request (DER)', err.message);
    throw err;
  }
}
