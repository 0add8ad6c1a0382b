/**
 * The online CA's key and certificate files: either configured (`keyFile` + `certFile`, never
 * modified), or kept in `dir` as `ca-key.pem` (PKCS #8, file mode 0600) and `ca-cert.pem`, created on
 * first use. Creation is safe when several processes (cluster workers) start at once: one creates
 * under an exclusive lock file, the others wait for the certificate to appear. Loading checks that
 * the pair is a usable CA (key matches, cA TRUE, keyCertSign, not expired).
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
import { dnKey, encodeDN, nameFromDER } from '../x509/dn/index.js';
import * as x509 from '../x509/peculiar-x509.js';
import { parsePEMChain, toPEM } from '../x509/pem.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  certificateParts,
  KU,
  keyIdentifier,
  keyUsageExtension,
  randomSerial,
  type SignatureScheme,
  signatureSchemeFor,
  signCertificate,
  subjectKeyIdentifierExtension,
} from './certificate.js';

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

/** A configuration problem of the online CA (500: the deployment is wrong, not the request). */
export function configError(description: string, cause?: unknown): TwitcherError {
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
  try {
    return parsePEMChain(text)[0] as Buffer;
  } catch (err) {
    throw configError(`no PEM certificate in ${path}`, err);
  }
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

/** The CA key and certificate, loaded and checked. */
export interface LoadedCA {
  key: KeyObject;
  scheme: SignatureScheme;
  der: Buffer;
  /** The certificate's subject, DER, byte for byte. */
  subject: Buffer;
  notAfter: Date;
  /** The CA's key identifier (its subjectKeyIdentifier, or computed). */
  keyId: Buffer;
  keyFile: string;
  certFile: string;
  created: boolean;
  warnings: string[];
}

function caFiles(opts: OpenCertificateAuthorityOptions): { keyFile: string; certFile: string; dir?: string } {
  const configured = opts.keyFile !== undefined || opts.certFile !== undefined;
  if (configured && (!opts.keyFile || !opts.certFile)) throw configError('keyFile and certFile go together');
  if (configured) return { keyFile: opts.keyFile as string, certFile: opts.certFile as string };
  if (!opts.dir) throw configError('either dir or keyFile + certFile is required');
  return { keyFile: join(opts.dir, CA_KEY_FILE), certFile: join(opts.dir, CA_CERT_FILE), dir: opts.dir };
}

/** Checks that `der` is a CA certificate `key` can act for; returns what issuing needs of it. */
function checkCACertificate(key: KeyObject, der: Buffer, keyFile: string, certFile: string) {
  let cert: X509Certificate;
  let parts: { subject: Buffer; spki: Buffer };
  try {
    cert = new X509Certificate(der);
    parts = certificateParts(der);
  } catch (err) {
    throw configError(`${certFile} is not a certificate`, err);
  }
  let scheme: SignatureScheme;
  try {
    scheme = signatureSchemeFor(key);
  } catch (err) {
    throw configError((err as Error).message, err);
  }
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
  const keyId = skiHex ? Buffer.from(skiHex, 'hex') : keyIdentifier(parts.spki);
  return { scheme, subject: parts.subject, notAfter, keyId };
}

/** Loads (and on first use creates) the CA key and certificate, and checks them. */
export async function loadCA(opts: OpenCertificateAuthorityOptions): Promise<LoadedCA> {
  const { keyFile, certFile, dir } = caFiles(opts);
  if (opts.subjectDN !== undefined) {
    try {
      encodeDN(opts.subjectDN);
    } catch (err) {
      throw configError(`bad subjectDN '${opts.subjectDN}': ${(err as Error).message}`, err);
    }
  }
  const created = dir === undefined ? false : await ensureCreated(opts, dir, keyFile, certFile);
  const warnings: string[] = [];
  const key = loadKey(keyFile, opts.keyPassphrase, warnings);
  const der = loadCertificate(certFile);
  const checked = checkCACertificate(key, der, keyFile, certFile);
  if (opts.subjectDN !== undefined && dnKey(opts.subjectDN) !== nameFromDER(checked.subject).key) {
    warnings.push(
      `configured subjectDN '${opts.subjectDN}' differs from the existing CA certificate's subject`,
    );
  }
  return { key, der, ...checked, keyFile, certFile, created, warnings };
}
