import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import { parseCertificateRequest, parseCertificateRequestDER } from '../../src/pki/ca/csr.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-csr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A CSR made by openssl from a key made by node (PEM text unless der). */
function csr(
  key:
    | { type: 'rsa'; bits?: number; exponent?: number }
    | { type: 'ec'; curve: string }
    | { type: 'ed25519' },
  opts: { addext?: string[]; digest?: string; der?: boolean; sigopt?: string[] } = {},
): string | Buffer {
  const pair =
    key.type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: key.bits ?? 2048, publicExponent: key.exponent ?? 65537 })
      : key.type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: key.curve })
        : generateKeyPairSync('ed25519');
  const keyFile = join(dir, `k${++n}.pem`);
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const args = ['req', '-new', '-key', keyFile, '-subj', '/CN=ignored'];
  if (key.type !== 'ed25519') args.push(`-${opts.digest ?? 'sha256'}`);
  for (const e of opts.addext ?? []) args.push('-addext', e);
  for (const s of opts.sigopt ?? []) args.push('-sigopt', s);
  if (opts.der) args.push('-outform', 'DER');
  const out = execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return opts.der ? out : out.toString('utf8');
}

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, `not a TwitcherError: ${String(err)}`);
    assert.equal(err.code, 'invalid_csr');
    assert.equal(err.status, 400);
    assert.match(err.description, pattern);
    return true;
  });
}

const rsaPem = csr({ type: 'rsa' }) as string;

describe('parseCertificateRequest: accepted', () => {
  test('RSA 2048 PEM', () => {
    const r = parseCertificateRequest(rsaPem);
    assert.equal(r.keyType, 'rsa');
    assert.equal(r.keyType === 'rsa' && r.keyBits, 2048);
    assert.equal(r.signatureAlgorithm, 'sha256WithRSAEncryption');
    assert.deepEqual(r.requestedExtensions, []);
    assert.equal(r.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(r.der[0], 0x30);
  });
  test('NEW CERTIFICATE REQUEST label, and surrounding text', () => {
    const old = rsaPem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST');
    assert.equal(parseCertificateRequest(`junk before\n${old}\njunk after`).keyType, 'rsa');
  });
  test('base64 of DER, with and without line breaks (OnlineCA)', () => {
    const der = parseCertificateRequest(rsaPem).der;
    assert.deepEqual(parseCertificateRequest(der.toString('base64')).der, der);
    assert.deepEqual(parseCertificateRequest(der.toString('base64').replace(/(.{64})/g, '$1\n')).der, der);
    assert.deepEqual(parseCertificateRequestDER(der).der, der);
  });
  test('EC P-256 and P-384', () => {
    const a = parseCertificateRequest(csr({ type: 'ec', curve: 'P-256' }) as string);
    assert.equal(a.keyType === 'ec' && a.curve, 'P-256');
    assert.equal(a.signatureAlgorithm, 'ecdsa-with-SHA256');
    const b = parseCertificateRequest(csr({ type: 'ec', curve: 'P-384' }, { digest: 'sha384' }) as string);
    assert.equal(b.keyType === 'ec' && b.curve, 'P-384');
  });
  test('RSA-PSS signature and SHA-1 signature', () => {
    const pss = parseCertificateRequest(
      csr({ type: 'rsa' }, { sigopt: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32'] }) as string,
    );
    assert.equal(pss.signatureAlgorithm, 'RSASSA-PSS/sha256');
    assert.equal(
      parseCertificateRequest(csr({ type: 'rsa' }, { digest: 'sha1' }) as string).signatureAlgorithm,
      'sha1WithRSAEncryption',
    );
  });
  test('allowed requested extensions are reported, not refused', () => {
    const r = parseCertificateRequest(
      csr(
        { type: 'rsa' },
        {
          addext: [
            'basicConstraints=critical,CA:FALSE',
            'keyUsage=critical,digitalSignature,keyEncipherment',
            'extendedKeyUsage=clientAuth',
            'subjectAltName=DNS:example.org',
          ],
        },
      ) as string,
    );
    assert.deepEqual(r.requestedExtensions.map((e) => [e.oid, e.critical]).sort(), [
      ['2.5.29.15', true],
      ['2.5.29.17', false],
      ['2.5.29.19', true],
      ['2.5.29.37', false],
    ]);
  });
});

describe('parseCertificateRequest: refused', () => {
  test('garbage, empty, wrong PEM label, not base64', () => {
    refused(() => parseCertificateRequest(''), /empty/);
    refused(() => parseCertificateRequest('hello world'), /neither PEM nor base64/);
    refused(() => parseCertificateRequest('!!!!'), /neither PEM nor base64/);
    refused(
      () => parseCertificateRequest(rsaPem.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')),
      /no PEM CERTIFICATE REQUEST/,
    );
    refused(() => parseCertificateRequest(Buffer.from('not a der thing').toString('base64')), /malformed/);
    refused(() => parseCertificateRequest(`${rsaPem}\n${rsaPem}`), /more than one/);
    refused(() => parseCertificateRequest('A'.repeat(70_000)), /larger than/);
  });
  test('truncated PEM and truncated DER', () => {
    const der = parseCertificateRequest(rsaPem).der;
    refused(() => parseCertificateRequestDER(der.subarray(0, der.length - 10)), /malformed/);
    refused(() => parseCertificateRequest(der.subarray(0, 200).toString('base64')), /malformed/);
    const lines = rsaPem.split('\n');
    const cut = [...lines.slice(0, 5), ...lines.slice(-3)].join('\n');
    refused(() => parseCertificateRequest(cut), /malformed|base64/);
    refused(() => parseCertificateRequestDER(Buffer.concat([der, Buffer.from([0])])), /malformed/);
  });
  test('bad signature', () => {
    const der = Buffer.from(parseCertificateRequest(rsaPem).der);
    const bad = Buffer.from(der);
    bad[bad.length - 5] = (bad[bad.length - 5] as number) ^ 0x01;
    refused(() => parseCertificateRequestDER(bad), /signature does not verify/);
    // a changed subject byte inside the signed part
    const bad2 = Buffer.from(der);
    const i = bad2.indexOf(Buffer.from('ignored'));
    bad2[i] = 0x4a;
    refused(() => parseCertificateRequestDER(bad2), /signature does not verify/);
  });
  test('RSA 1024, exponent 3, EC P-521, Ed25519', () => {
    refused(
      () => parseCertificateRequest(csr({ type: 'rsa', bits: 1024 }) as string),
      /1024 bits.*at least 2048/,
    );
    refused(() => parseCertificateRequest(csr({ type: 'rsa', exponent: 3 }) as string), /exponent 3/);
    refused(
      () => parseCertificateRequest(csr({ type: 'ec', curve: 'P-521' }, { digest: 'sha512' }) as string),
      /secp521r1/,
    );
    refused(
      () => parseCertificateRequest(csr({ type: 'ed25519' }) as string),
      /ed25519 keys are not accepted/,
    );
  });
  test('MD5 signature', () => {
    refused(
      () => parseCertificateRequest(csr({ type: 'rsa' }, { digest: 'md5' }) as string),
      /unsupported signature algorithm/,
    );
  });
  test('forbidden requested extensions', () => {
    const cases: [string[], RegExp][] = [
      [['basicConstraints=critical,CA:TRUE'], /cA TRUE/],
      [['basicConstraints=CA:TRUE,pathlen:0'], /cA TRUE/],
      [['keyUsage=critical,keyCertSign'], /keyCertSign/],
      [['keyUsage=digitalSignature,cRLSign'], /cRLSign/],
      [['proxyCertInfo=critical,language:id-ppl-inheritAll'], /proxyCertInfo/],
      [['nameConstraints=permitted;DNS:example.org'], /nameConstraints/],
      [['certificatePolicies=1.2.3.4'], /certificatePolicies/],
      [['1.2.3.4.5=ASN1:UTF8String:hello'], /1\.2\.3\.4\.5/],
    ];
    for (const [addext, pattern] of cases) {
      refused(() => parseCertificateRequest(csr({ type: 'rsa' }, { addext }) as string), pattern);
    }
  });
});
