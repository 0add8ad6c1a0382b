/**
 * A minimal, strict DER reader (ITU-T X.690 §8, §10): enough to frame a certificate and to decode the
 * small proxyCertInfo structure. Single-byte tags only, definite minimal lengths only; anything else
 * is refused, so a malformed input fails here instead of being half-understood.
 */

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

export interface Tlv {
  tag: number;
  /** The contents octets (a view into the input, not a copy). */
  value: Uint8Array;
  /** Offset just past this element in the input it was read from. */
  end: number;
}

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** Reads one element at `offset`. X.690 §8.1.2 (identifier), §8.1.3 + §10.1 (definite, minimal length). */
export function readTlv(input: Uint8Array, offset = 0): Tlv {
  if (offset + 2 > input.length) throw new DerError('truncated element');
  const tag = input[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let length = input[offset + 1] as number;
  let start = offset + 2;
  if (length === 0x80) throw new DerError('indefinite length is not DER');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4) throw new DerError('length too large');
    if (start + count > input.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (input[start + i] as number);
    // X.690 §10.1: the shortest form is required
    if (length < 0x80 || (input[start] as number) === 0) throw new DerError('non-minimal length');
    start += count;
  }
  const end = start + length;
  if (end > input.length) throw new DerError('truncated contents');
  return { tag, value: input.subarray(start, end), end };
}

/** Reads every element of a constructed value's contents, in order. */
export function readChildren(contents: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < contents.length) {
    const tlv = readTlv(contents, offset);
    out.push(tlv);
    offset = tlv.end;
  }
  return out;
}

/** Reads exactly one element spanning the whole input (no trailing bytes). */
export function readSingle(input: Uint8Array, expectedTag: number): Tlv {
  const tlv = readTlv(input, 0);
  if (tlv.tag !== expectedTag) throw new DerError(`expected tag 0x${expectedTag.toString(16)}`);
  if (tlv.end !== input.length) throw new DerError('trailing bytes after the element');
  return tlv;
}

/** A non-negative INTEGER (X.690 §8.3), minimal encoding; values beyond 2^53 are clamped. */
export function decodeUnsignedInteger(contents: Uint8Array): number {
  if (contents.length === 0) throw new DerError('empty INTEGER');
  const first = contents[0] as number;
  if (first & 0x80) throw new DerError('negative INTEGER');
  if (contents.length > 1 && first === 0 && ((contents[1] as number) & 0x80) === 0) {
    throw new DerError('non-minimal INTEGER');
  }
  let n = 0;
  for (const byte of contents) {
    n = n * 256 + byte;
    if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  }
  return n;
}

/** An OBJECT IDENTIFIER in dotted form (X.690 §8.19). */
export function decodeOid(contents: Uint8Array): string {
  if (contents.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  let fresh = true;
  for (const byte of contents) {
    if (fresh && byte === 0x80) throw new DerError('non-minimal OID arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('OID arc too large');
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0;
    }
  }
  if (!fresh) throw new DerError('truncated OID');
  const head = arcs[0] as number;
  const top = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [top, head - top * 40, ...arcs.slice(1)].join('.');
}
