import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCertificate } from '../../src/pki/x509/certificate.js';
import { appendedCommonName } from '../../src/pki/x509/dn/index.js';
import { makeCert, type NameSpec } from '../helpers/certs.js';

async function nameOf(subject: NameSpec) {
  return parseCertificate((await makeCert({ subject })).der).subject;
}

describe('distinguished names', () => {
  test('RFC 4514 (reversed, escaped) and OpenSSL one-line forms', async () => {
    const dn = await nameOf([
      { DC: ['org'] },
      { DC: ['example'] },
      { C: ['XX'] },
      { O: ['Acme, Inc.'] },
      { OU: ['R+D'] },
      { '0.9.2342.19200300.100.1.1': ['jdoe'] },
      { CN: [{ utf8String: '#1 user ' }] },
      { E: ['jdoe@example.org'] },
    ]);
    assert.equal(
      dn.rfc4514,
      'emailAddress=jdoe@example.org,CN=\\#1 user\\ ,UID=jdoe,OU=R\\+D,O=Acme\\, Inc.,C=XX,DC=example,DC=org',
    );
    assert.equal(
      dn.legacy,
      '/DC=org/DC=example/C=XX/O=Acme, Inc./OU=R+D/UID=jdoe/CN=#1 user /emailAddress=jdoe@example.org',
    );
  });

  test('a multi-valued RDN, an unknown attribute type, and non-ASCII text', async () => {
    const dn = await nameOf([
      { C: ['XX'] },
      { O: ['Org'] },
      { CN: ['a', 'b'] },
      { '1.2.3.4': ['x'] },
      { CN: ['José'] },
    ]);
    assert.equal(dn.rfc4514, 'CN=José,1.2.3.4=x,CN=a+CN=b,O=Org,C=XX');
    assert.equal(dn.legacy, '/C=XX/O=Org/CN=a+CN=b/1.2.3.4=x/CN=Jos\\xC3\\xA9');
  });

  test('names compare case- and space-insensitively (RFC 5280 §7.1), RDN by RDN', async () => {
    const a = await nameOf([{ C: ['XX'] }, { O: ['My  Org'] }, { CN: ['Alice'] }]);
    const b = await nameOf([{ C: ['xx'] }, { O: [' my org'] }, { CN: ['alice'] }]);
    const c = await nameOf([{ O: ['My Org'] }, { C: ['XX'] }, { CN: ['Alice'] }]);
    assert.equal(a.key, b.key);
    assert.notEqual(a.key, c.key);
  });

  test('appendedCommonName: the RFC 3820 §3.4 naming rule', async () => {
    const base = await nameOf([{ C: ['XX'] }, { CN: ['alice'] }]);
    assert.deepEqual(
      appendedCommonName(await nameOf([{ C: ['XX'] }, { CN: ['alice'] }, { CN: ['42'] }]), base),
      { cn: '42' },
    );
    assert.ok('error' in appendedCommonName(await nameOf([{ C: ['XX'] }, { CN: ['alice'] }]), base));
    assert.ok(
      'error' in appendedCommonName(await nameOf([{ C: ['XX'] }, { CN: ['bob'] }, { CN: ['42'] }]), base),
    );
    assert.ok(
      'error' in appendedCommonName(await nameOf([{ C: ['XX'] }, { CN: ['alice'] }, { O: ['42'] }]), base),
    );
    assert.ok(
      'error' in
        appendedCommonName(await nameOf([{ C: ['XX'] }, { CN: ['alice'] }, { CN: ['1', '2'] }]), base),
    );
  });
});
