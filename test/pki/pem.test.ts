import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHeaderCertificate, parsePEMChain } from '../../src/pki/x509/pem.js';
import { createTrustAnchors } from '../../src/pki/x509/trust-anchors.js';
import { validateClientChain } from '../../src/pki/x509/validate-chain.js';
import { makeCA, makeEEC, makeProxy, privateKeyPem } from '../helpers/certs.js';
import { assertRefused } from './assert-refused.js';

const root = await makeCA();
const eec = await makeEEC(root, 'mpuser');
const proxy = await makeProxy(eec);
// a MyProxy / grid-proxy-init proxy file: the proxy certificate, its private key, then the EEC
const proxyFile = `${proxy.pem}\n${await privateKeyPem(proxy.key)}${eec.pem}\n`;

describe('parsePEMChain', () => {
  test('reads the certificates of a proxy file in order and skips the private key', () => {
    const chain = parsePEMChain(proxyFile);
    assert.deepEqual(chain, [proxy.der, eec.der]);
    const id = validateClientChain(chain, createTrustAnchors([root.der]));
    assert.equal(id.subjectDN, 'CN=mpuser,OU=Users,O=Twitcher Test,C=XX');
  });

  test('tolerates text around blocks and CRLF line ends', () => {
    const text = `subject=/C=XX\r\n${eec.pem.replace(/\n/g, '\r\n')}trailing words`;
    assert.deepEqual(parsePEMChain(text), [eec.der]);
  });

  test('refuses text without a certificate, bad base64, and mismatched labels', async () => {
    assertRefused(() => parsePEMChain(''), /no PEM certificate/);
    const keyOnly = await privateKeyPem(proxy.key);
    assertRefused(() => parsePEMChain(keyOnly), /no PEM certificate/);
    assertRefused(
      () => parsePEMChain('-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n'),
      /not valid base64/,
    );
    assertRefused(
      () => parsePEMChain('-----BEGIN CERTIFICATE-----\nQUJDRA=\n-----END CERTIFICATE-----'),
      /not valid base64/,
    );
    assertRefused(
      () => parsePEMChain(eec.pem.replace('END CERTIFICATE', 'END PRIVATE KEY')),
      /labels differ/,
    );
  });

  test('well-formed base64 that is not a certificate, or a truncated one, fails validation', () => {
    const anchors = createTrustAnchors([root.der]);
    const junk = parsePEMChain('-----BEGIN CERTIFICATE-----\nSGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----');
    assertRefused(() => validateClientChain(junk, anchors), /not a valid X\.509 certificate/);
    const body = eec.pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    const truncated = `-----BEGIN CERTIFICATE-----\n${body.slice(0, 3).join('\n')}\n-----END CERTIFICATE-----`;
    assertRefused(
      () => validateClientChain(parsePEMChain(truncated), anchors),
      /not a valid X\.509 certificate/,
    );
  });
});

describe('parseHeaderCertificate (nginx $ssl_client_escaped_cert)', () => {
  test('decodes URL-encoded PEM, one or several certificates', () => {
    assert.deepEqual(parseHeaderCertificate(encodeURIComponent(eec.pem)), [eec.der]);
    assert.deepEqual(parseHeaderCertificate(encodeURIComponent(proxy.pem + eec.pem)), [proxy.der, eec.der]);
  });

  test('accepts the tab-folded PEM of the deprecated $ssl_client_cert', () => {
    assert.deepEqual(parseHeaderCertificate(eec.pem.trim().replace(/\n/g, '\n\t')), [eec.der]);
  });

  test('refuses an empty value, bad percent-encoding and garbage', () => {
    assertRefused(() => parseHeaderCertificate(''), /empty client certificate header/);
    assertRefused(() => parseHeaderCertificate('%E0%A4%A'), /not URL-encoded PEM/);
    assertRefused(() => parseHeaderCertificate('SUCCESS'), /no PEM certificate/);
    assertRefused(
      () =>
        parseHeaderCertificate(
          encodeURIComponent('-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----'),
        ),
      /not valid base64/,
    );
  });
});
