import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TokenConfigError } from '../../../src/oauth/tokens/key-config-error.js';
import {
  GENERATED_CERT_FILE,
  GENERATED_KEY_FILE,
  generateSigningKey,
  loadSigningKey,
  loadVerificationKey,
  publicJWKS,
} from '../../../src/oauth/tokens/signing-key.js';

const root = mkdtempSync(join(tmpdir(), 'twitcher-keys-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

/** RFC 7638 §3.2, computed here independently: SHA-256 of the required members in lexical order. */
function thumbprint(jwk: Record<string, unknown>): string {
  const members =
    jwk['kty'] === 'RSA'
      ? { e: jwk['e'], kty: 'RSA', n: jwk['n'] }
      : { crv: jwk['crv'], kty: 'EC', x: jwk['x'], y: jwk['y'] };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

async function refused(p: Promise<unknown>, message: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TokenConfigError, `not a TokenConfigError: ${String(err)}`);
    assert.ok(err instanceof TypeError);
    assert.match(err.message, message);
    return true;
  });
}

describe('signing keys', () => {
  test('generated RSA key: RS256, key file 0600, RFC 7638 kid, reused on the next start', async () => {
    const dir = freshDir();
    const key = await generateSigningKey(dir);
    assert.equal(key.alg, 'RS256');
    assert.equal(key.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(key.privateKey.type, 'private');
    if (process.platform !== 'win32') {
      assert.equal(statSync(join(dir, GENERATED_KEY_FILE)).mode & 0o777, 0o600);
    }
    assert.equal(key.kid, thumbprint(key.publicKey.export({ format: 'jwk' })));
    const again = await generateSigningKey(dir);
    assert.equal(again.kid, key.kid);
    const cert = new X509Certificate(Buffer.from(key.jwk.x5c![0]!, 'base64'));
    assert.ok(cert.checkPrivateKey(key.privateKey));
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
  });

  test('generated EC key: ES256 on P-256', async () => {
    const key = await generateSigningKey(freshDir(), { algorithm: 'ES256' });
    assert.equal(key.alg, 'ES256');
    assert.equal(key.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(key.kid, thumbprint(key.publicKey.export({ format: 'jwk' })));
  });

  test('loads a PEM key and certificate; a previous key loads from its certificate alone', async () => {
    const dir = freshDir();
    const generated = await generateSigningKey(dir);
    const keyFile = join(dir, GENERATED_KEY_FILE);
    const certFile = join(dir, GENERATED_CERT_FILE);
    const loaded = await loadSigningKey({ keyFile, certFile });
    assert.equal(loaded.kid, generated.kid);
    const previous = await loadVerificationKey(certFile);
    assert.equal(previous.kid, generated.kid);
    assert.equal('privateKey' in previous, false);
  });

  test('a certificate chain is published leaf first in x5c', async () => {
    const a = freshDir();
    const b = freshDir();
    await generateSigningKey(a);
    await generateSigningKey(b);
    const chainFile = join(root, 'chain.pem');
    writeFileSync(
      chainFile,
      readFileSync(join(a, GENERATED_CERT_FILE), 'utf8') + readFileSync(join(b, GENERATED_CERT_FILE), 'utf8'),
    );
    const key = await loadSigningKey({ keyFile: join(a, GENERATED_KEY_FILE), certFile: chainFile });
    assert.equal(key.jwk.x5c?.length, 2);
    assert.ok(new X509Certificate(Buffer.from(key.jwk.x5c![0]!, 'base64')).checkPrivateKey(key.privateKey));
    assert.ok(!new X509Certificate(Buffer.from(key.jwk.x5c![1]!, 'base64')).checkPrivateKey(key.privateKey));
  });

  test('refused: a certificate that is not the key’s', async () => {
    const a = freshDir();
    const b = freshDir();
    await generateSigningKey(a);
    await generateSigningKey(b);
    await refused(
      loadSigningKey({ keyFile: join(a, GENERATED_KEY_FILE), certFile: join(b, GENERATED_CERT_FILE) }),
      /not that of the key/,
    );
  });

  test('refused: RSA under 2048 bits, EC other than P-256, Ed25519', async () => {
    const dir = freshDir();
    await generateSigningKey(dir);
    const certFile = join(dir, GENERATED_CERT_FILE);
    const cases = [
      [generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, /1024 bits, at least 2048/],
      [generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey, /only P-256/],
      [generateKeyPairSync('ed25519').privateKey, /unsupported key type ed25519/],
    ] as const;
    for (const [privateKey, message] of cases) {
      const keyFile = join(root, `weak-${n++}.pem`);
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await refused(loadSigningKey({ keyFile, certFile }), message);
    }
  });

  test('refused: missing or unreadable files, no certificate in the file', async () => {
    const dir = freshDir();
    await generateSigningKey(dir);
    const keyFile = join(dir, GENERATED_KEY_FILE);
    await refused(loadSigningKey({ keyFile: join(dir, 'nope.pem'), certFile: keyFile }), /cannot read/);
    const junk = join(root, 'junk.pem');
    writeFileSync(junk, 'not a pem');
    await refused(loadSigningKey({ keyFile: junk, certFile: junk }), /unreadable private key/);
    await refused(loadSigningKey({ keyFile, certFile: junk }), /no PEM certificate/);
  });

  test('refused: a generated directory holding only one of the two files', async () => {
    const dir = freshDir();
    await generateSigningKey(dir);
    unlinkSync(join(dir, GENERATED_CERT_FILE));
    await refused(generateSigningKey(dir), /holds only/);
    assert.ok(existsSync(join(dir, GENERATED_KEY_FILE)), 'the key was not overwritten');
  });

  test('publicJWKS: public members, kid, alg, use sig, x5c; several keys', async () => {
    const rsa = await generateSigningKey(freshDir());
    const ec = await generateSigningKey(freshDir(), { algorithm: 'ES256' });
    const jwks = publicJWKS([rsa, ec, rsa]);
    assert.equal(jwks.keys.length, 2);
    for (const [jwk, key] of [
      [jwks.keys[0]!, rsa],
      [jwks.keys[1]!, ec],
    ] as const) {
      assert.equal(jwk.kid, key.kid);
      assert.equal(jwk.alg, key.alg);
      assert.equal(jwk.use, 'sig');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(secret in jwk, false, secret);
      const cert = new X509Certificate(Buffer.from(jwk.x5c![0]!, 'base64'));
      assert.ok(cert.publicKey.equals(key.publicKey));
      assert.ok(createPublicKey({ key: jwk as never, format: 'jwk' }).equals(key.publicKey));
    }
  });
});
