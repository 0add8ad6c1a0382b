/**
 * A certificate factory for tests: CAs, intermediate CAs, end-entity certificates and RFC 3820 proxy
 * certificates (and legacy GSI-3 / GT2 ones) with chosen extensions, made with @peculiar/x509 and
 * node's webcrypto keys (EC P-256 by default, RSA 2048 on request). Names are given in certificate
 * (ASN.1) order: `[{ C: ['XX'] }, { O: ['Org'] }, { CN: ['alice'] }]`.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import {
  OID_GLOBUS_LIMITED_PROXY,
  OID_GSI3_PROXY_CERT_INFO,
  OID_KP_CLIENT_AUTH,
  OID_PPL_INHERIT_ALL,
  OID_PROXY_CERT_INFO,
} from '../../src/pki/x509/oids.js';
import * as x509 from '../../src/pki/x509/peculiar-x509.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyKind = 'ec' | 'rsa';
/** Names in certificate order; a value may be `{ utf8String: '#…' }` to force a string that starts with '#'. */
export type NameSpec = x509.JsonNameParams;

export interface TestKey {
  kind: KeyKind;
  pair: CryptoKeyPair;
}

export interface TestCert {
  der: Buffer;
  pem: string;
  key: TestKey;
  subject: NameSpec;
  cert: x509.X509Certificate;
}

export interface ProxyCertInfoSpec {
  pathLen?: number;
  language?: string;
  policy?: Uint8Array;
  critical?: boolean;
  /** The extension's OID (default RFC 3820; the GSI-3 draft OID for legacy proxies). */
  oid?: string;
}

export interface CertSpec {
  subject: NameSpec;
  /** The signer; omitted: self-signed. */
  issuer?: TestCert;
  /** Overrides the issuer field (default: the signer's subject). */
  issuerName?: NameSpec;
  key?: TestKey | KeyKind;
  /** Signs with this key instead of the issuer's (a wrong signature). */
  signWith?: TestKey;
  notBefore?: Date;
  notAfter?: Date;
  basicConstraints?: { ca: boolean; pathLen?: number; critical?: boolean } | null;
  /** x509.KeyUsageFlags bits. */
  keyUsage?: number | null;
  extKeyUsage?: string[] | null;
  proxyCertInfo?: ProxyCertInfoSpec | null;
  subjectAltNameDns?: string;
  extensions?: x509.Extension[];
}

const KEY_ALGORITHMS = {
  ec: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
} as const;
const SIGNING_ALGORITHMS = {
  ec: { name: 'ECDSA', hash: 'SHA-256' },
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
} as const;

export const BASE_NAME: NameSpec = [{ C: ['XX'] }, { O: ['Twitcher Test'] }];
const HOUR = 3600_000;

export async function newKey(kind: KeyKind = 'ec'): Promise<TestKey> {
  const pair = (await webcrypto.subtle.generateKey(KEY_ALGORITHMS[kind], true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  return { kind, pair };
}

/** PKCS#8 PEM of the private key (for openssl / grid-proxy-init). */
export async function privateKeyPem(key: TestKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key.pair.privateKey));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

// ------------------------------------------------------------------------------ DER writer (tests only)

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export function derInteger(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || ((bytes[0] as number) & 0x80) !== 0) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

export function derOid(oid: string): Buffer {
  const [a = 0, b = 0, ...rest] = oid.split('.').map(Number);
  const out: number[] = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift((v % 128) | (chunk.length ? 0x80 : 0));
      v = Math.floor(v / 128);
    } while (v > 0);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 3820 §3.8 ProxyCertInfo DER; `draftOrder` writes the GSI-3 layout (policy first, [1] pathLen). */
export function encodeProxyCertInfo(spec: ProxyCertInfoSpec, draftOrder = false): Buffer {
  const policy = tlv(
    0x30,
    derOid(spec.language ?? OID_PPL_INHERIT_ALL),
    ...(spec.policy ? [tlv(0x04, spec.policy)] : []),
  );
  if (draftOrder)
    return tlv(0x30, policy, ...(spec.pathLen === undefined ? [] : [tlv(0xa1, derInteger(spec.pathLen))]));
  return tlv(0x30, ...(spec.pathLen === undefined ? [] : [derInteger(spec.pathLen)]), policy);
}

// ------------------------------------------------------------------------------ certificates

function serial(): string {
  const bytes = randomBytes(8);
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

export async function makeCert(spec: CertSpec): Promise<TestCert> {
  const key = typeof spec.key === 'object' ? spec.key : await newKey(spec.key ?? 'ec');
  const signer = spec.signWith ?? spec.issuer?.key ?? key;
  const extensions: x509.Extension[] = [];
  const bc = spec.basicConstraints;
  if (bc) extensions.push(new x509.BasicConstraintsExtension(bc.ca, bc.pathLen, bc.critical ?? true));
  if (spec.keyUsage != null) extensions.push(new x509.KeyUsagesExtension(spec.keyUsage, true));
  if (spec.extKeyUsage) extensions.push(new x509.ExtendedKeyUsageExtension(spec.extKeyUsage, false));
  if (spec.proxyCertInfo) {
    const pci = spec.proxyCertInfo;
    const oid = pci.oid ?? OID_PROXY_CERT_INFO;
    extensions.push(
      new x509.Extension(
        oid,
        pci.critical ?? true,
        encodeProxyCertInfo(pci, oid === OID_GSI3_PROXY_CERT_INFO),
      ),
    );
  }
  if (spec.subjectAltNameDns) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: spec.subjectAltNameDns }]),
    );
  }
  extensions.push(...(spec.extensions ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: new x509.Name(spec.subject),
    issuer: spec.issuerName
      ? new x509.Name(spec.issuerName)
      : (spec.issuer?.cert.subjectName ?? new x509.Name(spec.subject)),
    notBefore: spec.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: spec.notAfter ?? new Date(Date.now() + 24 * HOUR),
    signingAlgorithm: SIGNING_ALGORITHMS[signer.kind],
    publicKey: key.pair.publicKey,
    signingKey: signer.pair.privateKey,
    extensions,
  });
  return { der: Buffer.from(cert.rawData), pem: cert.toString('pem'), key, subject: spec.subject, cert };
}

type Overrides = Partial<CertSpec>;

/** A self-signed root CA: cA=TRUE (critical), keyCertSign + cRLSign. */
export function makeCA(cn = 'Test Root CA', overrides: Overrides = {}): Promise<TestCert> {
  return makeCert({
    subject: [...BASE_NAME, { CN: [cn] }],
    basicConstraints: { ca: true },
    keyUsage: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
    ...overrides,
  });
}

/** An intermediate CA under `parent`. */
export function makeIntermediate(
  parent: TestCert,
  cn = 'Test Intermediate CA',
  overrides: Overrides = {},
): Promise<TestCert> {
  return makeCA(cn, { issuer: parent, ...overrides });
}

/** An end-entity (user) certificate: cA=FALSE, digitalSignature + keyEncipherment, EKU clientAuth. */
export function makeEEC(ca: TestCert, cn = 'alice', overrides: Overrides = {}): Promise<TestCert> {
  return makeCert({
    subject: [...BASE_NAME, { OU: ['Users'] }, { CN: [cn] }],
    issuer: ca,
    basicConstraints: { ca: false },
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    extKeyUsage: [OID_KP_CLIENT_AUTH],
    ...overrides,
  });
}

export interface ProxyOptions extends Overrides {
  /** The CN appended to the issuer's subject (default: a random number, as grid-proxy-init does). */
  cn?: string;
  pathLen?: number;
  language?: string;
  /** proxyCertInfo criticality (default true). */
  critical?: boolean;
  /** gsi3: the draft OID; gt2: no extension, CN=proxy (or CN=limited proxy with `limited`). */
  legacy?: 'gsi3' | 'gt2';
  limited?: boolean;
}

/** A proxy certificate signed by `issuer` (an EEC or another proxy): subject = issuer's + one CN. */
export function makeProxy(issuer: TestCert, options: ProxyOptions = {}): Promise<TestCert> {
  const { cn, pathLen, language, critical, legacy, limited, ...overrides } = options;
  const gt2 = legacy === 'gt2';
  const name = cn ?? (gt2 ? (limited ? 'limited proxy' : 'proxy') : String(randomBytes(4).readUInt32BE(0)));
  return makeCert({
    subject: [...issuer.subject, { CN: [name] }],
    issuer,
    keyUsage: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    proxyCertInfo: gt2
      ? null
      : {
          language: language ?? (limited ? OID_GLOBUS_LIMITED_PROXY : OID_PPL_INHERIT_ALL),
          ...(pathLen === undefined ? {} : { pathLen }),
          critical: critical ?? true,
          ...(legacy === 'gsi3' ? { oid: OID_GSI3_PROXY_CERT_INFO } : {}),
        },
    ...overrides,
  });
}

/** The DER with one bit of the signature flipped (it stays well-formed; the signature no longer verifies). */
export function tamper(der: Buffer): Buffer {
  const out = Buffer.from(der);
  out[out.length - 1] = (out[out.length - 1] as number) ^ 0x01;
  return out;
}

/** The DER chain of the given certificates, in the order given (leaf first). */
export function chainOf(...certs: TestCert[]): Buffer[] {
  return certs.map((c) => c.der);
}
