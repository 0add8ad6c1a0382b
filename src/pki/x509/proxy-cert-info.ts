/**
 * The proxyCertInfo extension of RFC 3820 §3.8, and its GSI-3 draft predecessor used by old Globus
 * toolkits. Decoded with the strict DER reader: a malformed value is an error, never "no constraint".
 */
import { DerError, readChildren, readOid, readSingle, readSmallUnsigned, TAG } from './der.js';
import { OID_GLOBUS_LIMITED_PROXY, OID_PPL_INDEPENDENT, OID_PPL_INHERIT_ALL } from './oids.js';

export interface ProxyCertInfo {
  /** pCPathLenConstraint: how many proxy certificates may follow this one (absent: unlimited). */
  readonly pathLen?: number;
  /** ProxyPolicy.policyLanguage. */
  readonly policyLanguage: string;
  /** ProxyPolicy.policy, when present (we never interpret it). */
  readonly policy?: Uint8Array;
}

/**
 * What a proxy's policy language grants (RFC 3820 §3.8, §5.5; Globus for "limited"):
 * - inheritAll: every right of its issuer (impersonation);
 * - independent: no right of its issuer (a new identity that is not the EEC's);
 * - limited: the issuer's identity, but Globus services refuse it for job submission;
 * - restricted: any other language, whose policy we do not evaluate.
 */
export type ProxyPolicyKind = 'inheritAll' | 'independent' | 'limited' | 'restricted';

export function policyKind(policyLanguage: string): ProxyPolicyKind {
  switch (policyLanguage) {
    case OID_PPL_INHERIT_ALL:
      return 'inheritAll';
    case OID_PPL_INDEPENDENT:
      return 'independent';
    case OID_GLOBUS_LIMITED_PROXY:
      return 'limited';
    default:
      return 'restricted';
  }
}

/** ProxyPolicy ::= SEQUENCE { policyLanguage OBJECT IDENTIFIER, policy OCTET STRING OPTIONAL } */
function decodeProxyPolicy(contents: Uint8Array): { policyLanguage: string; policy?: Uint8Array } {
  const [language, policy, ...extra] = readChildren(contents);
  if (!language || language.tag !== TAG.OID) throw new DerError('ProxyPolicy: policyLanguage missing');
  if (extra.length > 0) throw new DerError('ProxyPolicy: unexpected elements');
  if (policy && policy.tag !== TAG.OCTET_STRING)
    throw new DerError('ProxyPolicy: policy is not an OCTET STRING');
  const policyLanguage = readOid(language);
  return policy ? { policyLanguage, policy: policy.value } : { policyLanguage };
}

/**
 * RFC 3820 §3.8: ProxyCertInfo ::= SEQUENCE { pCPathLenConstraint INTEGER (0..MAX) OPTIONAL,
 * proxyPolicy ProxyPolicy }. `gsi3` also accepts the draft order used under 1.3.6.1.4.1.3536.1.222:
 * SEQUENCE { proxyPolicy ProxyPolicy, pCPathLenConstraint [1] EXPLICIT INTEGER OPTIONAL }.
 * Throws DerError when malformed.
 */
export function decodeProxyCertInfo(extnValue: Uint8Array, form: 'rfc3820' | 'gsi3'): ProxyCertInfo {
  const outer = readSingle(extnValue, TAG.SEQUENCE);
  const children = readChildren(outer.value);
  const [first, second, ...extra] = children;
  if (!first || extra.length > 0) throw new DerError('ProxyCertInfo: wrong number of elements');
  if (first.tag === TAG.INTEGER) {
    if (!second || second.tag !== TAG.SEQUENCE) throw new DerError('ProxyCertInfo: proxyPolicy missing');
    return { pathLen: readSmallUnsigned(first), ...decodeProxyPolicy(second.value) };
  }
  if (first.tag !== TAG.SEQUENCE) throw new DerError('ProxyCertInfo: unexpected element');
  const policy = decodeProxyPolicy(first.value);
  if (!second) return policy;
  if (form !== 'gsi3' || second.tag !== 0xa1)
    throw new DerError('ProxyCertInfo: unexpected element after proxyPolicy');
  const inner = readSingle(second.value, TAG.INTEGER);
  return { pathLen: readSmallUnsigned(inner), ...policy };
}
