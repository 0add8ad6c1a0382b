/**
 * The binary serialisations of macaroons that libmacaroons, pymacaroons, go-macaroon and npm's
 * `macaroon` share (libmacaroons doc/format.txt), in base64: v2 (a version byte 2, then sections of
 * fields `type varint, length varint, data`, each section closed by a 0 byte) and v1 (packets
 * `LLLLkey value\n`, LLLL the packet length in 4 hex digits). Twitcher writes v2; it reads both, so a
 * macaroon narrowed by a library that writes v1 still works.
 *
 * Pure and free of server code: the client library narrows macaroons with it offline. Bad input is a
 * `MacaroonFormatError`, never a crash, and the work is bounded by the input's size.
 */

/** One caveat. First-party caveats have only an id (the predicate). */
export interface MacaroonCaveat {
  /** The predicate of a first-party caveat; the encrypted caveat key of a third-party one. */
  id: Buffer;
  /** Third-party caveats only: the verification id. */
  verificationId?: Buffer | undefined;
  /** Third-party caveats only: where to get a discharge. */
  location?: string | undefined;
}

/** A decoded macaroon: what the signature covers (identifier, caveats) plus two hints. */
export interface Macaroon {
  /** The serialisation it was read from (and will be written in). */
  version: 1 | 2;
  /** A hint of where the macaroon is meant to be used; not covered by the signature. '' when absent. */
  location: string;
  identifier: Buffer;
  caveats: MacaroonCaveat[];
  /** HMAC-SHA256 chain value: 32 bytes. */
  signature: Buffer;
}

/**
 * A string that is not a macaroon this codec can read (or a macaroon that cannot be written).
 *
 * @example
 * try {
 *   decodeMacaroon(token);
 * } catch (err) {
 *   if (err instanceof MacaroonFormatError) console.error(`not a macaroon: ${err.message}`);
 * }
 */
export class MacaroonFormatError extends Error {
  override readonly name = 'MacaroonFormatError';
}

/** Bounds on what is decoded: a bearer token of 8 KiB at most holds about 6 KiB of macaroon. */
export const MACAROON_MAX_BYTES = 6 * 1024;
/** More caveats than this are refused when reading and when narrowing. */
export const MACAROON_MAX_CAVEATS = 64;
export const MACAROON_SIGNATURE_BYTES = 32;

// libmacaroons doc/format.txt, v2 field types
const EOS = 0;
const LOCATION = 1;
const IDENTIFIER = 2;
const VID = 4;
const SIGNATURE = 6;

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function fail(message: string): never {
  throw new MacaroonFormatError(message);
}

/**
 * Whether `token` may be a macaroon, from its first characters only (for routing a bearer token):
 * v2 starts with the bytes 0x02 then a location or identifier field (`Ag…` in base64), v1 with the
 * 4 hex digits of a packet length.
 *
 * @example
 * looksLikeMacaroon('AgEUaHR0cHM6Ly…'); // true
 * looksLikeMacaroon('eyJhbGciOi…');     // false (a JWT)
 */
export function looksLikeMacaroon(token: string): boolean {
  if (token.length < 8 || !BASE64.test(token.slice(0, 8))) return false;
  const head = Buffer.from(token.slice(0, 8), 'base64');
  if (head[0] === 2) return head[1] === LOCATION || head[1] === IDENTIFIER;
  return /^[0-9a-f]{4}/.test(head.toString('latin1'));
}

/** base64 (URL-safe or standard, padded or not) → bytes; refuses anything else. */
function fromBase64(token: string): Buffer {
  if (token.length === 0) fail('empty macaroon');
  if (!BASE64.test(token) || token.replace(/=+$/, '').length % 4 === 1) fail('not base64');
  // Node's base64 decoder reads both alphabets
  const bytes = Buffer.from(token, 'base64');
  if (bytes.length > MACAROON_MAX_BYTES) fail(`larger than ${MACAROON_MAX_BYTES} bytes`);
  return bytes;
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Buffer) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.bytes[this.pos++];
      if (b === undefined) fail('truncated');
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    fail('varint too long');
  }

  take(n: number): Buffer {
    if (n < 0 || n > this.bytes.length - this.pos) fail('field extends past the end');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

interface Field {
  type: number;
  data: Buffer;
}

/** A v2 section: fields in increasing type order, up to an EOS. */
function readSection(r: Reader): Field[] {
  const fields: Field[] = [];
  let previous = EOS;
  for (;;) {
    const type = r.varint();
    if (type === EOS) return fields;
    if (type <= previous) fail('fields out of order');
    if (type !== LOCATION && type !== IDENTIFIER && type !== VID && type !== SIGNATURE)
      fail(`unknown field type ${type}`);
    previous = type;
    fields.push({ type, data: r.take(r.varint()) });
  }
}

function utf8(data: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    fail(`${what} is not UTF-8`);
  }
}

function decodeV2(bytes: Buffer): Macaroon {
  const r = new Reader(bytes);
  r.pos = 1;
  const header = readSection(r);
  let location = '';
  if (header[0]?.type === LOCATION) location = utf8(header.shift()!.data, 'location');
  if (header.length !== 1 || header[0]?.type !== IDENTIFIER) fail('invalid header');
  const identifier = header[0].data;
  const caveats: MacaroonCaveat[] = [];
  for (;;) {
    const section = readSection(r);
    if (section.length === 0) break;
    if (caveats.length >= MACAROON_MAX_CAVEATS) fail(`more than ${MACAROON_MAX_CAVEATS} caveats`);
    const caveat: MacaroonCaveat = { id: Buffer.alloc(0) };
    if (section[0]?.type === LOCATION) caveat.location = utf8(section.shift()!.data, 'caveat location');
    const id = section.shift();
    if (id?.type !== IDENTIFIER) fail('caveat without identifier');
    caveat.id = id.data;
    const vid = section.shift();
    if (vid?.type === VID) caveat.verificationId = vid.data;
    else if (vid !== undefined) fail('unexpected field in caveat');
    if (section.length > 0) fail('extra fields in caveat');
    if (caveat.location !== undefined && caveat.verificationId === undefined)
      fail('location in a first-party caveat');
    caveats.push(caveat);
  }
  if (r.varint() !== SIGNATURE) fail('no signature');
  const signature = r.take(r.varint());
  if (signature.length !== MACAROON_SIGNATURE_BYTES) fail('signature of the wrong length');
  if (!r.done) fail('trailing data after the signature');
  return { version: 2, location, identifier, caveats, signature };
}

function decodeV1(bytes: Buffer): Macaroon {
  const r = new Reader(bytes);
  const packets: { key: string; value: Buffer }[] = [];
  while (!r.done) {
    const size = r.take(4).toString('latin1');
    if (!/^[0-9a-fA-F]{4}$/.test(size)) fail('bad packet length');
    // at least `k \n` after the length
    const length = Number.parseInt(size, 16) - 4;
    if (length < 3) fail('bad packet length');
    const body = r.take(length);
    const space = body.indexOf(0x20);
    if (space <= 0 || body.at(-1) !== 0x0a) fail('bad packet');
    packets.push({ key: body.subarray(0, space).toString('latin1'), value: body.subarray(space + 1, -1) });
    if (packets.length > 3 * MACAROON_MAX_CAVEATS + 3) fail(`more than ${MACAROON_MAX_CAVEATS} caveats`);
  }
  const next = (key: string) => (packets[0]?.key === key ? packets.shift()!.value : undefined);
  const locationBytes = next('location');
  const identifier = next('identifier');
  if (locationBytes === undefined || identifier === undefined) fail('missing location or identifier');
  const caveats: MacaroonCaveat[] = [];
  for (let id = next('cid'); id !== undefined; id = next('cid')) {
    if (caveats.length >= MACAROON_MAX_CAVEATS) fail(`more than ${MACAROON_MAX_CAVEATS} caveats`);
    const verificationId = next('vid');
    const location = verificationId === undefined ? undefined : next('cl');
    if (verificationId !== undefined && location === undefined) fail('vid without cl');
    caveats.push({
      id,
      ...(verificationId && { verificationId, location: utf8(location!, 'caveat location') }),
    });
  }
  const signature = next('signature');
  if (signature === undefined || packets.length > 0) fail('unexpected packet');
  if (signature.length !== MACAROON_SIGNATURE_BYTES) fail('signature of the wrong length');
  return { version: 1, location: utf8(locationBytes, 'location'), identifier, caveats, signature };
}

/**
 * Reads a macaroon serialised in base64 (v2 or v1 binary). Throws `MacaroonFormatError`.
 *
 * @example
 * const m = decodeMacaroon(token);
 * console.log(m.caveats.map((c) => c.id.toString('utf8'))); // ['client = portal', 'scope = compute', …]
 */
export function decodeMacaroon(token: string): Macaroon {
  const bytes = fromBase64(token.trim());
  if (bytes[0] === 2) return decodeV2(bytes);
  if (bytes.length > 0 && /^[0-9a-f]$/.test(String.fromCharCode(bytes[0]!))) return decodeV1(bytes);
  fail(`unknown macaroon version (first byte ${bytes[0]})`);
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function encodeV2(m: Macaroon): Buffer {
  const parts: Buffer[] = [Buffer.from([2])];
  const field = (type: number, data: Buffer | string) => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    parts.push(Buffer.from([...varint(type), ...varint(bytes.length)]), bytes);
  };
  const eos = () => parts.push(Buffer.from([EOS]));
  if (m.location !== '') field(LOCATION, m.location);
  field(IDENTIFIER, m.identifier);
  eos();
  for (const c of m.caveats) {
    if (c.location !== undefined) field(LOCATION, c.location);
    field(IDENTIFIER, c.id);
    if (c.verificationId !== undefined) field(VID, c.verificationId);
    eos();
  }
  eos();
  field(SIGNATURE, m.signature);
  return Buffer.concat(parts);
}

function encodeV1(m: Macaroon): Buffer {
  const parts: Buffer[] = [];
  const packet = (key: string, value: Buffer | string) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const size = 4 + key.length + 2 + bytes.length;
    if (size > 0xffff) fail(`${key} too long for a v1 macaroon`);
    parts.push(
      Buffer.from(`${size.toString(16).padStart(4, '0')}${key} `, 'latin1'),
      bytes,
      Buffer.from('\n'),
    );
  };
  packet('location', m.location);
  packet('identifier', m.identifier);
  for (const c of m.caveats) {
    packet('cid', c.id);
    if (c.verificationId !== undefined) {
      packet('vid', c.verificationId);
      packet('cl', c.location ?? '');
    }
  }
  packet('signature', m.signature);
  return Buffer.concat(parts);
}

/**
 * Writes a macaroon in its version's binary form, base64url without padding (as pymacaroons and
 * libmacaroons do).
 *
 * @example
 * const narrowed = encodeMacaroon(addFirstPartyCaveat(decodeMacaroon(token), 'process = subset'));
 */
export function encodeMacaroon(m: Macaroon): string {
  if (m.signature.length !== MACAROON_SIGNATURE_BYTES) fail('signature of the wrong length');
  if (m.caveats.length > MACAROON_MAX_CAVEATS) fail(`more than ${MACAROON_MAX_CAVEATS} caveats`);
  return (m.version === 1 ? encodeV1(m) : encodeV2(m)).toString('base64url');
}
