/**
 * Trust anchors (RFC 5280 §6.1.1(d)): the CA certificates a client chain must lead to, read once at
 * start from a PEM bundle and/or a directory such as /etc/grid-security/certificates, parsed once,
 * and indexed by subject so that matching an issuer is a map lookup.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateParseError, type ParsedCertificate, parseCertificate } from './certificate.js';
import { parsePEMChain } from './pem.js';

export interface TrustAnchors {
  readonly certificates: readonly ParsedCertificate[];
  /** By canonical subject key (dn/key.ts); several when a CA was re-keyed under the same name. */
  readonly bySubject: ReadonlyMap<string, readonly ParsedCertificate[]>;
  /** What was not loaded, and why (unreadable file, not a certificate, not a CA). */
  readonly skipped: readonly { readonly source: string; readonly reason: string }[];
}

export interface TrustAnchorSources {
  /** A PEM file of one or more CA certificates. */
  caFile?: string;
  /** A directory of CA certificates: `<hash>.N` files (OpenSSL -CApath, Globus), `*.pem`, `*.crt`. */
  caDir?: string;
}

/** The configuration names no usable trust anchor: refuse to start rather than refuse every client. */
export class TrustAnchorError extends Error {
  override readonly name = 'TrustAnchorError';
}

// OpenSSL c_rehash / Globus names (`<8 hex digits>.<n>`) and the usual certificate extensions;
// signing_policy, namespaces, CRLs (`.r0`), crl_url and info files are not certificates.
const CERTIFICATE_FILE = /^(?:[0-9a-f]{8}\.\d+|.+\.pem|.+\.crt)$/i;

interface Candidate {
  der: Buffer;
  source: string;
}

function certificatesOfFile(path: string, contents: Buffer): Candidate[] {
  const text = contents.toString('latin1');
  if (!text.includes('-----BEGIN')) return [{ der: contents, source: path }]; // a DER .crt
  return parsePEMChain(text).map((der, i) => ({ der, source: `${path}#${i + 1}` }));
}

/** Builds the anchor set from certificates already in memory (DER); non-CA certificates are skipped. */
export function createTrustAnchors(
  candidates: readonly (Buffer | Candidate)[],
  skipped: { source: string; reason: string }[] = [],
): TrustAnchors {
  const certificates: ParsedCertificate[] = [];
  const bySubject = new Map<string, ParsedCertificate[]>();
  const seen = new Set<string>();
  candidates.forEach((c, i) => {
    const { der, source } = Buffer.isBuffer(c) ? { der: c, source: `certificate ${i + 1}` } : c;
    let cert: ParsedCertificate;
    try {
      cert = parseCertificate(der);
    } catch (err) {
      if (!(err instanceof CertificateParseError)) throw err;
      skipped.push({ source, reason: err.message });
      return;
    }
    // RFC 5280 §4.2.1.9: only a certificate with cA=TRUE may issue certificates
    if (cert.basicConstraints?.ca !== true) {
      skipped.push({ source, reason: `not a CA certificate (${cert.subject.rfc4514})` });
      return;
    }
    if (seen.has(cert.fingerprint)) return; // symlinked or repeated file
    seen.add(cert.fingerprint);
    certificates.push(cert);
    const list = bySubject.get(cert.subject.key);
    if (list) list.push(cert);
    else bySubject.set(cert.subject.key, [cert]);
  });
  return { certificates, bySubject, skipped };
}

function readCandidates(path: string, skipped: { source: string; reason: string }[]): Candidate[] {
  try {
    return certificatesOfFile(path, readFileSync(path));
  } catch (err) {
    skipped.push({ source: path, reason: err instanceof Error ? err.message : String(err) });
    return [];
  }
}

/**
 * Reads the trust anchors. Files of the directory that cannot be read or hold no CA certificate are
 * skipped and listed in `skipped`; an unreadable `caFile`, an unreadable `caDir`, or no CA at all
 * throws TrustAnchorError.
 */
export function loadTrustAnchors(sources: TrustAnchorSources): TrustAnchors {
  const { caFile, caDir } = sources;
  if (!caFile && !caDir) throw new TrustAnchorError('no CA file and no CA directory given');
  const skipped: { source: string; reason: string }[] = [];
  const candidates: Candidate[] = [];
  if (caFile) {
    let contents: Buffer;
    try {
      contents = readFileSync(caFile);
    } catch (err) {
      throw new TrustAnchorError(`cannot read CA file ${caFile}: ${(err as Error).message}`);
    }
    try {
      candidates.push(...certificatesOfFile(caFile, contents));
    } catch (err) {
      throw new TrustAnchorError(`CA file ${caFile}: ${(err as Error).message}`);
    }
  }
  if (caDir) {
    let names: string[];
    try {
      names = readdirSync(caDir).sort();
    } catch (err) {
      throw new TrustAnchorError(`cannot read CA directory ${caDir}: ${(err as Error).message}`);
    }
    for (const name of names) {
      if (!CERTIFICATE_FILE.test(name)) continue;
      const path = join(caDir, name);
      try {
        if (!statSync(path).isFile()) continue; // follows symlinks, as OpenSSL does
      } catch (err) {
        skipped.push({ source: path, reason: (err as Error).message });
        continue;
      }
      candidates.push(...readCandidates(path, skipped));
    }
  }
  const anchors = createTrustAnchors(candidates, skipped);
  if (anchors.certificates.length === 0) {
    const why = skipped.map((s) => `${s.source}: ${s.reason}`).join('; ');
    throw new TrustAnchorError(`no CA certificate found${why ? ` (${why})` : ''}`);
  }
  return anchors;
}
