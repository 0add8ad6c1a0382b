/**
 * The RFC 5280 §6.1 rules of client chain validation (validate-chain.ts puts them in order): finding
 * the path from the end-entity certificate to a trust anchor, and the checks on each certificate and
 * on the CA certificates of the path. Every refusal is `invalid_certificate` naming the rule broken.
 */
import type { TwitcherError } from '../../errors.js';
import { KEY_USAGE, type ParsedCertificate, selfIssued, signedBy } from './certificate.js';
import { invalidCertificate } from './invalid-certificate.js';
import { OID_ANY_EXTENDED_KEY_USAGE, OID_KP_CLIENT_AUTH, RECOGNISED_EXTENSIONS } from './oids.js';
import type { TrustAnchors } from './trust-anchors.js';

/** How a refusal names a certificate of the path ("the proxy certificate", "the trust anchor", ...). */
export type Role = (cert: ParsedCertificate) => string;

/** A refusal naming the rule broken; the certificate's names go to the logged detail only. */
export function refuse(description: string, cert?: ParsedCertificate, extra?: string): TwitcherError {
  const detail = [
    cert ? `certificate ${cert.subject.rfc4514} issued by ${cert.issuer.rfc4514}` : '',
    extra ?? '',
  ]
    .filter(Boolean)
    .join('; ');
  return invalidCertificate(description, detail || undefined);
}

/** The trust anchor that issued `cert`: same name as its issuer AND its key verifies the signature. */
export function issuingAnchor(cert: ParsedCertificate, anchors: TrustAnchors): ParsedCertificate | undefined {
  for (const anchor of anchors.bySubject.get(cert.issuer.key) ?? []) {
    if (signedBy(cert, anchor)) return anchor;
  }
  return undefined;
}

/**
 * RFC 5280 §6.1: from the EEC up to a trust anchor through the presented CA certificates (any order,
 * unused ones ignored). A presented self-signed certificate is only a root when it is an anchor.
 */
export function caPath(
  eec: ParsedCertificate,
  presented: readonly ParsedCertificate[],
  anchors: TrustAnchors,
  depthLeft: number,
  role: Role,
): { cas: ParsedCertificate[]; anchor: ParsedCertificate } {
  const cas: ParsedCertificate[] = [];
  const used = new Set<number>();
  let current = eec;
  for (;;) {
    const anchor = issuingAnchor(current, anchors);
    if (anchor) return { cas, anchor };
    if (selfIssued(current) && signedBy(current, current)) {
      throw refuse(
        current === eec
          ? 'the client certificate is self-signed, not issued by a trusted CA (RFC 5280 §6.1)'
          : `the chain ends at a self-signed certificate that is not a trust anchor (RFC 5280 §6.1)`,
        current,
      );
    }
    let named = false;
    let next = -1;
    presented.forEach((candidate, i) => {
      if (next >= 0 || used.has(i) || candidate === current || candidate.subject.key !== current.issuer.key)
        return;
      named = true;
      if (signedBy(current, candidate)) next = i;
    });
    const issuer = presented[next];
    if (!issuer) {
      if (named || anchors.bySubject.has(current.issuer.key)) {
        throw refuse(
          `the signature of the ${role(current)} does not verify with its issuer's key (RFC 5280 §6.1.3(a)(1))`,
          current,
        );
      }
      throw refuse(
        `the ${role(current)} is issued by an unknown CA: the chain does not lead to a trust anchor (RFC 5280 §6.1)`,
        current,
      );
    }
    used.add(next);
    cas.push(issuer);
    if (cas.length > depthLeft) throw refuse(`the certificate chain is longer than the maximum depth`);
    current = issuer;
  }
}

/** RFC 5280 §6.1.3(a)(2): within notBefore / notAfter, give or take the clock skew. */
export function checkValidity(cert: ParsedCertificate, now: number, skewMs: number, role: Role): void {
  // RFC 5280 §6.1.3(a)(2)
  if (cert.notBefore.getTime() - skewMs > now) {
    throw refuse(
      `the ${role(cert)} is not yet valid (notBefore ${cert.notBefore.toISOString()}) (RFC 5280 §6.1.3(a)(2))`,
      cert,
    );
  }
  if (cert.notAfter.getTime() + skewMs < now) {
    throw refuse(
      `the ${role(cert)} has expired (notAfter ${cert.notAfter.toISOString()}) (RFC 5280 §6.1.3(a)(2))`,
      cert,
    );
  }
}

/** RFC 5280 §4.2: no critical extension we do not understand. */
export function checkCriticalExtensions(cert: ParsedCertificate, role: Role): void {
  // RFC 5280 §4.2: an unrecognised critical extension makes the certificate unusable
  for (const ext of cert.extensions) {
    if (ext.critical && !RECOGNISED_EXTENSIONS.has(ext.oid)) {
      throw refuse(`the ${role(cert)} has an unknown critical extension ${ext.oid} (RFC 5280 §4.2)`, cert);
    }
  }
}

/** RFC 5280 §4.2.1.12: an extendedKeyUsage, when present, allows TLS client authentication. */
export function checkClientAuth(cert: ParsedCertificate, role: Role): void {
  // RFC 5280 §4.2.1.12: when present, extendedKeyUsage limits the key to the purposes listed
  const eku = cert.extKeyUsage;
  if (eku && !eku.includes(OID_KP_CLIENT_AUTH) && !eku.includes(OID_ANY_EXTENDED_KEY_USAGE)) {
    throw refuse(
      `the ${role(cert)} is not allowed for TLS client authentication (extendedKeyUsage) (RFC 5280 §4.2.1.12)`,
      cert,
    );
  }
}

/** The issuer name is the subject of the certificate that signed it. */
export function checkIssuerName(cert: ParsedCertificate, issuer: ParsedCertificate, role: Role): void {
  // RFC 5280 §6.1.3(a)(4); RFC 3820 §3.1 (the issuer field of a proxy is its issuer's subject)
  if (cert.issuer.key !== issuer.subject.key) {
    throw refuse(
      `the issuer name of the ${role(cert)} is not the subject of the certificate that signed it (RFC 5280 §6.1.3(a)(4))`,
      cert,
    );
  }
}

/** RFC 5280 §6.1.4(k)(l)(m)(n) for the CA certificates above the EEC, and the anchor's pathLen. */
export function checkCAs(cas: readonly ParsedCertificate[], anchor: ParsedCertificate, role: Role): void {
  const authorities = [...cas, anchor];
  let belowNonSelfIssued = 0; // non-self-issued intermediate CAs between this CA and the EEC
  authorities.forEach((ca, j) => {
    if (ca.basicConstraints?.ca !== true) {
      throw refuse(
        `the ${role(ca)} issued a certificate but is not a CA (basicConstraints cA) (RFC 5280 §6.1.4(k))`,
        ca,
      );
    }
    if (ca.proxy && ca.proxy.form !== 'gt2' && j < cas.length) {
      throw refuse(
        `the ${role(ca)} carries proxyCertInfo: a proxy certificate cannot issue certificates for a CA (RFC 3820 §3.7)`,
        ca,
      );
    }
    if (ca.keyUsage !== undefined && (ca.keyUsage & KEY_USAGE.keyCertSign) === 0) {
      throw refuse(
        `the ${role(ca)} may not sign certificates (keyUsage keyCertSign) (RFC 5280 §6.1.4(n))`,
        ca,
      );
    }
    const pathLen = ca.basicConstraints.pathLen;
    if (pathLen !== undefined && belowNonSelfIssued > pathLen) {
      throw refuse(
        `the path length constraint (${pathLen}) of the ${role(ca)} is exceeded (RFC 5280 §4.2.1.9, §6.1.4(l)(m))`,
        ca,
        `${belowNonSelfIssued} intermediate CA certificates below it`,
      );
    }
    if (j < cas.length && !selfIssued(ca)) belowNonSelfIssued++;
  });
}
