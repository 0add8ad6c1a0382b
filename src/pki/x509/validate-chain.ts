/**
 * Client certificate chain validation in our own code: RFC 5280 §6.1 path validation for the CA part
 * and RFC 3820 §4.1 for proxy certificates above the end-entity certificate (EEC). Pure: no I/O, no
 * clock unless `now` is left out. Node's TLS cannot be told to accept proxy chains, so the TLS
 * listener asks for the certificate without verifying it, and header mode (nginx) hands over the
 * escaped PEM: both end here.
 *
 * The identity is always the EEC's subject. What each proxy policy language allows:
 * - inheritAll (id-ppl-inheritAll): all rights of the EEC: accepted.
 * - independent (id-ppl-independent): inherits no right of its issuer, so it cannot stand for the
 *   EEC's identity: refused for authentication.
 * - Globus limited proxy: the EEC's identity, flagged `limited: true` (Globus services refuse it for
 *   job submission; a caller may refuse it for e.g. WPS Execute); refused with `limitedProxies: 'refuse'`.
 * - any other language (a restricted proxy): its policy would have to be evaluated, which we do not
 *   do: refused (fail closed).
 * - legacy proxies (GSI-3 draft OID, GT2 `CN=proxy` / `CN=limited proxy`): only with
 *   `legacyProxies: 'accept'`, and then under the same rules.
 *
 * Not done here: revocation (CRL/OCSP), certificate policy processing, name constraints (a critical
 * nameConstraints extension refuses the chain), signing_policy / namespaces files.
 */
import type { X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { TwitcherError } from '../../errors.js';
import {
  CertificateParseError,
  KEY_USAGE,
  type ParsedCertificate,
  type ProxyForm,
  parseCertificate,
  selfIssued,
  signedBy,
} from './certificate.js';
import { appendedCommonName } from './dn/index.js';
import { invalidCertificate } from './invalid-certificate.js';
import { OID_ANY_EXTENDED_KEY_USAGE, OID_KP_CLIENT_AUTH, RECOGNISED_EXTENSIONS } from './oids.js';
import { type ProxyPolicyKind, policyKind } from './proxy-cert-info.js';
import type { TrustAnchors } from './trust-anchors.js';

export interface ValidateChainOptions {
  /** The time to validate at (default: now). */
  now?: Date;
  /** Most certificates from the leaf to the trust anchor, the anchor not counted (default 10). */
  maxDepth?: number;
  /** GSI-3 draft and GT2 proxies (default 'refuse'). */
  legacyProxies?: 'accept' | 'refuse';
  /** Globus limited proxies (default 'accept', flagged `limited`). */
  limitedProxies?: 'accept' | 'refuse';
  /** Tolerance on notBefore / notAfter (default 60 s). */
  clockSkewSeconds?: number;
}

export interface ValidatedProxy {
  /** The proxy's subject, RFC 4514. */
  dn: string;
  policy: ProxyPolicyKind;
  /** pCPathLenConstraint, when the proxy has one. */
  pathLen?: number;
  form: ProxyForm;
}

export interface ValidatedIdentity {
  /** The end-entity certificate's subject, RFC 4514: `CN=mpuser,OU=Users,O=MyProxyPeer,C=XX`. */
  subjectDN: string;
  /** The same in OpenSSL's one-line form, as grid-mapfiles hold it: `/C=XX/O=MyProxyPeer/OU=Users/CN=mpuser`. */
  subjectDNLegacy: string;
  /** The EEC's issuer, RFC 4514. */
  issuerDN: string;
  /** The trust anchor the chain leads to, RFC 4514. */
  anchorDN: string;
  eec: NodeX509Certificate;
  /** Proxy certificates above the EEC, leaf first (empty when the EEC itself was presented). */
  proxies: ValidatedProxy[];
  /** True when any proxy of the chain is a (Globus) limited proxy. */
  limited: boolean;
  /** The earliest notAfter of the path, trust anchor included. */
  notAfter: Date;
  /** The validated path as DER, leaf first, without the trust anchor (for delegation upstream). */
  chain: Buffer[];
}

const DEFAULT_MAX_DEPTH = 10;
const DEFAULT_CLOCK_SKEW_SECONDS = 60;

// ------------------------------------------------------------------------------ helpers

type Role = (cert: ParsedCertificate) => string;

function refuse(description: string, cert?: ParsedCertificate, extra?: string): TwitcherError {
  const detail = [
    cert ? `certificate ${cert.subject.rfc4514} issued by ${cert.issuer.rfc4514}` : '',
    extra ?? '',
  ]
    .filter(Boolean)
    .join('; ');
  return invalidCertificate(description, detail || undefined);
}

function parseAt(der: Buffer, index: number, count: number): ParsedCertificate {
  try {
    return parseCertificate(der);
  } catch (err) {
    if (err instanceof CertificateParseError) {
      throw invalidCertificate(
        `certificate ${index + 1} of ${count} is not a valid X.509 certificate: ${err.message}`,
        err.detail,
        err,
      );
    }
    throw err;
  }
}

/** The trust anchor that issued `cert`: same name as its issuer AND its key verifies the signature. */
function issuingAnchor(cert: ParsedCertificate, anchors: TrustAnchors): ParsedCertificate | undefined {
  for (const anchor of anchors.bySubject.get(cert.issuer.key) ?? []) {
    if (signedBy(cert, anchor)) return anchor;
  }
  return undefined;
}

/**
 * RFC 5280 §6.1: from the EEC up to a trust anchor through the presented CA certificates (any order,
 * unused ones ignored). A presented self-signed certificate is only a root when it is an anchor.
 */
function caPath(
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

function checkValidity(cert: ParsedCertificate, now: number, skewMs: number, role: Role): void {
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

function checkCriticalExtensions(cert: ParsedCertificate, role: Role): void {
  // RFC 5280 §4.2: an unrecognised critical extension makes the certificate unusable
  for (const ext of cert.extensions) {
    if (ext.critical && !RECOGNISED_EXTENSIONS.has(ext.oid)) {
      throw refuse(`the ${role(cert)} has an unknown critical extension ${ext.oid} (RFC 5280 §4.2)`, cert);
    }
  }
}

function checkClientAuth(cert: ParsedCertificate, role: Role): void {
  // RFC 5280 §4.2.1.12: when present, extendedKeyUsage limits the key to the purposes listed
  const eku = cert.extKeyUsage;
  if (eku && !eku.includes(OID_KP_CLIENT_AUTH) && !eku.includes(OID_ANY_EXTENDED_KEY_USAGE)) {
    throw refuse(
      `the ${role(cert)} is not allowed for TLS client authentication (extendedKeyUsage) (RFC 5280 §4.2.1.12)`,
      cert,
    );
  }
}

function checkIssuerName(cert: ParsedCertificate, issuer: ParsedCertificate, role: Role): void {
  // RFC 5280 §6.1.3(a)(4); RFC 3820 §3.1 (the issuer field of a proxy is its issuer's subject)
  if (cert.issuer.key !== issuer.subject.key) {
    throw refuse(
      `the issuer name of the ${role(cert)} is not the subject of the certificate that signed it (RFC 5280 §6.1.3(a)(4))`,
      cert,
    );
  }
}

/** RFC 5280 §6.1.4(k)(l)(m)(n) for the CA certificates above the EEC, and the anchor's pathLen. */
function checkCAs(cas: readonly ParsedCertificate[], anchor: ParsedCertificate, role: Role): void {
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

interface ProxyOptions {
  legacyProxies: 'accept' | 'refuse';
  limitedProxies: 'accept' | 'refuse';
}

/** RFC 3820 §3 profile and §4.1 path rules for one proxy; `following` = proxies after it (leafwards). */
function checkProxy(
  proxy: ParsedCertificate,
  issuer: ParsedCertificate,
  following: number,
  options: ProxyOptions,
  role: Role,
): ValidatedProxy {
  const marker = proxy.proxy;
  if (!marker) throw new Error('checkProxy: not a proxy');
  const what = role(proxy);
  if (marker.form !== 'rfc3820' && options.legacyProxies !== 'accept') {
    throw refuse(
      `the ${what} is a legacy (${marker.form === 'gt2' ? 'GT2' : 'GSI-3'}) proxy; only RFC 3820 proxy certificates are accepted`,
      proxy,
    );
  }
  if (!marker.critical)
    throw refuse(`the proxyCertInfo extension of the ${what} is not critical (RFC 3820 §3.8)`, proxy);
  if (proxy.basicConstraints?.ca)
    throw refuse(`the ${what} must not be a CA (basicConstraints cA) (RFC 3820 §3.7)`, proxy);
  if (issuer.basicConstraints?.ca) {
    throw refuse(
      `the ${what} is issued by a CA; a proxy's issuer must be an end-entity or proxy certificate (RFC 3820 §3.1)`,
      proxy,
    );
  }
  if (issuer.keyUsage !== undefined && (issuer.keyUsage & KEY_USAGE.digitalSignature) === 0) {
    throw refuse(`the issuer of the ${what} may not sign (keyUsage digitalSignature) (RFC 3820 §3.6)`, proxy);
  }
  checkIssuerName(proxy, issuer, role);
  const naming = appendedCommonName(proxy.subject, proxy.issuer);
  if ('error' in naming) {
    throw refuse(
      `the subject of the ${what} must be its issuer's subject plus one CN (RFC 3820 §3.4): ${naming.error}`,
      proxy,
    );
  }
  if (proxy.hasSubjectAltName || proxy.hasIssuerAltName) {
    throw refuse(`the ${what} must not have subjectAltName or issuerAltName (RFC 3820 §3.2, §3.5)`, proxy);
  }
  const { pathLen, policyLanguage } = marker.info;
  if (pathLen !== undefined && following > pathLen) {
    throw refuse(
      `the proxy path length constraint (${pathLen}) of the ${what} is exceeded (RFC 3820 §3.8, §4.1.4)`,
      proxy,
      `${following} proxy certificates follow it`,
    );
  }
  const policy = policyKind(policyLanguage);
  if (policy === 'independent') {
    throw refuse(
      `the ${what} is an independent proxy: it inherits no right of its issuer, so it cannot stand for the end-entity's identity (RFC 3820 §3.8)`,
      proxy,
    );
  }
  if (policy === 'restricted') {
    throw refuse(
      `the ${what} has a restricted policy (language ${policyLanguage}) that is not evaluated here (RFC 3820 §3.8, §5.5)`,
      proxy,
    );
  }
  if (policy === 'limited' && options.limitedProxies === 'refuse') {
    throw refuse(`the ${what} is a limited proxy; limited proxies are not accepted here`, proxy);
  }
  return {
    dn: proxy.subject.rfc4514,
    policy,
    ...(pathLen === undefined ? {} : { pathLen }),
    form: marker.form,
  };
}

// ------------------------------------------------------------------------------ entry point

/**
 * Validates a client certificate chain (DER, leaf first, as presented by the TLS peer or a header)
 * against the trust anchors. Returns the identity, or throws `TwitcherError('invalid_certificate')`
 * whose description names the rule broken.
 */
export function validateClientChain(
  chain: readonly Buffer[],
  anchors: TrustAnchors,
  options: ValidateChainOptions = {},
): ValidatedIdentity {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const skewMs = (options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS) * 1000;
  const now = (options.now ?? new Date()).getTime();
  const proxyOptions: ProxyOptions = {
    legacyProxies: options.legacyProxies ?? 'refuse',
    limitedProxies: options.limitedProxies ?? 'accept',
  };
  if (chain.length === 0) throw refuse('no client certificate was presented');
  // a client may append the root; anything longer cannot fit the depth (checked before any parsing)
  if (chain.length > maxDepth + 1) {
    throw refuse(
      `the certificate chain is longer than the maximum depth (${maxDepth})`,
      undefined,
      `${chain.length} certificates`,
    );
  }
  const certs = chain.map((der, i) => parseAt(der, i, chain.length));

  // RFC 3820 §4.1: the path is anchor → CA … → EEC → proxy … → leaf; the proxies come first.
  let eecIndex = 0;
  while (eecIndex < certs.length && certs[eecIndex]?.proxy) eecIndex++;
  const proxies = certs.slice(0, eecIndex);
  const roles = new Map<ParsedCertificate, string>();
  for (const [i, p] of proxies.entries()) {
    roles.set(
      p,
      proxies.length === 1 ? 'proxy certificate' : `proxy certificate ${i + 1} of ${proxies.length}`,
    );
  }
  const role: Role = (cert) => roles.get(cert) ?? 'intermediate CA certificate';

  const eec = certs[eecIndex];
  if (!eec) {
    const last = proxies[proxies.length - 1] as ParsedCertificate;
    if (issuingAnchor(last, anchors)) {
      throw refuse(
        `the ${role(last)} is issued by a CA; a proxy's issuer must be an end-entity or proxy certificate (RFC 3820 §3.1)`,
        last,
      );
    }
    throw refuse(
      `the end-entity certificate that issued the ${role(last)} is missing from the chain (RFC 3820 §4.1)`,
      last,
    );
  }
  roles.set(eec, proxies.length === 0 ? 'client certificate' : 'end-entity certificate');
  if (eec.basicConstraints?.ca) {
    const child = proxies[proxies.length - 1];
    if (child) {
      throw refuse(
        `the ${role(child)} is issued by a CA; a proxy's issuer must be an end-entity or proxy certificate (RFC 3820 §3.1)`,
        child,
      );
    }
    throw refuse('a CA certificate cannot be used as a client certificate (RFC 5280 §4.2.1.9)', eec);
  }

  const { cas, anchor } = caPath(
    eec,
    certs.slice(eecIndex + 1),
    anchors,
    maxDepth - proxies.length - 1,
    role,
  );
  roles.set(anchor, 'trust anchor');
  const path = [...proxies, eec, ...cas]; // leaf first
  if (path.length > maxDepth) {
    throw refuse(
      `the certificate chain is longer than the maximum depth (${maxDepth})`,
      undefined,
      `${path.length} certificates`,
    );
  }

  // RFC 5280 §6.1.3 / §6.1.4, from the anchor down to the leaf
  checkValidity(anchor, now, skewMs, role);
  checkCAs(cas, anchor, role);
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as ParsedCertificate;
    const issuer = path[i + 1] ?? anchor;
    if (i < eecIndex) {
      if (!signedBy(cert, issuer)) {
        throw refuse(
          `the signature of the ${role(cert)} does not verify with its issuer's key (RFC 5280 §6.1.3(a)(1))`,
          cert,
        );
      }
    }
    checkValidity(cert, now, skewMs, role);
    checkCriticalExtensions(cert, role);
  }
  checkClientAuth(eec, role);
  const validated: ValidatedProxy[] = [];
  for (let i = eecIndex - 1; i >= 0; i--) {
    const proxy = path[i] as ParsedCertificate;
    validated.unshift(checkProxy(proxy, path[i + 1] as ParsedCertificate, i, proxyOptions, role));
    checkClientAuth(proxy, role);
  }

  let notAfter = anchor.notAfter;
  for (const cert of path) if (cert.notAfter < notAfter) notAfter = cert.notAfter;
  return {
    subjectDN: eec.subject.rfc4514,
    subjectDNLegacy: eec.subject.legacy,
    issuerDN: eec.issuer.rfc4514,
    anchorDN: anchor.subject.rfc4514,
    eec: eec.node,
    proxies: validated,
    limited: validated.some((p) => p.policy === 'limited'),
    notAfter,
    chain: path.map((c) => c.der),
  };
}
