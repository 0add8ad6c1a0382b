import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DerError } from '../../src/pki/x509/der.js';
import { decodeBasicConstraints, decodeExtKeyUsage, decodeKeyUsage } from '../../src/pki/x509/extensions.js';
import * as x509 from '../../src/pki/x509/peculiar-x509.js';
import { derInteger, derOid, tlv } from '../helpers/certs.js';

const value = (ext: x509.Extension) => new Uint8Array(ext.value);

describe('standard extensions (RFC 5280 §4.2.1)', () => {
  test('basicConstraints: cA, pathLen, an explicit FALSE, and an empty SEQUENCE', () => {
    assert.deepEqual(decodeBasicConstraints(value(new x509.BasicConstraintsExtension(true, 2))), {
      ca: true,
      pathLen: 2,
    });
    assert.deepEqual(decodeBasicConstraints(value(new x509.BasicConstraintsExtension(true))), { ca: true });
    assert.deepEqual(decodeBasicConstraints(tlv(0x30)), { ca: false });
    assert.deepEqual(decodeBasicConstraints(tlv(0x30, Buffer.from([0x01, 0x01, 0x00]))), { ca: false });
    assert.throws(() => decodeBasicConstraints(tlv(0x30, derOid('1.2.3'))), DerError);
    assert.throws(
      () => decodeBasicConstraints(tlv(0x30, Buffer.from([0x01, 0x01, 0xff]), derInteger(1), derInteger(1))),
      DerError,
    );
  });

  test('keyUsage: bit n → 1 << n, the same flags as @peculiar/x509', () => {
    const F = x509.KeyUsageFlags;
    for (const flags of [
      F.digitalSignature,
      F.keyCertSign | F.cRLSign,
      F.digitalSignature | F.keyEncipherment | F.decipherOnly,
    ]) {
      assert.equal(decodeKeyUsage(value(new x509.KeyUsagesExtension(flags))), flags);
    }
    assert.throws(() => decodeKeyUsage(Buffer.from([0x03, 0x01, 0x08])), DerError);
    assert.throws(() => decodeKeyUsage(Buffer.from([0x04, 0x01, 0x00])), DerError);
  });

  test('extKeyUsage: a non-empty SEQUENCE OF OID', () => {
    assert.deepEqual(
      decodeExtKeyUsage(value(new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2', '2.5.29.37.0']))),
      ['1.3.6.1.5.5.7.3.2', '2.5.29.37.0'],
    );
    assert.throws(() => decodeExtKeyUsage(tlv(0x30)), DerError);
    assert.throws(() => decodeExtKeyUsage(tlv(0x30, derInteger(1))), DerError);
  });
});
