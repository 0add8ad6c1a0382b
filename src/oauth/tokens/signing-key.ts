/**
 * Key pairs for `signed` tokens: loaded from a PEM private key and a PEM X.509 certificate (chain),
 * or generated once into a directory and reused. The algorithm follows the key type (RS256 for RSA
 * of at least 2048 bits, ES256 for EC P-256; RFC 7518 §3.3, §3.4), never the token. Keys are
 * imported once: verifying a token never reads a file (the original re-read its PEM on every call).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509CertificateGenerator,
} from '../../pki/x509/peculiar-x509.js';
import { toPEM } from '../../pki/x509/pem.js';
import { GENERATED_CERT_FILE, GENERATED_KEY_FILE } from './generated-key-files.js';
import { TokenConfigError } from './key-config-error.js';

export type SigningAlgorithm = 'RS256' | 'ES256';

/** A key that verifies tokens (a previous key kept after a rotation needs only this). */
export interface VerificationKey {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url). */
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicKey: KeyObject;
  /** The public JWK as published: kty…, kid, alg, use 'sig', x5c, x5t#S256. */
  readonly jwk: JWK;
}

/** The current key: signs tokens (and verifies them). */
export interface SigningKey extends VerificationKey {
  readonly privateKey: KeyObject;
}

export interface SigningKeyFiles {
  /** PEM private key (PKCS#8, PKCS#1 or SEC1). */
  keyFile: string;
  /** PEM certificate of that key, optionally followed by its issuers (leaf first; RFC 7517 §4.7). */
  certFile: string;
  passphrase?: string | undefined;
}

/** RFC 7518 §3.3 (RSA ≥ 2048 bits) and §3.4 (ES256 is P-256 only); anything else is refused. */
function algorithmFor(key: KeyObject, source: string): SigningAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048)
      throw new TokenConfigError(`${source}: RSA key of ${bits} bits, at least 2048 are required`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve !== 'prime256v1') {
      throw new TokenConfigError(
        `${source}: EC key on curve ${details.namedCurve}, only P-256 (ES256) is supported`,
      );
    }
    return 'ES256';
  }
  throw new TokenConfigError(
    `${source}: unsupported key type ${key.asymmetricKeyType}, use RSA (≥ 2048 bits, RS256) or EC P-256 (ES256)`,
  );
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

function parseCertificates(pem: string, source: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new TokenConfigError(`${source}: no PEM certificate found`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new TokenConfigError(`${source}: unreadable certificate (${(err as Error).message})`);
    }
  });
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new TokenConfigError(`cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

async function verificationKeyOf(publicKey: KeyObject, chain: X509Certificate[], source: string) {
  const alg = algorithmFor(publicKey, source);
  const bare = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(bare, 'sha256');
  const leaf = chain[0]!;
  const jwk: JWK = {
    ...bare,
    kid,
    alg,
    use: 'sig',
    // RFC 7517 §4.7: standard base64 (not base64url) DER, leaf first
    x5c: chain.map((cert) => cert.raw.toString('base64')),
    // RFC 7517 §4.9
    'x5t#S256': createHash('sha256').update(leaf.raw).digest('base64url'),
  };
  return { kid, alg, publicKey, jwk };
}

/** A verification-only key (after a rotation): the certificate of the previous key suffices. */
export async function loadVerificationKey(certFile: string): Promise<VerificationKey> {
  const chain = parseCertificates(await readText(certFile, 'certificate'), certFile);
  return verificationKeyOf(chain[0]!.publicKey, chain, certFile);
}

export async function loadSigningKey(files: SigningKeyFiles): Promise<SigningKey> {
  const keyPem = await readText(files.keyFile, 'private key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(
      files.passphrase === undefined ? keyPem : { key: keyPem, passphrase: files.passphrase },
    );
  } catch (err) {
    throw new TokenConfigError(`${files.keyFile}: unreadable private key (${(err as Error).message})`);
  }
  const publicKey = createPublicKey(privateKey);
  algorithmFor(publicKey, files.keyFile); // the key type first: the clearest message
  const chain = parseCertificates(await readText(files.certFile, 'certificate'), files.certFile);
  if (!chain[0]!.checkPrivateKey(privateKey)) {
    throw new TokenConfigError(`${files.certFile}: the certificate is not that of the key ${files.keyFile}`);
  }
  const verification = await verificationKeyOf(publicKey, chain, files.keyFile);
  return { ...verification, privateKey };
}

/** The JWK Set served at `/.well-known/jwks.json` (RFC 7517 §5): public parts only. */
export function publicJWKS(keys: readonly VerificationKey[]): { keys: JWK[] } {
  const seen = new Set<string>();
  const out: JWK[] = [];
  for (const key of keys) {
    if (seen.has(key.kid)) continue;
    seen.add(key.kid);
    out.push({ ...key.jwk });
  }
  return { keys: out };
}

export { GENERATED_CERT_FILE, GENERATED_KEY_FILE };

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

const GENERATION = {
  RS256: {
    keyAlgorithm: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
  },
  ES256: {
    keyAlgorithm: { name: 'ECDSA', namedCurve: 'P-256' },
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  },
} as const;

/**
 * The key pair generated earlier in `dir`, or undefined when there is none (nothing is generated):
 * after a switch of `token.type`, the signed tokens issued before stay valid while it is there.
 */
export async function readGeneratedSigningKey(dir: string): Promise<SigningKey | undefined> {
  const keyFile = join(dir, GENERATED_KEY_FILE);
  const certFile = join(dir, GENERATED_CERT_FILE);
  const [hasKey, hasCert] = await Promise.all([exists(keyFile), exists(certFile)]);
  if (hasKey && hasCert) return loadSigningKey({ keyFile, certFile });
  if (hasKey !== hasCert) {
    throw new TokenConfigError(
      `${dir} holds only ${hasKey ? GENERATED_KEY_FILE : GENERATED_CERT_FILE}: restore the other file or remove it to generate a new key`,
    );
  }
  return undefined;
}

/**
 * When no key is configured: the key pair in `dir` (created on the first start, the private key
 * with mode 0600, with a self-signed certificate valid ten years), reused on later starts.
 */
export async function generateSigningKey(
  dir: string,
  options: { algorithm?: SigningAlgorithm } = {},
): Promise<SigningKey> {
  const existing = await readGeneratedSigningKey(dir);
  if (existing) return existing;
  const keyFile = join(dir, GENERATED_KEY_FILE);
  const certFile = join(dir, GENERATED_CERT_FILE);
  const { keyAlgorithm, signingAlgorithm } = GENERATION[options.algorithm ?? 'RS256'];
  const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // RFC 5280 §4.1.2.2: a positive serial number
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: 'CN=Twitcher access token signing',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * 365 * 24 * 3600 * 1000),
      signingAlgorithm,
      keys,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      ],
    },
    webcrypto as unknown as Parameters<typeof X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // 'wx': never overwrite a key another process wrote meanwhile
  await writeFile(keyFile, toPEM(Buffer.from(pkcs8), 'PRIVATE KEY'), { mode: 0o600, flag: 'wx' });
  await writeFile(certFile, certificate.toString('pem'), { mode: 0o644, flag: 'wx' });
  return loadSigningKey({ keyFile, certFile });
}
