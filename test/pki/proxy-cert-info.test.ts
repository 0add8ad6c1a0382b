import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DerError } from '../../src/pki/x509/der.js';
import { OID_GLOBUS_LIMITED_PROXY, OID_PPL_INHERIT_ALL } from '../../src/pki/x509/oids.js';
import { decodeProxyCertInfo, policyKind } from '../../src/pki/x509/proxy-cert-info.js';
import { derInteger, derOid, encodeProxyCertInfo, tlv } from '../helpers/certs.js';

describe('proxyCertInfo (RFC 3820 §3.8)', () => {
  test('decodes pathLen, policy language and policy', () => {
    assert.deepEqual(decodeProxyCertInfo(encodeProxyCertInfo({ pathLen: 3 }), 'rfc3820'), {
      pathLen: 3,
      policyLanguage: OID_PPL_INHERIT_ALL,
    });
    assert.deepEqual(decodeProxyCertInfo(encodeProxyCertInfo({}), 'rfc3820'), {
      policyLanguage: OID_PPL_INHERIT_ALL,
    });
    const withPolicy = decodeProxyCertInfo(
      encodeProxyCertInfo({ language: '1.2.3', policy: new Uint8Array([1, 2]) }),
      'rfc3820',
    );
    assert.equal(withPolicy.policyLanguage, '1.2.3');
    assert.deepEqual([...(withPolicy.policy ?? [])], [1, 2]);
    assert.equal(decodeProxyCertInfo(encodeProxyCertInfo({ pathLen: 300 }), 'rfc3820').pathLen, 300);
  });

  test('the GSI-3 draft layout (policy first, [1] pathLen) only under the draft OID', () => {
    const draft = encodeProxyCertInfo({ pathLen: 2, language: OID_GLOBUS_LIMITED_PROXY }, true);
    assert.deepEqual(decodeProxyCertInfo(draft, 'gsi3'), {
      pathLen: 2,
      policyLanguage: OID_GLOBUS_LIMITED_PROXY,
    });
    assert.throws(() => decodeProxyCertInfo(draft, 'rfc3820'), DerError);
  });

  test('malformed values are errors: negative or non-minimal INTEGER, trailing bytes, no policy, BER lengths', () => {
    const policy = tlv(0x30, derOid(OID_PPL_INHERIT_ALL));
    const bad = [
      tlv(0x30, Buffer.from([0x02, 0x01, 0xff]), policy),
      tlv(0x30, Buffer.from([0x02, 0x02, 0x00, 0x01]), policy),
      Buffer.concat([tlv(0x30, policy), Buffer.from([0])]),
      tlv(0x30, derInteger(1)),
      tlv(0x30, policy, policy),
      Buffer.from([0x30, 0x81, 0x03, 0x02, 0x01, 0x01]),
      Buffer.from([0x30, 0x80, 0x00, 0x00]),
      Buffer.from([0x30, 0x05, 0x02, 0x01]),
    ];
    for (const value of bad)
      assert.throws(() => decodeProxyCertInfo(value, 'rfc3820'), DerError, value.toString('hex'));
  });

  test('policy kinds', () => {
    assert.equal(policyKind('1.3.6.1.5.5.7.21.1'), 'inheritAll');
    assert.equal(policyKind('1.3.6.1.5.5.7.21.2'), 'independent');
    assert.equal(policyKind('1.3.6.1.4.1.3536.1.1.1.9'), 'limited');
    assert.equal(policyKind('1.3.6.1.5.5.7.21.0'), 'restricted');
  });
});
