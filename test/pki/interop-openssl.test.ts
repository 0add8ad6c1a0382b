/**
 * Real tools agree with the validator: proxies made by `openssl x509 -req` with a proxyCertInfo
 * extension, and (when Debian's globus-proxy-utils are installed) by `grid-proxy-init -rfc`, are
 * accepted by validateClientChain and by `openssl verify -allow_proxy_certs`; a naming-rule and a
 * path-length violation are refused by both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parsePEMChain } from '../../src/pki/x509/pem.js';
import { createTrustAnchors } from '../../src/pki/x509/trust-anchors.js';
import { validateClientChain } from '../../src/pki/x509/validate-chain.js';
import { makeCA, makeEEC, privateKeyPem } from '../helpers/certs.js';
import { peerAvailable, requirePeer } from '../helpers/peers.js';
import { assertRefused } from './assert-refused.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-pki-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, {
    env,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) throw r.error;
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

function mustRun(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = run(cmd, args, env);
  assert.ok(r.ok, `${cmd} ${args.join(' ')} failed: ${r.out}`);
  return r.out;
}

const ca = await makeCA('Interop CA', { key: 'rsa' });
const eec = await makeEEC(ca, 'interop-user', { key: 'rsa' });
writeFileSync(file('ca.pem'), ca.pem);
writeFileSync(file('eec.pem'), eec.pem);
writeFileSync(file('eec.key'), await privateKeyPem(eec.key), { mode: 0o600 });
const anchors = createTrustAnchors([ca.der]);

/** Signs a fresh key's request as a proxy of `issuerCert` with openssl; returns the PEM file path. */
function opensslProxy(
  name: string,
  subject: string,
  issuerCert: string,
  issuerKey: string,
  pci: string,
): string {
  const ext = file(`${name}.ext`);
  writeFileSync(
    ext,
    [
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `proxyCertInfo=${pci}`,
      'extendedKeyUsage=clientAuth',
    ].join('\n'),
  );
  mustRun('openssl', [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file(`${name}.key`),
    '-out',
    file(`${name}.csr`),
    '-subj',
    subject,
  ]);
  mustRun('openssl', [
    'x509',
    '-req',
    '-in',
    file(`${name}.csr`),
    '-CA',
    issuerCert,
    '-CAkey',
    issuerKey,
    '-set_serial',
    String(1000 + name.length),
    '-days',
    '1',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    file(`${name}.pem`),
  ]);
  return file(`${name}.pem`);
}

function opensslVerify(leaf: string, untrusted: string[]): { ok: boolean; out: string } {
  return run('openssl', [
    'verify',
    '-allow_proxy_certs',
    '-CAfile',
    file('ca.pem'),
    ...untrusted.flatMap((u) => ['-untrusted', u]),
    leaf,
  ]);
}

const der = (path: string) => parsePEMChain(readFileSync(path, 'utf8'));

describe('interop: proxies made by OpenSSL', () => {
  test('the DN forms match openssl’s RFC2253 and compat output', () => {
    const id = validateClientChain([eec.der], anchors);
    const rfc2253 = mustRun('openssl', [
      'x509',
      '-in',
      file('eec.pem'),
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
    ]);
    const compat = mustRun('openssl', [
      'x509',
      '-in',
      file('eec.pem'),
      '-noout',
      '-subject',
      '-nameopt',
      'compat',
    ]);
    assert.equal(`subject=${id.subjectDN}`, rfc2253);
    assert.equal(`subject=${id.subjectDNLegacy}`, compat);
  });

  test('an RFC 3820 proxy from `openssl x509 -req -extfile` is accepted by both', () => {
    const legacy = validateClientChain([eec.der], anchors).subjectDNLegacy;
    const pem = opensslProxy(
      'proxy',
      `${legacy}/CN=4711`,
      file('eec.pem'),
      file('eec.key'),
      'critical,language:id-ppl-inheritAll,pathlen:1',
    );
    const id = validateClientChain([...der(pem), eec.der], anchors);
    assert.equal(id.subjectDN, 'CN=interop-user,OU=Users,O=Twitcher Test,C=XX');
    assert.deepEqual(
      id.proxies.map((p) => [p.policy, p.pathLen]),
      [['inheritAll', 1]],
    );
    assert.equal(opensslVerify(pem, [file('eec.pem')]).ok, true);
    assert.equal(
      run('openssl', ['verify', '-CAfile', file('ca.pem'), '-untrusted', file('eec.pem'), pem]).ok,
      false,
    );

    // a proxy of that proxy: within pathlen 1, both accept
    const child = opensslProxy(
      'child',
      `${legacy}/CN=4711/CN=4712`,
      pem,
      file('proxy.key'),
      'critical,language:id-ppl-inheritAll,pathlen:0',
    );
    assert.equal(validateClientChain([...der(child), ...der(pem), eec.der], anchors).proxies.length, 2);
    assert.equal(opensslVerify(child, [pem, file('eec.pem')]).ok, true);
    // and one more below the pathlen:0 proxy: both refuse
    const grandchild = opensslProxy(
      'grandchild',
      `${legacy}/CN=4711/CN=4712/CN=4713`,
      child,
      file('child.key'),
      'critical,language:id-ppl-inheritAll',
    );
    assertRefused(
      () => validateClientChain([...der(grandchild), ...der(child), ...der(pem), eec.der], anchors),
      /proxy path length constraint \(1\) of the proxy certificate 3 of 3/,
    );
    const v = opensslVerify(grandchild, [child, pem, file('eec.pem')]);
    assert.equal(v.ok, false, v.out);
  });

  test('a proxy that breaks the naming rule is refused by both', () => {
    const pem = opensslProxy(
      'misnamed',
      '/C=XX/O=Twitcher Test/OU=Users/CN=someone-else/CN=4711',
      file('eec.pem'),
      file('eec.key'),
      'critical,language:id-ppl-inheritAll',
    );
    assertRefused(() => validateClientChain([...der(pem), eec.der], anchors), /plus one CN/);
    const v = opensslVerify(pem, [file('eec.pem')]);
    assert.equal(v.ok, false, v.out);
  });

  test('a non-critical proxyCertInfo: OpenSSL accepts it, we refuse it (RFC 3820 §3.8)', () => {
    const legacy = validateClientChain([eec.der], anchors).subjectDNLegacy;
    const pem = opensslProxy(
      'noncritical',
      `${legacy}/CN=4714`,
      file('eec.pem'),
      file('eec.key'),
      'language:id-ppl-inheritAll',
    );
    assertRefused(() => validateClientChain([...der(pem), eec.der], anchors), /not critical/);
    assert.equal(opensslVerify(pem, [file('eec.pem')]).ok, true);
  });
});

describe('interop: grid-proxy-init (Debian globus-proxy-utils)', () => {
  test('a proxy from `grid-proxy-init -rfc` is accepted by both', (t) => {
    if (!peerAvailable('myproxy').ok) {
      requirePeer(t, 'myproxy');
      return;
    }
    // Globus wants a hashed trust dir with a signing_policy per CA, and files owned by the caller
    const trust = file('trust');
    mustRun('mkdir', ['-p', trust]);
    const hash = mustRun('openssl', ['x509', '-in', file('ca.pem'), '-noout', '-subject_hash']);
    const caDn = validateClientChain([eec.der], anchors).subjectDNLegacy.replace(
      /\/OU=Users\/CN=interop-user$/,
      '/CN=Interop CA',
    );
    writeFileSync(join(trust, `${hash}.0`), ca.pem);
    writeFileSync(
      join(trust, `${hash}.signing_policy`),
      `access_id_CA X509 '${caDn}'\npos_rights globus CA:sign\ncond_subjects globus '"/C=XX/O=Twitcher Test/*"'\n`,
    );
    const out = file('gpi.pem');
    mustRun(
      'grid-proxy-init',
      ['-rfc', '-q', '-valid', '1:00', '-cert', file('eec.pem'), '-key', file('eec.key'), '-out', out],
      {
        ...process.env,
        X509_CERT_DIR: trust,
      },
    );
    const chain = der(out); // proxy, (key skipped), EEC
    assert.equal(chain.length, 2);
    const id = validateClientChain(chain, anchors);
    assert.equal(id.subjectDNLegacy, '/C=XX/O=Twitcher Test/OU=Users/CN=interop-user');
    assert.equal(id.proxies[0]?.policy, 'inheritAll');
    assert.equal(id.proxies[0]?.form, 'rfc3820');
    const leaf = file('gpi-leaf.pem');
    writeFileSync(
      leaf,
      `-----BEGIN CERTIFICATE-----\n${chain[0]?.toString('base64')}\n-----END CERTIFICATE-----\n`,
    );
    const v = opensslVerify(leaf, [file('eec.pem')]);
    assert.equal(v.ok, true, v.out);
  });
});
