/**
 * Decoders for the standard extensions the validator acts on, from their raw extnValue (strict DER,
 * der.ts): basicConstraints (RFC 5280 §4.2.1.9), keyUsage (§4.2.1.3), extKeyUsage (§4.2.1.12).
 */
import { DerError, readBitString, readChildren, readOid, readSingle, readSmallUnsigned, TAG } from './der.js';

export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLen?: number;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
export function decodeBasicConstraints(value: Uint8Array): BasicConstraints {
  const children = readChildren(readSingle(value, TAG.SEQUENCE).value);
  let ca = false;
  let next = 0;
  const first = children[0];
  if (first?.tag === TAG.BOOLEAN) {
    if (first.value.length !== 1) throw new DerError('basicConstraints: malformed BOOLEAN');
    ca = first.value[0] !== 0; // an explicit FALSE (DEFAULT) is tolerated: OpenSSL writes it
    next = 1;
  }
  const len = children[next];
  if (children.length > next + 1 || (len && len.tag !== TAG.INTEGER))
    throw new DerError('basicConstraints: unexpected element');
  return len ? { ca, pathLen: readSmallUnsigned(len) } : { ca };
}

/**
 * KeyUsage ::= BIT STRING; returned as flags with bit n of the string → 1 << n
 * (digitalSignature = 1, nonRepudiation = 2, keyEncipherment = 4, …, keyCertSign = 32, cRLSign = 64).
 */
export function decodeKeyUsage(value: Uint8Array): number {
  const { bytes } = readBitString(readSingle(value, TAG.BIT_STRING));
  let flags = 0;
  for (let n = 0; n < bytes.length * 8 && n < 31; n++) {
    if (((bytes[n >> 3] as number) & (0x80 >> (n & 7))) !== 0) flags |= 1 << n;
  }
  return flags;
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OBJECT IDENTIFIER) */
export function decodeExtKeyUsage(value: Uint8Array): string[] {
  const children = readChildren(readSingle(value, TAG.SEQUENCE).value);
  if (children.length === 0) throw new DerError('extKeyUsage: empty');
  return children.map((c) => {
    if (c.tag !== TAG.OID) throw new DerError('extKeyUsage: not an OBJECT IDENTIFIER');
    return readOid(c);
  });
}
