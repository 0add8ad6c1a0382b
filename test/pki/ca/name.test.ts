import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { certificateParts } from '../../../src/pki/ca/certificate.js';
import {
  encodeDN,
  escapeDNValue,
  formatDN,
  formatOneLine,
  nameFromDER,
  opensslNameHash,
  parseDN,
  sameName,
  userSubjectDN,
} from '../../../src/pki/x509/dn/index.js';

function opensslCert(subj: string, extra: string[] = []): { pem: string; hash: string; subject: Buffer } {
  const pem = execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      subj,
      '-utf8',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  ).toString();
  const hash = execFileSync('openssl', ['x509', '-noout', '-subject_hash'], { input: pem }).toString().trim();
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  return { pem, hash, subject: certificateParts(der).subject };
}

describe('DN strings', () => {
  test('RFC 4514 and one-line forms give the same RDNs', () => {
    const a = parseDN('CN=alice,OU=Users,O=Twitcher,DC=example,DC=org');
    const b = parseDN('/DC=org/DC=example/O=Twitcher/OU=Users/CN=alice');
    assert.deepEqual(a, b);
    assert.equal(formatDN(a), 'CN=alice,OU=Users,O=Twitcher,DC=example,DC=org');
    assert.equal(formatOneLine(a), '/DC=org/DC=example/O=Twitcher/OU=Users/CN=alice');
    assert.deepEqual(
      parseDN('CN=Twitcher Online CA, O=Twitcher'),
      parseDN('CN=Twitcher Online CA,O=Twitcher'),
    );
  });
  test('escaping (RFC 4514 §2.4) round-trips', () => {
    for (const v of [
      'a,b',
      'a+b',
      'a"b',
      'a\\b',
      '<x>',
      'a;b',
      ' lead',
      'trail ',
      '#hash',
      'x=y',
      'nul\u0000',
      'ünï',
    ]) {
      const dn = `CN=${escapeDNValue(v)},O=T`;
      assert.deepEqual(parseDN(dn)[1], [{ type: '2.5.4.3', value: v }], dn);
    }
    assert.equal(userSubjectDN('/O=Grid/OU=Users', 'a,b'), 'CN=a\\,b,OU=Users,O=Grid');
    assert.throws(() => parseDN('FOO=bar'), /unknown attribute type/);
    assert.throws(() => userSubjectDN('O=x', ''), /empty/);
  });
});

describe('OpenSSL subject hash and name comparison', () => {
  const subjects = [
    '/CN=Twitcher Online CA/O=Twitcher',
    '/C=XX/O=MyProxy  Peer/CN=  Spaced   Out  ',
    '/DC=org/DC=Example/O=UPPER lower/OU=Users+UID=x/CN=ünïcödé name',
    '/C=DE/ST=Bayern/L=München/O=Grid e.V./emailAddress=ca@example.org/CN=Grid CA',
  ];
  for (const subj of subjects) {
    test(subj, () => {
      const { hash, subject } = opensslCert(subj);
      assert.equal(opensslNameHash(subject), hash);
    });
  }
  test('PrintableString vs UTF8String, case and spaces do not matter', () => {
    const printable = opensslCert('/C=XX/O=Some Org/CN=Host', ['-nameopt', 'utf8']);
    const ours = encodeDN('CN=host,O=some   org,C=xx');
    assert.ok(sameName(nameFromDER(printable.subject), nameFromDER(ours)));
    assert.equal(opensslNameHash(ours), printable.hash);
    assert.ok(!sameName(nameFromDER(printable.subject), nameFromDER(encodeDN('CN=host2,O=Some Org,C=XX'))));
  });
});
