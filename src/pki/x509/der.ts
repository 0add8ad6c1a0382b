/**
 * The one DER codec of pki/ (ITU-T X.690 §8, §10): reading (certificate framing, the extensions the
 * validator acts on, certification requests, names) and writing (the CA's TBSCertificates, names).
 * Single-byte tags and definite, minimal lengths only; anything else is refused, so a malformed input
 * fails here instead of being half-understood. The certificate and name structures themselves are
 * decoded by @peculiar/asn1-x509 (certificate.ts, dn/), which is BER-lenient: this strict reader is
 * what keeps non-DER input out where we act on the bytes (extensions, proxyCertInfo, CSRs, framing).
 * Writing is by hand because the issuing path is measured (ca/certificate.ts says by how much).
 * Reading a basicConstraints value: ~3 µs here against ~79 µs with AsnConvert.parse (and strict DER).
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Input that is not the DER expected. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One element read from an input. */
export interface Element {
  tag: number;
  /** Offset of the identifier octet in the input. */
  start: number;
  /** Offset of the first contents octet. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
  /** The contents octets (a view, not a copy). */
  value: Buffer;
  /** The whole element, identifier to end (a view, not a copy). */
  raw: Buffer;
}

const asBuffer = (input: Uint8Array): Buffer =>
  Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);

/** Reads one element at `offset`. X.690 §8.1.2 (identifier), §8.1.3 + §10.1 (definite, minimal length). */
export function readElement(input: Uint8Array, offset = 0): Element {
  const buf = asBuffer(input);
  if (offset + 2 > buf.length) throw new DerError('truncated element');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let length = buf[offset + 1] as number;
  let contentStart = offset + 2;
  if (length === 0x80) throw new DerError('indefinite length is not DER');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4) throw new DerError('length too large');
    if (contentStart + count > buf.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[contentStart + i] as number);
    // X.690 §10.1: the shortest form is required
    if (length < 0x80 || buf[contentStart] === 0) throw new DerError('non-minimal length');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > buf.length) throw new DerError('truncated contents');
  return {
    tag,
    start: offset,
    contentStart,
    end,
    value: buf.subarray(contentStart, end),
    raw: buf.subarray(offset, end),
  };
}

/** Reads exactly one element filling the whole input (no trailing bytes), with `expectedTag` if given. */
export function readSingle(input: Uint8Array, expectedTag?: number): Element {
  const el = readElement(input, 0);
  if (expectedTag !== undefined && el.tag !== expectedTag) {
    throw new DerError(`expected tag 0x${expectedTag.toString(16)}, got 0x${el.tag.toString(16)}`);
  }
  if (el.end !== input.length) throw new DerError('trailing bytes after the DER element');
  return el;
}

/** Every element of a constructed value's contents, in order. */
export function readChildren(contents: Uint8Array): Element[] {
  const out: Element[] = [];
  let offset = 0;
  while (offset < contents.length) {
    const el = readElement(contents, offset);
    out.push(el);
    offset = el.end;
  }
  return out;
}

/** The children of `el`, which must carry `tag`. */
export function childrenOf(el: Element, tag: number, what: string): Element[] {
  if (el.tag !== tag) throw new DerError(`${what}: unexpected tag 0x${el.tag.toString(16)}`);
  return readChildren(el.value);
}

/** Dotted-decimal text of an OBJECT IDENTIFIER's contents (X.690 §8.19). */
function decodeOid(value: Uint8Array): string {
  if (value.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let acc = 0n;
  let fresh = true;
  for (const byte of value) {
    if (fresh && byte === 0x80) throw new DerError('non-minimal OID arc');
    acc = (acc << 7n) | BigInt(byte & 0x7f);
    fresh = false;
    if ((byte & 0x80) === 0) {
      arcs.push(acc);
      acc = 0n;
      fresh = true;
    }
  }
  if (!fresh) throw new DerError('truncated OID');
  const first = arcs[0] as bigint;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** An OBJECT IDENTIFIER element as dotted-decimal text. */
export function readOid(el: Element): string {
  if (el.tag !== TAG.OID) throw new DerError('expected an OBJECT IDENTIFIER');
  return decodeOid(el.value);
}

/** A non-negative INTEGER's value (X.690 §8.3; minimal encoding; negative values are refused). */
export function readUnsignedInteger(el: Element): bigint {
  if (el.tag !== TAG.INTEGER || el.value.length === 0) throw new DerError('expected an INTEGER');
  if (el.value.length > 1 && el.value[0] === 0 && ((el.value[1] as number) & 0x80) === 0) {
    throw new DerError('non-minimal INTEGER');
  }
  if (((el.value[0] as number) & 0x80) !== 0) throw new DerError('negative INTEGER');
  return BigInt(`0x${el.value.toString('hex')}`);
}

/** The same as a number, clamped to 2^53 - 1 (a path length beyond that is "unlimited" anyway). */
export function readSmallUnsigned(el: Element): number {
  const n = readUnsignedInteger(el);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** A DER BOOLEAN: 0x00 or 0xFF only. */
export function readBoolean(el: Element): boolean {
  if (el.tag !== TAG.BOOLEAN || el.value.length !== 1) throw new DerError('expected a BOOLEAN');
  const v = el.value[0] as number;
  if (v !== 0 && v !== 0xff) throw new DerError('BOOLEAN is not DER (0x00 or 0xFF)');
  return v === 0xff;
}

/** The bits of a BIT STRING, without the unused-bits octet. */
export function readBitString(el: Element): { bytes: Buffer; unusedBits: number } {
  if (el.tag !== TAG.BIT_STRING || el.value.length === 0) throw new DerError('expected a BIT STRING');
  const unusedBits = el.value[0] as number;
  if (unusedBits > 7 || (el.value.length === 1 && unusedBits !== 0)) throw new DerError('bad BIT STRING');
  return { bytes: el.value.subarray(1), unusedBits };
}

// ------------------------------------------------------------------------------ writing

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: tag, length, contents. */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = contents.length === 1 ? (contents[0] as Buffer) : Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

/** SEQUENCE of the given encodings. */
export const seq = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...items);

/** SET OF: DER sorts the encodings (X.690 §11.6). */
export const setOf = (...items: Buffer[]): Buffer => tlv(TAG.SET, ...[...items].sort(Buffer.compare));

/** An [n] EXPLICIT context tag around one element. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);

/** NULL. */
export const derNull = (): Buffer => Buffer.from([TAG.NULL, 0]);

/** BOOLEAN (0xFF for TRUE, as DER requires). */
export const derBoolean = (v: boolean): Buffer => Buffer.from([TAG.BOOLEAN, 1, v ? 0xff : 0]);

/** OCTET STRING. */
export const octetString = (v: Buffer): Buffer => tlv(TAG.OCTET_STRING, v);

/** BIT STRING with `unusedBits` unused bits in its last octet. */
export const bitString = (bytes: Buffer, unusedBits = 0): Buffer =>
  tlv(TAG.BIT_STRING, Buffer.from([unusedBits]), bytes);

/** A non-negative INTEGER in minimal two's-complement form. */
export function derInteger(value: bigint | number): Buffer {
  let v = BigInt(value);
  if (v < 0n) throw new DerError('negative INTEGER not supported');
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (((bytes[0] as number) & 0x80) !== 0) bytes.unshift(0);
  return tlv(TAG.INTEGER, Buffer.from(bytes));
}

/** OBJECT IDENTIFIER from dotted-decimal text. */
export function encodeOid(oid: string): Buffer {
  const parts = oid.split('.').map((p) => {
    if (!/^\d+$/.test(p)) throw new DerError(`bad OID ${oid}`);
    return BigInt(p);
  });
  if (parts.length < 2) throw new DerError(`bad OID ${oid}`);
  const [a, b] = parts as [bigint, bigint];
  const arcs = [a * 40n + b, ...parts.slice(2)];
  const out: number[] = [];
  for (const arc of arcs) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; seconds precision, Zulu. */
export function derTime(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const year = date.getUTCFullYear();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'latin1'));
}
