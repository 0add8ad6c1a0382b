/**
 * Red team of issue 13's DN merge: the MyProxy server DN check and the CA's "subject equals the CA
 * subject" check compared names as OpenSSL does (x509_name_canon: ASCII case and ASCII white space
 * folded, every string type alike) before the three DN modules became one. The merged canonical key
 * (dn/key.ts) folds Unicode case and white space, so it equated names OpenSSL keeps apart (a Kelvin
 * sign is not k). (The CA's check also moved to the key; the only names OpenSSL equates and the key
 * does not hold a VisibleString, which OpenSSL refuses to load in a certificate name at all.)
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { randomSerial, signatureSchemeFor, signCertificate } from '../../src/pki/ca/certificate.js';
import { myproxyServerIdentity } from '../../src/pki/myproxy/server-identity.js';
import { parseCertificate } from '../../src/pki/x509/certificate.js';
import { encodeOid, seq, setOf, TAG, tlv } from '../../src/pki/x509/der.js';
import { userSubjectDN } from '../../src/pki/x509/dn/index.js';
import { compileDNPatterns } from '../../src/pki/x509/dn-pattern.js';
import { OID_COMMON_NAME, OID_ORGANIZATION_NAME } from '../../src/pki/x509/oids.js';

type Attr = [oid: string, tag: number, value: string];
/** A DER Name, each RDN one attribute with the string type given. */
const name = (...attrs: Attr[]): Buffer =>
  seq(...attrs.map(([oid, tag, value]) => setOf(seq(encodeOid(oid), tlv(tag, Buffer.from(value, 'utf8'))))));

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = key.publicKey.export({ type: 'spki', format: 'der' });

/** A self-signed certificate with this subject. */
function certificate(subject: Buffer): Buffer {
  const now = Date.now();
  return signCertificate(
    {
      serial: randomSerial(),
      issuer: subject,
      subject,
      spki,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 86_400_000),
      extensions: [],
    },
    key.privateKey,
    signatureSchemeFor(key.privateKey),
  );
}

const peer = (subject: Buffer) => new X509Certificate(certificate(subject)).toLegacyObject();

describe('red team 13: MyProxy serverDN compares names as OpenSSL does', () => {
  const check = myproxyServerIdentity('myproxy.example.org', 'CN=host/myproxy.kit.edu,O=Grid');
  const O: Attr = [OID_ORGANIZATION_NAME, TAG.PRINTABLE_STRING, 'Grid'];

  test('allowed: the same name, in other ASCII case and white space, in any string type', () => {
    for (const subject of [
      name(O, [OID_COMMON_NAME, TAG.UTF8_STRING, 'host/myproxy.kit.edu']),
      name(
        [OID_ORGANIZATION_NAME, TAG.UTF8_STRING, ' GRID '],
        [OID_COMMON_NAME, TAG.UTF8_STRING, 'HOST/myproxy.KIT.edu'],
      ),
      name(O, [OID_COMMON_NAME, TAG.T61_STRING, 'host/myproxy.kit.edu']),
      name(O, [OID_COMMON_NAME, TAG.IA5_STRING, 'host/myproxy.kit.edu']),
      name(
        [OID_ORGANIZATION_NAME, TAG.UTF8_STRING, 'Grid'],
        [OID_COMMON_NAME, TAG.UTF8_STRING, 'host/myproxy.kit.edu\t'],
      ),
    ]) {
      assert.equal(check('myproxy.example.org', peer(subject)), undefined, subject.toString('hex'));
    }
  });

  test('denied: Unicode look-alikes that only a Unicode case or space folding equates', () => {
    for (const cn of [
      'host/myproxy.\u212Ait.edu', // KELVIN SIGN, lowercases to 'k'
      'host/myproxy.kit.edu\u3000', // IDEOGRAPHIC SPACE, trimmed by String.prototype.trim
      'host/myproxy.kit.edu\u00a0', // NO-BREAK SPACE
      'host/myproxy.kit.edu\u2028', // LINE SEPARATOR
    ]) {
      const err = check('myproxy.example.org', peer(name(O, [OID_COMMON_NAME, TAG.UTF8_STRING, cn])));
      assert.match(String(err), /not the configured server DN/, JSON.stringify(cn));
    }
  });
});

describe('red team 13: a certificate subject prints as before the DN merge (DN patterns match it)', () => {
  // before the merge the validator printed a value's '=' as is (RFC 4514 allows both), and service
  // DN patterns written that way matched; the merged printer escaped it as '\=' and they stopped matching
  const subject = name(
    [OID_ORGANIZATION_NAME, TAG.UTF8_STRING, 'Org'],
    [OID_COMMON_NAME, TAG.UTF8_STRING, 'uid=42'],
  );
  const names = () => {
    const dn = parseCertificate(certificate(subject)).subject;
    return { subjectDN: dn.rfc4514, subjectDNLegacy: dn.legacy };
  };

  test('allowed: the pattern as the subject printed before', () => {
    assert.equal(names().subjectDN, 'CN=uid=42,O=Org');
    assert.ok(compileDNPatterns(['CN=uid=42,O=Org'])(names()));
    assert.ok(compileDNPatterns(['/O=Org/CN=uid=42'])(names()));
  });

  test('denied: another value', () => {
    assert.ok(!compileDNPatterns(['CN=uid=43,O=Org'])(names()));
    assert.ok(!compileDNPatterns(['CN=uid=42,O=Other'])(names()));
  });

  test('the CA still escapes every special character of a user name it puts in a subject', () => {
    assert.equal(userSubjectDN('O=Org', 'a=b,O=Evil'), 'CN=a\\=b\\,O\\=Evil,O=Org');
  });
});
