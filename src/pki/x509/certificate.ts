/**
 * One certificate, parsed once: the fields the validator needs, decoded from DER with @peculiar/x509
 * (the certificate structure and names), our strict DER decoders (the extensions we act on) and
 * node:crypto (public key, signature check). Parsed certificates are cached
 * by SHA-256 of their DER, so a chain presented again (every request in header mode, every TLS
 * connection of a client) costs a hash and a lookup, not a parse.
 */

import { createHash, type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { Certificate as AsnCertificate } from '@peculiar/asn1-x509';
import { lru } from '../../util/lru.js';
import { type DerError, readSingle, TAG } from './der.js';
import { appendedCommonName, type DistinguishedName, distinguishedName } from './dn/index.js';
import {
  type BasicConstraints,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
} from './extensions.js';
import {
  OID_BASIC_CONSTRAINTS,
  OID_EXT_KEY_USAGE,
  OID_GLOBUS_LIMITED_PROXY,
  OID_GSI3_PROXY_CERT_INFO,
  OID_ISSUER_ALT_NAME,
  OID_KEY_USAGE,
  OID_PPL_INHERIT_ALL,
  OID_PROXY_CERT_INFO,
  OID_SUBJECT_ALT_NAME,
} from './oids.js';
import * as x509 from './peculiar-x509.js';
import { decodeProxyCertInfo, type ProxyCertInfo } from './proxy-cert-info.js';

/** How a certificate marks itself as a proxy: RFC 3820, the GSI-3 draft OID, or the GT2 `CN=proxy` name. */
export type ProxyForm = 'rfc3820' | 'gsi3' | 'gt2';

export interface ProxyMarker {
  readonly form: ProxyForm;
  /** Criticality of the proxyCertInfo extension (GT2: no extension, reported as true). */
  readonly critical: boolean;
  readonly info: ProxyCertInfo;
}

export interface ParsedCertificate {
  readonly der: Buffer;
  /** SHA-256 of the DER, hex. */
  readonly fingerprint: string;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly { readonly oid: string; readonly critical: boolean }[];
  readonly basicConstraints?: BasicConstraints;
  /** keyUsage bits: bit n of the BIT STRING → 1 << n (digitalSignature = 1, keyCertSign = 32, …). */
  readonly keyUsage?: number;
  readonly extKeyUsage?: readonly string[];
  readonly hasSubjectAltName: boolean;
  readonly hasIssuerAltName: boolean;
  readonly proxy?: ProxyMarker;
  /** node:crypto's view, for the public key and signature checks. */
  readonly node: NodeX509Certificate;
  readonly publicKey: KeyObject;
}

/** keyUsage bits (RFC 5280 §4.2.1.3), as decodeKeyUsage returns them. */
export const KEY_USAGE = { digitalSignature: 1 << 0, keyCertSign: 1 << 5 } as const;

/** Why bytes are not a usable certificate (the caller adds which one of the chain it was). */
export class CertificateParseError extends Error {
  override readonly name = 'CertificateParseError';
  /** `message` is ours and may be shown to the client; `detail` (a library's message) is only logged. */
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

// @peculiar/x509 keeps the decoded ASN.1 structure protected; the names need its typed values.
class PeculiarCertificate extends x509.X509Certificate {
  get asnCertificate(): AsnCertificate {
    return this.asn;
  }
}

const GT2_PROXY_CN = 'proxy';
const GT2_LIMITED_PROXY_CN = 'limited proxy';

function proxyMarker(exts: readonly RawExtension[], subject: DistinguishedName, issuer: DistinguishedName) {
  const rfc = exts.filter((e) => e.oid === OID_PROXY_CERT_INFO);
  const gsi3 = exts.filter((e) => e.oid === OID_GSI3_PROXY_CERT_INFO);
  if (rfc.length > 0 && gsi3.length > 0)
    throw new CertificateParseError('both RFC 3820 and GSI-3 proxyCertInfo');
  const ext = rfc[0] ?? gsi3[0];
  if (ext) {
    const form = rfc[0] ? 'rfc3820' : 'gsi3';
    try {
      return {
        form,
        critical: ext.critical,
        info: decodeProxyCertInfo(ext.value, form),
      } as const;
    } catch (err) {
      throw new CertificateParseError(`malformed proxyCertInfo: ${(err as Error).message}`);
    }
  }
  // GT2 (Globus Toolkit 2) proxies carry no extension: the subject is the issuer's plus CN=proxy
  // or CN=limited proxy.
  const added = appendedCommonName(subject, issuer);
  if ('cn' in added && (added.cn === GT2_PROXY_CN || added.cn === GT2_LIMITED_PROXY_CN)) {
    const policyLanguage = added.cn === GT2_LIMITED_PROXY_CN ? OID_GLOBUS_LIMITED_PROXY : OID_PPL_INHERIT_ALL;
    return { form: 'gt2', critical: true, info: { policyLanguage } } as const;
  }
  return undefined;
}

interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** Decodes one standard extension when present; a malformed value makes the certificate unusable. */
function decoded<T>(
  exts: readonly RawExtension[],
  oid: string,
  decode: (value: Uint8Array) => T,
): T | undefined {
  const ext = exts.find((e) => e.oid === oid);
  if (ext === undefined) return undefined;
  try {
    return decode(ext.value);
  } catch (err) {
    throw new CertificateParseError(`malformed extension ${oid} (${(err as Error).message})`);
  }
}

function parse(der: Buffer, fingerprint: string): ParsedCertificate {
  try {
    return decode(der, fingerprint);
  } catch (err) {
    if (err instanceof CertificateParseError) throw err;
    throw new CertificateParseError('malformed certificate', (err as Error).message);
  }
}

function decode(der: Buffer, fingerprint: string): ParsedCertificate {
  try {
    readSingle(der, TAG.SEQUENCE); // DER framing: one SEQUENCE, nothing after it
  } catch (err) {
    throw new CertificateParseError(`not DER (${(err as DerError).message})`);
  }
  let cert: PeculiarCertificate;
  let node: NodeX509Certificate;
  try {
    cert = new PeculiarCertificate(der);
    node = new NodeX509Certificate(der);
  } catch (err) {
    throw new CertificateParseError('not an X.509 certificate', (err as Error).message);
  }
  const tbs = cert.asnCertificate.tbsCertificate;
  const subject = distinguishedName(tbs.subject);
  const issuer = distinguishedName(tbs.issuer);
  // raw extensions from the decoded structure: @peculiar/x509's typed `extensions` getter
  // re-encodes and re-parses every extension on each call
  const exts: RawExtension[] = (tbs.extensions ?? []).map((e) => ({
    oid: e.extnID,
    critical: e.critical,
    value: new Uint8Array(e.extnValue.buffer),
  }));
  const extensions = exts.map(({ oid, critical }) => ({ oid, critical }));
  // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
  if (new Set(extensions.map((e) => e.oid)).size !== extensions.length) {
    throw new CertificateParseError('an extension appears twice (RFC 5280 §4.2)');
  }
  const basicConstraints = decoded(exts, OID_BASIC_CONSTRAINTS, decodeBasicConstraints);
  const keyUsage = decoded(exts, OID_KEY_USAGE, decodeKeyUsage);
  const extKeyUsage = decoded(exts, OID_EXT_KEY_USAGE, decodeExtKeyUsage);
  const proxy = proxyMarker(exts, subject, issuer);
  return {
    der,
    fingerprint,
    subject,
    issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    extensions,
    ...(basicConstraints ? { basicConstraints } : {}),
    ...(keyUsage === undefined ? {} : { keyUsage }),
    ...(extKeyUsage ? { extKeyUsage } : {}),
    hasSubjectAltName: extensions.some((e) => e.oid === OID_SUBJECT_ALT_NAME),
    hasIssuerAltName: extensions.some((e) => e.oid === OID_ISSUER_ALT_NAME),
    ...(proxy ? { proxy } : {}),
    node,
    publicKey: node.publicKey,
  };
}

// ------------------------------------------------------------------------------ caches

const CACHE_LIMIT = 2048;
const parsed = lru<string, ParsedCertificate>(CACHE_LIMIT);
const verifiedPairs = lru<string, true>(CACHE_LIMIT);

/** Parses (or finds in the cache) one DER certificate. Throws CertificateParseError. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const fingerprint = createHash('sha256').update(der).digest('hex');
  const hit = parsed.get(fingerprint);
  if (hit) return hit;
  const cert = parse(Buffer.from(der), fingerprint);
  parsed.set(fingerprint, cert);
  return cert;
}

/** RFC 5280 §6.1.3(a)(1): the signature of `cert` verifies with the public key of `issuer`. Cached when true. */
export function signedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const pair = `${cert.fingerprint}:${issuer.fingerprint}`;
  if (verifiedPairs.has(pair)) return true;
  let ok = false;
  try {
    ok = cert.node.verify(issuer.publicKey);
  } catch {
    ok = false; // unsupported or mismatched algorithm
  }
  if (ok) verifiedPairs.set(pair, true);
  return ok;
}

/** Self-issued (RFC 5280 §3.2 / §6.1): subject and issuer are the same name. */
export function selfIssued(cert: ParsedCertificate): boolean {
  return cert.subject.key === cert.issuer.key;
}
