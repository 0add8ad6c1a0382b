/**
 * The built-in online CA of the certificate service (MyProxyWebService / OnlineCA style): one CA key
 * and self-signed CA certificate, and `issue()` making short-lived end-entity certificates for
 * authenticated users from their PKCS #10 requests.
 *
 * Key and certificate: either configured (`keyFile` + `certFile`, never modified), or kept in `dir`
 * as `ca-key.pem` (PKCS #8, file mode 0600) and `ca-cert.pem`, created on first use. Creation is safe
 * when several processes (cluster workers) start at once: one creates under an exclusive lock file,
 * the others wait for the certificate to appear.
 *
 * Default key: EC P-256 (ECDSA with SHA-256). Issuing is dominated by the one signature with the CA
 * key, and a P-256 signature costs a small fraction of an RSA 3072 one: measured on the 2-core
 * development machine, one core, RSA-2048 requests parsed and checked each time (test/pki/ca/ca.test.ts
 * "issuing rate"): about 1,700 certificates/s with the P-256 CA against about 380/s with RSA 3072.
 * `keyType: 'rsa-3072'` is there for relying parties that cannot verify ECDSA signatures; a
 * configured RSA, P-256, P-384 or P-521 key works too.
 *
 * Issued certificate profile (RFC 5280; like MyProxy's CA defaults): v3, random positive 128-bit
 * serial (given by the caller, who records it), issuer = the CA subject byte for byte,
 * notBefore = now - 5 min (clock skew), notAfter = now + lifetime (never past the CA's notAfter),
 * subject = the given DN (the request's subject is ignored), the request's public key, and
 *   keyUsage (critical)          digitalSignature, keyEncipherment (RSA keys) or
 *                                digitalSignature, keyAgreement (EC keys: RFC 5480 §3 forbids keyEncipherment)
 *   extendedKeyUsage             clientAuth
 *   basicConstraints (critical)  cA FALSE
 *   subjectKeyIdentifier         SHA-1 of the public key; authorityKeyIdentifier = the CA's SKI.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TwitcherError } from '../../errors.js';
import { DNSyntaxError, dnKey, encodeDN, nameFromDER, opensslNameHash } from '../x509/dn/index.js';
import { OID_KP_CLIENT_AUTH } from '../x509/oids.js';
import * as x509 from '../x509/peculiar-x509.js';
import { toPEM } from '../x509/pem.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificateParts,
  extKeyUsageExtension,
  KU,
  keyIdentifier,
  keyUsageExtension,
  randomSerial,
  type SignatureScheme,
  signatureSchemeFor,
  signCertificate,
  subjectKeyIdentifierExtension,
} from './certificate.js';
import type { ParsedCSR } from './csr.js';

export type CAKeyType = 'ec-p256' | 'rsa-3072';

export const DEFAULT_CA_SUBJECT = 'CN=Twitcher Online CA,O=Twitcher';
export const CA_KEY_FILE = 'ca-key.pem';
export const CA_CERT_FILE = 'ca-cert.pem';
const LOCK_FILE = '.ca-create.lock';
/** notBefore is backdated by this much (MyProxy's CA does the same), for clients with slow clocks. */
export const BACKDATE_SECONDS = 5 * 60;

export interface OpenCertificateAuthorityOptions {
  /** Directory holding ca-key.pem and ca-cert.pem, created with both on first use. */
  dir?: string;
  /** A configured key (PEM or DER; PKCS #8, PKCS #1 or SEC 1); needs `certFile`. Never modified. */
  keyFile?: string;
  certFile?: string;
  /** Passphrase of an encrypted configured key. */
  keyPassphrase?: string;
  /** Subject of a CA created here (RFC 4514 or /one/line form). Default `CN=Twitcher Online CA,O=Twitcher`. */
  subjectDN?: string;
  /** Key of a CA created here. Default 'ec-p256'. */
  keyType?: CAKeyType;
  /** Validity of a CA certificate created here, in days. Default 3650. */
  validityDays?: number;
  /**
   * The subjects this CA issues, for the Globus signing_policy file (`cond_subjects`), as DNs
   * (e.g. the user base DN `OU=Users,O=Twitcher`): each becomes the pattern `/O=Twitcher/OU=Users/*`.
   * Default: any subject (`*`).
   */
  issuedSubjectBases?: string[];
  /** How long to wait for another process creating the CA. Default 15 s. */
  createWaitMs?: number;
}

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

function configError(description: string, cause?: unknown): TwitcherError {
  return new TwitcherError('internal_error', {
    description: `online CA: ${description}`,
    ...(cause === undefined ? {} : { cause, detail: (cause as Error)?.message }),
  });
}

const exists = (path: string): boolean => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};

function createCA(opts: OpenCertificateAuthorityOptions, keyFile: string, certFile: string): void {
  const keyType = opts.keyType ?? 'ec-p256';
  const { privateKey, publicKey } =
    keyType === 'rsa-3072'
      ? generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 65537 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subject = encodeDN(opts.subjectDN ?? DEFAULT_CA_SUBJECT);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = keyIdentifier(spki);
  const now = Date.now();
  const der = signCertificate(
    {
      serial: randomSerial(),
      issuer: subject,
      subject,
      spki,
      notBefore: new Date(now - BACKDATE_SECONDS * 1000),
      notAfter: new Date(now + (opts.validityDays ?? 3650) * 86400_000),
      extensions: [
        basicConstraintsExtension(true, 0),
        keyUsageExtension([KU.keyCertSign, KU.cRLSign]),
        subjectKeyIdentifierExtension(keyId),
        authorityKeyIdentifierExtension(keyId),
      ],
    },
    privateKey,
    signatureSchemeFor(privateKey),
  );
  const suffix = `.tmp-${process.pid}`;
  writeFileSync(keyFile + suffix, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
    flag: 'wx',
  });
  writeFileSync(certFile + suffix, toPEM(der), { mode: 0o644, flag: 'wx' });
  // the certificate appears last: its presence means the pair is complete
  renameSync(keyFile + suffix, keyFile);
  renameSync(certFile + suffix, certFile);
}

/** Creates the CA in `dir` unless it exists; exactly one process creates it. Returns whether this one did. */
async function ensureCreated(
  opts: OpenCertificateAuthorityOptions,
  dir: string,
  keyFile: string,
  certFile: string,
) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, LOCK_FILE);
  const deadline = Date.now() + (opts.createWaitMs ?? 15_000);
  for (;;) {
    if (exists(certFile) && !exists(lock)) return false;
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw configError(`cannot create ${lock}`, err);
    }
    if (fd !== undefined) {
      try {
        if (exists(certFile)) return false;
        if (exists(keyFile)) {
          throw configError(`${keyFile} exists without ${certFile}: remove it or restore the certificate`);
        }
        createCA(opts, keyFile, certFile);
        return true;
      } finally {
        closeSync(fd);
        unlinkSync(lock);
      }
    }
    if (Date.now() > deadline) {
      throw configError(`timed out waiting for another process to create the CA (stale ${lock}? remove it)`);
    }
    await sleep(50);
  }
}

function loadCertificate(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw configError(`cannot read the CA certificate ${path}`, err);
  }
  const text = raw.toString('latin1');
  if (!text.includes('-----BEGIN')) return raw;
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  if (!m) throw configError(`no PEM certificate in ${path}`);
  return Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64');
}

function loadKey(path: string, passphrase: string | undefined, warnings: string[]): KeyObject {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
    if ((statSync(path).mode & 0o077) !== 0) {
      warnings.push(`CA key ${path} is accessible by group or others (chmod 600)`);
    }
  } catch (err) {
    throw configError(`cannot read the CA key ${path}`, err);
  }
  try {
    const isPem = raw.includes('-----BEGIN');
    return createPrivateKey(
      isPem
        ? { key: raw, format: 'pem', ...(passphrase === undefined ? {} : { passphrase }) }
        : { key: raw, format: 'der', type: 'pkcs8', ...(passphrase === undefined ? {} : { passphrase }) },
    );
  } catch (err) {
    throw configError(`cannot load the CA key ${path} (wrong passphrase or format?)`, err);
  }
}

/** Opens (and on first use creates) the online CA. */
export async function openCertificateAuthority(
  opts: OpenCertificateAuthorityOptions,
): Promise<CertificateAuthority> {
  const configured = opts.keyFile !== undefined || opts.certFile !== undefined;
  if (configured && (!opts.keyFile || !opts.certFile)) throw configError('keyFile and certFile go together');
  if (!configured && !opts.dir) throw configError('either dir or keyFile + certFile is required');
  const keyFile = opts.keyFile ?? join(opts.dir as string, CA_KEY_FILE);
  const certFile = opts.certFile ?? join(opts.dir as string, CA_CERT_FILE);
  if (opts.subjectDN !== undefined) {
    try {
      encodeDN(opts.subjectDN);
    } catch (err) {
      throw configError(`bad subjectDN '${opts.subjectDN}': ${(err as Error).message}`, err);
    }
  }
  const created = configured ? false : await ensureCreated(opts, opts.dir as string, keyFile, certFile);

  const warnings: string[] = [];
  const key = loadKey(keyFile, opts.keyPassphrase, warnings);
  const der = loadCertificate(certFile);
  let cert: X509Certificate;
  let parts: { subject: Buffer; spki: Buffer };
  try {
    cert = new X509Certificate(der);
    parts = certificateParts(der);
  } catch (err) {
    throw configError(`${certFile} is not a certificate`, err);
  }
  const scheme: SignatureScheme = (() => {
    try {
      return signatureSchemeFor(key);
    } catch (err) {
      throw configError((err as Error).message, err);
    }
  })();
  if (!createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(parts.spki)) {
    throw configError(`the key ${keyFile} does not belong to the certificate ${certFile}`);
  }
  if (!cert.ca) throw configError(`${certFile} is not a CA certificate (basicConstraints cA is not TRUE)`);
  const peculiar = new x509.X509Certificate(der);
  const ku = peculiar.getExtension(x509.KeyUsagesExtension);
  if (ku && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw configError(`${certFile} may not sign certificates (keyUsage without keyCertSign)`);
  }
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= Date.now()) {
    throw configError(`the CA certificate ${certFile} expired on ${cert.validTo}`);
  }
  const skiHex = peculiar.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const caKeyId = skiHex ? Buffer.from(skiHex, 'hex') : keyIdentifier(parts.spki);
  if (opts.subjectDN !== undefined && dnKey(opts.subjectDN) !== nameFromDER(parts.subject).key) {
    warnings.push(
      `configured subjectDN '${opts.subjectDN}' differs from the existing CA certificate's subject`,
    );
  }

  const caSubject = parts.subject;
  const caNotAfterMs = notAfter.getTime();
  const caName = nameFromDER(caSubject);
  const subjectHash = opensslNameHash(caSubject);
  const pem = toPEM(der);
  const policy = signingPolicy(caName.legacy, opts.issuedSubjectBases);

  function issue(request: IssueRequest): Buffer {
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
    let subject: Buffer;
    try {
      subject = encodeDN(request.subjectDN);
    } catch (err) {
      if (!(err instanceof DNSyntaxError)) throw err;
      throw new TwitcherError('invalid_request', { description: `bad certificate subject: ${err.message}` });
    }
    if (subject.length <= 2) {
      throw new TwitcherError('invalid_request', { description: 'empty certificate subject' });
    }
    if (nameFromDER(subject).key === caName.key) {
      throw new TwitcherError('invalid_request', {
        description: 'certificate subject equals the CA subject',
      });
    }
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
  }

  return {
    certificate: { der, pem },
    subjectDN: caName.rfc4514,
    subjectHash,
    signatureAlgorithm: scheme.name,
    notAfter,
    keyFile,
    certFile,
    created,
    warnings,
    issue,
    trustRootFiles: () => [
      { name: `${subjectHash}.0`, data: Buffer.from(pem) },
      { name: `${subjectHash}.signing_policy`, data: Buffer.from(policy) },
    ],
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
