import { TwitcherError } from '../../errors.js';
import { DNSyntaxError, encodeDN, nameFromDER, opensslNameHash } from '../x509/dn/index.js';
import { OID_KP_CLIENT_AUTH } from '../x509/oids.js';
import { toPEM } from '../x509/pem.js';
import { BACKDATE_SECONDS, type LoadedCA, loadCA, type OpenCertificateAuthorityOptions } from './ca-files.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  KU,
  keyIdentifier,
  keyUsageExtension,
  signCertificate,
  subjectKeyIdentifierExtension,
} from './certificate.js';
import type { ParsedCSR } from './csr.js';

export interface IssueRequest {
  /** The checked request (parseCertificateRequest); only its public key is used. */
  csr: Pick<ParsedCSR, 'spki' | 'keyType'>;
  /** The subject, RFC 4514 or /one/line form (build it with userSubjectDN). */
  subjectDN: string;
  lifetimeSeconds: number;
  /** Positive, at most 159 bits; the caller makes it unique (randomSerial() + the store). */
  serial: bigint;
  /** Issuing time; default now. */
  now?: Date;
}

export interface TrustRootFile {
  /** `<hash>.0`, `<hash>.signing_policy` */
  name: string;
  data: Buffer;
}

export interface CertificateAuthority {
  certificate: { der: Buffer; pem: string };
  /** RFC 4514 form of the CA subject. */
  subjectDN: string;
  /** OpenSSL subject_hash of the CA certificate (the `<hash>` of `<hash>.0`). */
  subjectHash: string;
  /** e.g. `ecdsa-with-SHA256`. */
  signatureAlgorithm: string;
  notAfter: Date;
  keyFile: string;
  certFile: string;
  /** True when this call created the key and certificate. */
  created: boolean;
  /** Non-fatal findings (key file readable by others, configured subject differing, ...). */
  warnings: string[];
  /** Issues an end-entity certificate (DER). Synchronous: one signature. */
  issue(request: IssueRequest): Buffer;
  /** The CA certificate as `<hash>.0` (PEM) plus the Globus `<hash>.signing_policy`. */
  trustRootFiles(): TrustRootFile[];
}

/** Opens (and on first use creates) the online CA. */
export async function openCertificateAuthority(
  opts: OpenCertificateAuthorityOptions,
): Promise<CertificateAuthority> {
  const ca = await loadCA(opts);
  const caName = nameFromDER(ca.subject);
  const subjectHash = opensslNameHash(ca.subject);
  const pem = toPEM(ca.der);
  const policy = signingPolicy(caName.legacy, opts.issuedSubjectBases);
  return {
    certificate: { der: ca.der, pem },
    subjectDN: caName.rfc4514,
    subjectHash,
    signatureAlgorithm: ca.scheme.name,
    notAfter: ca.notAfter,
    keyFile: ca.keyFile,
    certFile: ca.certFile,
    created: ca.created,
    warnings: ca.warnings,
    issue: issuer(ca, caName.key),
    trustRootFiles: () => [
      { name: `${subjectHash}.0`, data: Buffer.from(pem) },
      { name: `${subjectHash}.signing_policy`, data: Buffer.from(policy) },
    ],
  };
}

/** The subject of an issue request, DER; refused when it does not parse, is empty, or is the CA's own. */
function requestedSubject(subjectDN: string, caKey: string): Buffer {
  let subject: Buffer;
  try {
    subject = encodeDN(subjectDN);
  } catch (err) {
    if (!(err instanceof DNSyntaxError)) throw err;
    throw new TwitcherError('invalid_request', { description: `bad certificate subject: ${err.message}` });
  }
  if (subject.length <= 2) {
    throw new TwitcherError('invalid_request', { description: 'empty certificate subject' });
  }
  if (nameFromDER(subject).key === caKey) {
    throw new TwitcherError('invalid_request', {
      description: 'certificate subject equals the CA subject',
    });
  }
  return subject;
}

/** `issue()` of a loaded CA whose subject has the canonical key `caKey`. */
function issuer(ca: LoadedCA, caKey: string): (request: IssueRequest) => Buffer {
  const { key, scheme } = ca;
  const caSubject = ca.subject;
  const caKeyId = ca.keyId;
  const caNotAfterMs = ca.notAfter.getTime();
  return function issue(request: IssueRequest): Buffer {
    const { csr, lifetimeSeconds, serial } = request;
    if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
      throw new TwitcherError('invalid_request', {
        description: 'certificate lifetime must be a positive number of seconds',
      });
    }
    if (typeof serial !== 'bigint' || serial <= 0n || serial >= 1n << 159n) {
      throw new TwitcherError('invalid_request', {
        description: 'serial must be positive and at most 159 bits',
      });
    }
    const subject = requestedSubject(request.subjectDN, caKey);
    const now = request.now?.getTime() ?? Date.now();
    const notAfterMs = Math.min(now + lifetimeSeconds * 1000, caNotAfterMs);
    return signCertificate(
      {
        serial,
        issuer: caSubject,
        subject,
        spki: csr.spki,
        notBefore: new Date(now - BACKDATE_SECONDS * 1000),
        notAfter: new Date(notAfterMs),
        extensions: [
          keyUsageExtension(
            csr.keyType === 'ec'
              ? [KU.digitalSignature, KU.keyAgreement]
              : [KU.digitalSignature, KU.keyEncipherment],
          ),
          extKeyUsageExtension([OID_KP_CLIENT_AUTH]),
          basicConstraintsExtension(false),
          subjectKeyIdentifierExtension(keyIdentifier(csr.spki)),
          authorityKeyIdentifierExtension(caKeyId),
        ],
      },
      key,
      scheme,
    );
  };
}

/**
 * Globus EACL signing policy (what /etc/grid-security/certificates/<hash>.signing_policy holds):
 * Globus clients (myproxy-logon, grid-proxy-*) refuse a CA without one.
 */
function signingPolicy(caOneLine: string, bases: string[] | undefined): string {
  const patterns = (bases && bases.length > 0 ? bases : ['*']).map((b) => {
    if (b === '*') return '"*"';
    const one = nameFromDER(encodeDN(b)).legacy;
    return `"${one}/*"`;
  });
  return [
    `# Globus signing policy of the Twitcher online CA ${caOneLine}`,
    `access_id_CA X509 '${caOneLine}'`,
    'pos_rights globus CA:sign',
    `cond_subjects globus '${patterns.join(' ')}'`,
    '',
  ].join('\n');
}
