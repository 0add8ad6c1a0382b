import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCertificate } from '../../src/pki/x509/certificate.js';
import {
  OID_ANY_EXTENDED_KEY_USAGE,
  OID_GLOBUS_LIMITED_PROXY,
  OID_PPL_ANY_LANGUAGE,
  OID_PPL_INDEPENDENT,
} from '../../src/pki/x509/oids.js';
import * as x509 from '../../src/pki/x509/peculiar-x509.js';
import { createTrustAnchors } from '../../src/pki/x509/trust-anchors.js';
import { validateClientChain } from '../../src/pki/x509/validate-chain.js';
import {
  BASE_NAME,
  chainOf,
  makeCA,
  makeCert,
  makeEEC,
  makeIntermediate,
  makeProxy,
  newKey,
  tamper,
} from '../helpers/certs.js';
import { assertRefused, assertRejected } from './assert-refused.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

const root = await makeCA();
const inter = await makeIntermediate(root);
const eec = await makeEEC(root);
const eecViaInter = await makeEEC(inter, 'bob');
const proxy = await makeProxy(eec);
const eecCritical = await makeEEC(root, 'critical', {
  extensions: [new x509.Extension('1.2.3.4.5.6.7', true, new Uint8Array([0x05, 0x00]))],
});
const serverOnly = await makeEEC(root, 'server', { extKeyUsage: [SERVER_AUTH] });
const eecNoKu = await makeEEC(root, 'noku', { keyUsage: null });
const anchors = createTrustAnchors([root.der]);

const validate = (chain: Buffer[], options: Parameters<typeof validateClientChain>[2] = {}) =>
  validateClientChain(chain, anchors, options);

describe('validateClientChain: RFC 5280 path validation', () => {
  test('an EEC issued by a trust anchor is accepted; the identity is its DN in RFC 4514 and OpenSSL forms', () => {
    const id = validate(chainOf(eec));
    assert.equal(id.subjectDN, 'CN=alice,OU=Users,O=Twitcher Test,C=XX');
    assert.equal(id.subjectDNLegacy, '/C=XX/O=Twitcher Test/OU=Users/CN=alice');
    assert.equal(id.issuerDN, 'CN=Test Root CA,O=Twitcher Test,C=XX');
    assert.equal(id.anchorDN, 'CN=Test Root CA,O=Twitcher Test,C=XX');
    assert.deepEqual(id.proxies, []);
    assert.equal(id.limited, false);
    assert.equal(id.eec.subject.includes('CN=alice'), true);
    // the earliest of the path, anchor included: root and EEC are made a moment apart, and their
    // second-precision notAfter may differ by one second on a loaded machine
    assert.equal(id.notAfter.getTime(), Math.min(eec.cert.notAfter.getTime(), root.cert.notAfter.getTime()));
    assert.deepEqual(id.chain, [eec.der]);
  });

  test('an EEC through an intermediate CA is accepted, with or without the root, in any order', () => {
    assert.equal(validate(chainOf(eecViaInter, inter)).subjectDN, 'CN=bob,OU=Users,O=Twitcher Test,C=XX');
    assert.equal(
      validate(chainOf(eecViaInter, inter, root)).issuerDN,
      'CN=Test Intermediate CA,O=Twitcher Test,C=XX',
    );
    assert.deepEqual(validate(chainOf(eecViaInter, root, inter)).chain, [eecViaInter.der, inter.der]);
    assertRefused(() => validate(chainOf(eecViaInter)), /unknown CA/);
  });

  test('RSA 2048 keys are accepted as well as EC P-256', async () => {
    const rsaRoot = await makeCA('RSA Root', { key: 'rsa' });
    const rsaEec = await makeEEC(rsaRoot, 'rsa-user', { key: 'rsa' });
    const rsaProxy = await makeProxy(rsaEec, { key: 'rsa' });
    const id = validateClientChain(chainOf(rsaProxy, rsaEec), createTrustAnchors([rsaRoot.der]));
    assert.equal(id.subjectDN, 'CN=rsa-user,OU=Users,O=Twitcher Test,C=XX');
  });

  test('a self-signed client certificate is refused', async () => {
    const self = await makeCert({
      subject: [...BASE_NAME, { CN: ['mallory'] }],
      basicConstraints: { ca: false },
    });
    assertRefused(() => validate(chainOf(self)), /self-signed/);
  });

  test('a self-signed root presented by the client is ignored unless it is a trust anchor', async () => {
    const fakeRoot = await makeCA('Fake Root');
    const fakeEec = await makeEEC(fakeRoot);
    assertRefused(
      () => validate(chainOf(fakeEec, fakeRoot)),
      /self-signed certificate that is not a trust anchor/,
    );
    assertRefused(() => validate(chainOf(fakeEec)), /unknown CA/);
  });

  test('validity: expired and not-yet-valid are refused; the clock skew tolerance is honoured', async () => {
    const now = Date.now();
    const expired = await makeEEC(root, 'old', {
      notAfter: new Date(now - DAY),
      notBefore: new Date(now - 2 * DAY),
    });
    assertRefused(() => validate(chainOf(expired)), /client certificate has expired/);
    const future = await makeEEC(root, 'future', { notBefore: new Date(now + DAY) });
    assertRefused(() => validate(chainOf(future)), /not yet valid/);
    const justExpired = await makeEEC(root, 'edge', { notAfter: new Date(now - 30_000) });
    assert.equal(validate(chainOf(justExpired)).subjectDN.startsWith('CN=edge'), true);
    assertRefused(() => validate(chainOf(justExpired), { clockSkewSeconds: 0 }), /expired/);
    assertRefused(() => validate(chainOf(eec), { now: new Date(now + 2 * DAY) }), /expired/);
    const expiredProxy = await makeProxy(eec, {
      notAfter: new Date(now - DAY),
      notBefore: new Date(now - 2 * DAY),
    });
    assertRefused(() => validate(chainOf(expiredProxy, eec)), /proxy certificate has expired/);
    const expiredRoot = await makeCA('Expired Root', {
      notAfter: new Date(now - DAY),
      notBefore: new Date(now - 2 * DAY),
    });
    const underExpired = await makeEEC(expiredRoot);
    assertRefused(
      () => validateClientChain(chainOf(underExpired), createTrustAnchors([expiredRoot.der])),
      /trust anchor has expired/,
    );
  });

  test('wrong CA: an unknown issuer, or a CA with the anchor’s name but another key, is refused', async () => {
    const other = await makeCA('Other CA');
    await assertRejected(async () => validate(chainOf(await makeEEC(other))), /unknown CA/);
    const impostor = await makeCA('Test Root CA'); // same DN as the anchor, different key
    await assertRejected(
      async () => validate(chainOf(await makeEEC(impostor))),
      /does not verify with its issuer's key/,
    );
    await assertRejected(
      async () => validate(chainOf(await makeEEC(impostor), impostor)),
      /self-signed certificate that is not a trust anchor/,
    );
  });

  test('bad signature: tampered bytes in the EEC, an intermediate or a proxy are refused', async () => {
    assertRefused(() => validate([tamper(eec.der)]), /signature of the client certificate does not verify/);
    assertRefused(
      () => validate([eecViaInter.der, tamper(inter.der)]),
      /signature of the intermediate CA certificate/,
    );
    assertRefused(
      () => validate([tamper(proxy.der), eec.der]),
      /signature of the proxy certificate does not verify/,
    );
    const forged = await makeEEC(root, 'forged', { signWith: await newKey() });
    assertRefused(() => validate(chainOf(forged)), /does not verify/);
  });

  test('a CA certificate as the client certificate is refused', () => {
    assertRefused(() => validate(chainOf(inter)), /CA certificate cannot be used as a client certificate/);
    assertRefused(() => validate(chainOf(root)), /CA certificate cannot be used/);
  });

  test('an intermediate without cA=TRUE, or without keyCertSign, cannot issue', async () => {
    const notCA = await makeIntermediate(root, 'Not A CA', { basicConstraints: { ca: false } });
    await assertRejected(async () => validate(chainOf(await makeEEC(notCA), notCA)), /is not a CA/);
    const noBC = await makeIntermediate(root, 'No BC', { basicConstraints: null });
    await assertRejected(
      async () => validate(chainOf(await makeEEC(noBC), noBC)),
      /is not a CA \(basicConstraints cA\)/,
    );
    const noSign = await makeIntermediate(root, 'No keyCertSign', { keyUsage: x509.KeyUsageFlags.cRLSign });
    await assertRejected(async () => validate(chainOf(await makeEEC(noSign), noSign)), /keyCertSign/);
  });

  test('a CA certificate carrying proxyCertInfo cannot act as an intermediate CA', async () => {
    const proxyCA = await makeIntermediate(root, 'Proxy CA', { proxyCertInfo: {} });
    await assertRejected(
      async () => validate(chainOf(await makeEEC(proxyCA), proxyCA)),
      /carries proxyCertInfo/,
    );
  });

  test('pathLenConstraint: within the bound accepted, exceeded refused (intermediate and anchor)', async () => {
    const top = await makeIntermediate(root, 'Top CA', { basicConstraints: { ca: true, pathLen: 1 } });
    const mid = await makeIntermediate(top, 'Mid CA', { basicConstraints: { ca: true, pathLen: 0 } });
    const low = await makeIntermediate(mid, 'Low CA');
    assert.ok(validate(chainOf(await makeEEC(mid), mid, top)));
    const lowEec = await makeEEC(low, 'low');
    assertRefused(
      () => validate(chainOf(lowEec, low, mid, top)),
      /path length constraint \(0\) of the intermediate CA/,
    );
    const strictRoot = await makeCA('Strict Root', { basicConstraints: { ca: true, pathLen: 0 } });
    const under = await makeIntermediate(strictRoot, 'Under Strict');
    const strictAnchors = createTrustAnchors([strictRoot.der]);
    assert.ok(validateClientChain(chainOf(await makeEEC(strictRoot)), strictAnchors));
    const underEec = await makeEEC(under);
    assertRefused(
      () => validateClientChain(chainOf(underEec, under), strictAnchors),
      /path length constraint \(0\) of the trust anchor/,
    );
  });

  test('an unknown critical extension anywhere is refused; the same extension non-critical is accepted', async () => {
    const unknown = (critical: boolean) => [
      new x509.Extension('1.2.3.4.5.6.7', critical, new Uint8Array([0x05, 0x00])),
    ];
    assert.ok(validate(chainOf(await makeEEC(root, 'nc', { extensions: unknown(false) }))));
    assertRefused(
      () => validate(chainOf(eecCritical)),
      /client certificate has an unknown critical extension 1\.2\.3\.4\.5\.6\.7/,
    );
    const criticalInter = await makeIntermediate(root, 'Critical CA', { extensions: unknown(true) });
    await assertRejected(
      async () => validate(chainOf(await makeEEC(criticalInter), criticalInter)),
      /intermediate CA certificate has an unknown critical/,
    );
    const criticalProxy = await makeProxy(eec, { extensions: unknown(true) });
    assertRefused(() => validate(chainOf(criticalProxy, eec)), /proxy certificate has an unknown critical/);
  });

  test('extendedKeyUsage: serverAuth only is refused; clientAuth, anyExtendedKeyUsage or none accepted', async () => {
    assertRefused(() => validate(chainOf(serverOnly)), /not allowed for TLS client authentication/);
    assert.ok(
      validate(
        chainOf(await makeEEC(root, 'any', { extKeyUsage: [SERVER_AUTH, OID_ANY_EXTENDED_KEY_USAGE] })),
      ),
    );
    assert.ok(validate(chainOf(await makeEEC(root, 'none', { extKeyUsage: null }))));
    const proxyServerOnly = await makeProxy(eec, { extKeyUsage: [SERVER_AUTH] });
    assertRefused(
      () => validate(chainOf(proxyServerOnly, eec)),
      /proxy certificate is not allowed for TLS client/,
    );
  });

  test('the depth bound: a chain longer than maxDepth is refused', async () => {
    const int2 = await makeIntermediate(inter, 'Second Intermediate');
    const user = await makeEEC(int2, 'deep');
    const p1 = await makeProxy(user);
    const p2 = await makeProxy(p1);
    const chain = chainOf(p2, p1, user, int2, inter);
    assert.equal(validate(chain).proxies.length, 2);
    assert.ok(validate(chain, { maxDepth: 5 }));
    assertRefused(() => validate(chain, { maxDepth: 4 }), /longer than the maximum depth/);
    assertRefused(
      () => validate([...chain, root.der, root.der], { maxDepth: 5 }),
      /longer than the maximum depth \(5\)/,
    );
    assertRefused(
      () => validate(Array.from({ length: 50 }, () => Buffer.from('x'))),
      /longer than the maximum depth \(10\)/,
    );
  });

  test('a duplicated extension is refused (RFC 5280 §4.2)', async () => {
    const twice = await makeEEC(root, 'twice', {
      extensions: [new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2'])],
    });
    assertRefused(
      () => validate(chainOf(twice)),
      /not a valid X\.509 certificate: an extension appears twice/,
    );
  });
});

describe('validateClientChain: RFC 3820 proxy certificates', () => {
  test('an RFC 3820 inheritAll proxy is accepted; the identity is the EEC’s', () => {
    const id = validate(chainOf(proxy, eec));
    assert.equal(id.subjectDN, 'CN=alice,OU=Users,O=Twitcher Test,C=XX');
    assert.equal(id.subjectDNLegacy, '/C=XX/O=Twitcher Test/OU=Users/CN=alice');
    assert.equal(id.proxies.length, 1);
    assert.equal(id.proxies[0]?.policy, 'inheritAll');
    assert.equal(id.proxies[0]?.form, 'rfc3820');
    assert.match(id.proxies[0]?.dn ?? '', /^CN=\d+,CN=alice,OU=Users,O=Twitcher Test,C=XX$/);
    assert.equal(id.limited, false);
    assert.deepEqual(id.chain, [proxy.der, eec.der]);
    assert.ok(validate(chainOf(proxy, eec, root)));
  });

  test('proxyCertInfo must be critical (OpenSSL does not enforce it; we do)', async () => {
    await assertRejected(
      async () => validate(chainOf(await makeProxy(eec, { critical: false }), eec)),
      /proxyCertInfo extension .* is not critical/,
    );
  });

  test('naming rule: one added RDN holding a single CN, on the issuer’s subject', async () => {
    const extraRdn = await makeProxy(eec, { subject: [...eec.subject, { OU: ['x'] }, { CN: ['1'] }] });
    assertRefused(
      () => validate(chainOf(extraRdn, eec)),
      /issuer's subject plus one CN .*exactly one must be added/,
    );
    const twoCns = await makeProxy(eec, { subject: [...eec.subject, { CN: ['1', '2'] }] });
    assertRefused(() => validate(chainOf(twoCns, eec)), /exactly one attribute/);
    const notCn = await makeProxy(eec, { subject: [...eec.subject, { OU: ['1'] }] });
    assertRefused(() => validate(chainOf(notCn, eec)), /must be a commonName/);
    const otherBase = await makeProxy(eec, {
      subject: [...BASE_NAME, { OU: ['Users'] }, { CN: ['eve'] }, { CN: ['1'] }],
    });
    assertRefused(() => validate(chainOf(otherBase, eec)), /RDN 4 of the subject differs/);
    const wrongIssuerField = await makeProxy(eec, { issuerName: [...BASE_NAME, { CN: ['someone'] }] });
    assertRefused(() => validate(chainOf(wrongIssuerField, eec)), /issuer name of the proxy certificate/);
    // the same name compared case- and space-insensitively (RFC 5280 §7.1) is still the same base
    const spaced = await makeProxy(eec, {
      subject: [
        { C: ['xx'] },
        { O: ['twitcher  TEST'] },
        { OU: ['Users'] },
        { CN: ['alice'] },
        { CN: ['7'] },
      ],
    });
    assert.ok(validate(chainOf(spaced, eec)));
  });

  test('a proxy issued by a CA is refused', async () => {
    const byInter = await makeProxy(inter);
    assertRefused(() => validate(chainOf(byInter, inter)), /issued by a CA/);
    const byRoot = await makeProxy(root);
    assertRefused(() => validate(chainOf(byRoot)), /issued by a CA/);
  });

  test('a proxy without its EEC in the chain is refused', () => {
    assertRefused(() => validate(chainOf(proxy)), /end-entity certificate .* is missing/);
  });

  test('a proxy must not be a CA, carry subjectAltName, or be issued by a key without digitalSignature', async () => {
    const caProxy = await makeProxy(eec, { basicConstraints: { ca: true } });
    assertRefused(() => validate(chainOf(caProxy, eec)), /must not be a CA/);
    const sanProxy = await makeProxy(eec, { subjectAltNameDns: 'example.org' });
    assertRefused(() => validate(chainOf(sanProxy, eec)), /subjectAltName/);
    const encipherOnly = await makeEEC(root, 'kE', { keyUsage: x509.KeyUsageFlags.keyEncipherment });
    await assertRejected(
      async () => validate(chainOf(await makeProxy(encipherOnly), encipherOnly)),
      /digitalSignature/,
    );
    assert.ok(validate(chainOf(await makeProxy(eecNoKu), eecNoKu)));
  });

  test('pCPathLenConstraint bounds the proxies that may follow', async () => {
    const p0 = await makeProxy(eec, { pathLen: 0 });
    assert.equal(validate(chainOf(p0, eec)).proxies[0]?.pathLen, 0);
    await assertRejected(
      async () => validate(chainOf(await makeProxy(p0), p0, eec)),
      /proxy path length constraint \(0\)/,
    );
    const p1 = await makeProxy(eec, { pathLen: 1 });
    const p1child = await makeProxy(p1);
    assert.equal(validate(chainOf(p1child, p1, eec)).proxies.length, 2);
    await assertRejected(
      async () => validate(chainOf(await makeProxy(p1child), p1child, p1, eec)),
      /proxy path length constraint \(1\) of the proxy certificate 3 of 3/,
    );
  });

  test('policy languages: independent, restricted and anyLanguage proxies are refused', async () => {
    await assertRejected(
      async () => validate(chainOf(await makeProxy(eec, { language: OID_PPL_INDEPENDENT }), eec)),
      /independent proxy/,
    );
    await assertRejected(
      async () => validate(chainOf(await makeProxy(eec, { language: '1.2.3.4.5' }), eec)),
      /restricted policy \(language 1\.2\.3\.4\.5\)/,
    );
    await assertRejected(
      async () => validate(chainOf(await makeProxy(eec, { language: OID_PPL_ANY_LANGUAGE }), eec)),
      /restricted policy/,
    );
  });

  test('limited proxies: accepted and flagged, refused with limitedProxies: refuse; limitation is inherited', async () => {
    const limited = await makeProxy(eec, { limited: true });
    const id = validate(chainOf(limited, eec));
    assert.equal(id.limited, true);
    assert.equal(id.proxies[0]?.policy, 'limited');
    assert.equal(id.subjectDN, 'CN=alice,OU=Users,O=Twitcher Test,C=XX');
    assertRefused(() => validate(chainOf(limited, eec), { limitedProxies: 'refuse' }), /limited proxy/);
    const below = await makeProxy(limited);
    assert.equal(validate(chainOf(below, limited, eec)).limited, true);
    assert.equal(
      validate(chainOf(await makeProxy(eec, { language: OID_GLOBUS_LIMITED_PROXY }), eec)).limited,
      true,
    );
  });

  test('legacy proxies (GSI-3 draft, GT2) are refused by default and accepted with legacyProxies: accept', async () => {
    const gsi3 = await makeProxy(eec, { legacy: 'gsi3', pathLen: 2 });
    assertRefused(() => validate(chainOf(gsi3, eec)), /legacy \(GSI-3\) proxy/);
    const gsi3Id = validate(chainOf(gsi3, eec), { legacyProxies: 'accept' });
    assert.deepEqual(
      gsi3Id.proxies.map((p) => [p.form, p.policy, p.pathLen]),
      [['gsi3', 'inheritAll', 2]],
    );
    const gt2 = await makeProxy(eec, { legacy: 'gt2' });
    assertRefused(() => validate(chainOf(gt2, eec)), /legacy \(GT2\) proxy/);
    const gt2Id = validate(chainOf(gt2, eec), { legacyProxies: 'accept' });
    assert.equal(gt2Id.subjectDN, 'CN=alice,OU=Users,O=Twitcher Test,C=XX');
    assert.equal(gt2Id.proxies[0]?.dn, 'CN=proxy,CN=alice,OU=Users,O=Twitcher Test,C=XX');
    const gt2Limited = await makeProxy(eec, { legacy: 'gt2', limited: true });
    assert.equal(validate(chainOf(gt2Limited, eec), { legacyProxies: 'accept' }).limited, true);
  });

  test('the notAfter of the identity is the earliest of the path', async () => {
    const short = await makeProxy(eec, { notAfter: new Date(Date.now() + 10 * MINUTE) });
    assert.equal(validate(chainOf(short, eec)).notAfter.getTime(), short.cert.notAfter.getTime());
  });
});

describe('validateClientChain: garbage', () => {
  test('no certificate, garbage, truncated DER and trailing bytes are refused', () => {
    assertRefused(() => validate([]), /no client certificate/);
    assertRefused(
      () => validate([Buffer.from('hello world')]),
      /certificate 1 of 1 is not a valid X\.509 certificate/,
    );
    assertRefused(() => validate([eec.der.subarray(0, eec.der.length - 20)]), /not a valid X\.509/);
    assertRefused(() => validate([proxy.der, eec.der.subarray(0, 100)]), /certificate 2 of 2 is not a valid/);
    assertRefused(() => validate([Buffer.concat([eec.der, Buffer.from([0])])]), /not a valid X\.509/);
    assertRefused(() => validate([Buffer.from([0x30, 0x80, 0x00, 0x00])]), /not a valid X\.509/);
    const sequenceOfJunk = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]);
    assertRefused(() => validate([sequenceOfJunk]), /not a valid X\.509/);
  });

  test('a malformed proxyCertInfo is refused, not ignored', async () => {
    const bad = await makeProxy(eec, {
      proxyCertInfo: null,
      extensions: [
        new x509.Extension('1.3.6.1.5.5.7.1.14', true, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0xff])),
      ],
    });
    assertRefused(
      () => validate(chainOf(bad, eec)),
      /certificate 1 of 2 is not a valid X\.509 certificate: malformed proxyCertInfo/,
    );
  });
});

describe('validateClientChain: cost', () => {
  test('a 3-certificate chain (proxy, EEC, intermediate): cold and cached', async (t) => {
    const user = await makeEEC(inter, 'perf');
    const p = await makeProxy(user);
    const chain = chainOf(p, user, inter);
    let start = performance.now();
    const first = validate(chain);
    const cold = performance.now() - start;
    assert.match(first.subjectDN, /^CN=perf,/);
    assert.equal(first.proxies.length, 1);
    const rounds = 2000;
    start = performance.now();
    const again = Array.from({ length: rounds }, () => validate(chain));
    const warm = (performance.now() - start) / rounds;
    for (const identity of again) assert.deepEqual(identity, first);
    // cached: the same parse is handed out again, and a validation costs less than the first one
    assert.equal(parseCertificate(p.der), parseCertificate(Buffer.from(p.der)));
    assert.ok(warm < cold, `cached ${warm} ms is not below the first validation's ${cold} ms`);
    const fresh = await Promise.all(Array.from({ length: 100 }, async () => makeProxy(user)));
    start = performance.now();
    for (const f of fresh) assert.equal(validate([f.der, user.der, inter.der]).subjectDN, first.subjectDN);
    const newProxy = (performance.now() - start) / fresh.length;
    t.diagnostic(
      `3-certificate chain: first ${cold.toFixed(2)} ms, cached ${(warm * 1000).toFixed(1)} µs, new proxy on a known EEC ${newProxy.toFixed(2)} ms`,
    );
  });
});
