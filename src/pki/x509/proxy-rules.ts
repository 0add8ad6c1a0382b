/**
 * The RFC 3820 rules for one proxy certificate of a client chain (§3 profile, §4.1 path rules), and
 * what each proxy policy language allows (validate-chain.ts says why).
 */
import type { ParsedCertificate, ProxyForm } from './certificate.js';
import { KEY_USAGE } from './certificate.js';
import { checkIssuerName, type Role, refuse } from './chain-rules.js';
import { appendedCommonName } from './dn/index.js';
import { type ProxyPolicyKind, policyKind } from './proxy-cert-info.js';

/** One proxy of a validated chain. */
export interface ValidatedProxy {
  /** The proxy's subject, RFC 4514. */
  dn: string;
  policy: ProxyPolicyKind;
  /** pCPathLenConstraint, when the proxy has one. */
  pathLen?: number;
  form: ProxyForm;
}

/** What validateClientChain accepts of legacy and limited proxies. */
export interface ProxyOptions {
  legacyProxies: 'accept' | 'refuse';
  limitedProxies: 'accept' | 'refuse';
}

/** RFC 3820 §3 profile and §4.1 path rules for one proxy; `following` = proxies after it (leafwards). */
export function checkProxy(
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
