/**
 * Certificates out of text: a PEM file (RFC 7468) such as a MyProxy / grid-proxy-init proxy file
 * (proxy certificate, private key, EEC), and nginx's `$ssl_client_escaped_cert` header value
 * (the client certificate chain as URL-encoded PEM).
 */
import { invalidCertificate } from './invalid-certificate.js';

// RFC 7468 §2: encapsulation boundaries; any label is matched so other blocks (keys) are skipped.
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
// RFC 7468 §3: base64 with whitespace anywhere between characters, '=' padding at the end only.
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);

/** One PEM block: its BEGIN and END labels (the caller decides what differing ones mean) and its base64. */
export interface PEMBlock {
  label: string;
  endLabel: string;
  /** The body without white space (not checked: see isBase64Body). */
  base64: string;
}

/** The PEM blocks of `text`, in order (RFC 7468 §2). */
export function pemBlocks(text: string): PEMBlock[] {
  return [...text.matchAll(BLOCK)].map(([, label = '', body = '', endLabel = '']) => ({
    label,
    endLabel,
    base64: body.replace(/\s+/g, ''),
  }));
}

/** Whether `base64` (white space removed) is a well-formed, non-empty base64 body (RFC 7468 §3). */
export function isBase64Body(base64: string): boolean {
  return base64.length > 0 && base64.length % 4 === 0 && BASE64_BODY.test(base64);
}

/**
 * Every CERTIFICATE block of `text`, in order, as DER. Private keys and other blocks are skipped.
 * A certificate block that is not valid base64, or text with no certificate at all, is refused
 * (`invalid_certificate`). The DER itself is checked later, by the validator.
 */
export function parsePEMChain(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const { label, endLabel, base64 } of pemBlocks(text)) {
    if (label !== endLabel)
      throw invalidCertificate('malformed PEM: BEGIN and END labels differ', `${label} / ${endLabel}`);
    if (!CERTIFICATE_LABELS.has(label)) continue;
    if (!isBase64Body(base64)) {
      throw invalidCertificate(`malformed PEM: certificate ${out.length + 1} is not valid base64`);
    }
    out.push(Buffer.from(base64, 'base64'));
  }
  if (out.length === 0) throw invalidCertificate('no PEM certificate found');
  return out;
}

/**
 * The chain in a header set by a TLS-terminating proxy: nginx's `$ssl_client_escaped_cert`
 * (URL-encoded PEM, leaf first; several certificates when nginx forwards a chain). The
 * tab-folded PEM of the deprecated `$ssl_client_cert` is accepted too.
 */
export function parseHeaderCertificate(value: string): Buffer[] {
  const trimmed = value.trim();
  if (trimmed === '') throw invalidCertificate('empty client certificate header');
  let text: string;
  try {
    text = decodeURIComponent(trimmed);
  } catch (err) {
    throw invalidCertificate('client certificate header is not URL-encoded PEM', (err as Error).message);
  }
  return parsePEMChain(text);
}

/** DER as one PEM block (RFC 7468: base64 in lines of 64 characters) with a final newline. */
export function toPEM(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}
