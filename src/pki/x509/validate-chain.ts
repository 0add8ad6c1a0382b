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
import { CertificateParseError, type ParsedCertificate, parseCertificate, signedBy } from './certificate.js';
import {
  caPath,
  checkCAs,
  checkClientAuth,
  checkCriticalExtensions,
  checkValidity,
  issuingAnchor,
  type Role,
  refuse,
} from './chain-rules.js';
import { invalidCertificate } from './invalid-certificate.js';
import { checkProxy, type ProxyOptions, type ValidatedProxy } from './proxy-rules.js';
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

/** The path split at the end-entity certificate, with the role of each certificate for messages. */
interface SplitChain {
  proxies: ParsedCertificate[];
  eec: ParsedCertificate;
  /** The rest of the presented chain: candidate CA certificates, any order. */
  presented: ParsedCertificate[];
  roles: Map<ParsedCertificate, string>;
  role: Role;
}

/** RFC 3820 §4.1: the path is anchor → CA … → EEC → proxy … → leaf; the proxies come first. */
function splitAtEEC(certs: ParsedCertificate[], anchors: TrustAnchors): SplitChain {
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
  return { proxies, eec, presented: certs.slice(eecIndex + 1), roles, role };
}

/**
 * RFC 5280 §6.1.3 / §6.1.4 from the anchor down to the leaf (`path` leaf first, without the anchor),
 * then the RFC 3820 rules of each proxy; returns the validated proxies, leaf first.
 */
function checkPath(
  path: readonly ParsedCertificate[],
  anchor: ParsedCertificate,
  split: SplitChain,
  timing: { now: number; skewMs: number },
  proxyOptions: ProxyOptions,
): ValidatedProxy[] {
  const { role, eec, proxies } = split;
  const eecIndex = proxies.length;
  checkValidity(anchor, timing.now, timing.skewMs, role);
  checkCAs(path.slice(eecIndex + 1), anchor, role);
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as ParsedCertificate;
    const issuer = path[i + 1] ?? anchor;
    if (i < eecIndex && !signedBy(cert, issuer)) {
      throw refuse(
        `the signature of the ${role(cert)} does not verify with its issuer's key (RFC 5280 §6.1.3(a)(1))`,
        cert,
      );
    }
    checkValidity(cert, timing.now, timing.skewMs, role);
    checkCriticalExtensions(cert, role);
  }
  checkClientAuth(eec, role);
  const validated: ValidatedProxy[] = [];
  for (let i = eecIndex - 1; i >= 0; i--) {
    const proxy = path[i] as ParsedCertificate;
    validated.unshift(checkProxy(proxy, path[i + 1] as ParsedCertificate, i, proxyOptions, role));
    checkClientAuth(proxy, role);
  }
  return validated;
}

function tooDeep(maxDepth: number, count: number): TwitcherError {
  return refuse(
    `the certificate chain is longer than the maximum depth (${maxDepth})`,
    undefined,
    `${count} certificates`,
  );
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
  const timing = {
    now: (options.now ?? new Date()).getTime(),
    skewMs: (options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS) * 1000,
  };
  const proxyOptions: ProxyOptions = {
    legacyProxies: options.legacyProxies ?? 'refuse',
    limitedProxies: options.limitedProxies ?? 'accept',
  };
  if (chain.length === 0) throw refuse('no client certificate was presented');
  // a client may append the root; anything longer cannot fit the depth (checked before any parsing)
  if (chain.length > maxDepth + 1) throw tooDeep(maxDepth, chain.length);
  const certs = chain.map((der, i) => parseAt(der, i, chain.length));

  const split = splitAtEEC(certs, anchors);
  const { proxies, eec } = split;
  const { cas, anchor } = caPath(eec, split.presented, anchors, maxDepth - proxies.length - 1, split.role);
  split.roles.set(anchor, 'trust anchor');
  const path = [...proxies, eec, ...cas]; // leaf first
  if (path.length > maxDepth) throw tooDeep(maxDepth, path.length);
  const validated = checkPath(path, anchor, split, timing, proxyOptions);

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
