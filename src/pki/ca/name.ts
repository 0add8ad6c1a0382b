/**
 * Distinguished names for the online CA and the MyProxy client: parsing configured names (RFC 4514
 * strings such as `CN=Twitcher Online CA,O=Twitcher`, or OpenSSL/Globus one-line names such as
 * `/O=Twitcher/OU=Users`), escaping a user name into a DN (RFC 4514 §2.4), DER encoding (RFC 5280
 * §4.1.2.4), and OpenSSL's canonical form of a name with its `subject_hash` (the `<hash>.0` file
 * names of a CA directory such as /etc/grid-security/certificates).
 */
import { createHash } from 'node:crypto';
import {
  childrenOf,
  DerError,
  encodeOid,
  readChildren,
  readOid,
  readSingle,
  seq,
  setOf,
  TAG,
  tlv,
} from '../x509/der.js';

/** One attribute of a relative distinguished name. */
export interface DNAttribute {
  /** Attribute type OID. */
  type: string;
  value: string;
}

/** RDNs in certificate (ASN.1) order: the most significant (e.g. C or DC) first. */
export type DNAttributes = DNAttribute[][];

// RFC 4514 §3 and RFC 4519 names; the one-line form uses OpenSSL's short names (same except email).
const SHORT_NAMES: ReadonlyArray<[name: string, oid: string]> = [
  ['CN', '2.5.4.3'],
  ['C', '2.5.4.6'],
  ['L', '2.5.4.7'],
  ['ST', '2.5.4.8'],
  ['STREET', '2.5.4.9'],
  ['O', '2.5.4.10'],
  ['OU', '2.5.4.11'],
  ['DC', '0.9.2342.19200300.100.1.25'],
  ['UID', '0.9.2342.19200300.100.1.1'],
  ['serialNumber', '2.5.4.5'],
  ['SN', '2.5.4.4'],
  ['GN', '2.5.4.42'],
  ['givenName', '2.5.4.42'],
  ['title', '2.5.4.12'],
  ['emailAddress', '1.2.840.113549.1.9.1'],
  ['E', '1.2.840.113549.1.9.1'],
];
const OID_BY_NAME = new Map(SHORT_NAMES.map(([n, o]) => [n.toLowerCase(), o]));
const NAME_BY_OID = new Map<string, string>();
for (const [n, o] of SHORT_NAMES) if (!NAME_BY_OID.has(o)) NAME_BY_OID.set(o, n);

const OID_C = '2.5.4.6';
const OID_SERIAL_NUMBER = '2.5.4.5';
const IA5_TYPES = new Set(['0.9.2342.19200300.100.1.25', '1.2.840.113549.1.9.1']);
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export class DNSyntaxError extends Error {
  override readonly name = 'DNSyntaxError';
}

function attributeType(text: string, dn: string): string {
  const t = text.trim();
  if (/^\d+(\.\d+)+$/.test(t)) return t;
  const oid = OID_BY_NAME.get(t.toLowerCase());
  if (!oid) throw new DNSyntaxError(`unknown attribute type '${t}' in '${dn}'`);
  return oid;
}

/** RFC 4514 §3 value: escapes `\X` and `\HH` (UTF-8 bytes); spaces around the value are dropped. */
function unescapeValue(raw: string, dn: string): string {
  const bytes: number[] = [];
  let i = 0;
  const text = raw.replace(/^ +/, '');
  // trailing spaces are insignificant unless escaped: trim unescaped ones
  let end = text.length;
  while (end > 0 && text[end - 1] === ' ' && !isEscaped(text, end - 1)) end--;
  while (i < end) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const next = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(next)) {
        bytes.push(Number.parseInt(next, 16));
        i += 3;
        continue;
      }
      const c = text[i + 1];
      if (c === undefined) throw new DNSyntaxError(`dangling escape in '${dn}'`);
      bytes.push(...Buffer.from(c, 'utf8'));
      i += 2;
      continue;
    }
    if (ch === '"' || ch === '#') {
      if (ch === '#' && bytes.length > 0) {
        bytes.push(0x23);
        i++;
        continue;
      }
      throw new DNSyntaxError(`quoted and #hex values are not supported in '${dn}'`);
    }
    const cp = text.codePointAt(i) as number;
    const s = String.fromCodePoint(cp);
    bytes.push(...Buffer.from(s, 'utf8'));
    i += s.length;
  }
  const value = Buffer.from(bytes);
  const decoded = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoded.decode(value);
  } catch {
    throw new DNSyntaxError(`escaped bytes are not UTF-8 in '${dn}'`);
  }
}

function isEscaped(text: string, index: number): boolean {
  let n = 0;
  for (let j = index - 1; j >= 0 && text[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** Splits at unescaped `sep`. */
function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      cur += ch + (text[i + 1] as string);
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

function parseAttribute(text: string, dn: string): DNAttribute {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new DNSyntaxError(`'${text}' is not TYPE=value in '${dn}'`);
  const value = unescapeValue(text.slice(eq + 1), dn);
  if (value === '') throw new DNSyntaxError(`empty value in '${dn}'`);
  return { type: attributeType(text.slice(0, eq), dn), value };
}

/**
 * Parses a configured DN. `/A=a/B=b` (OpenSSL / Globus one-line form) is in certificate order;
 * `B=b,A=a` (RFC 4514) is most significant last. Both give RDNs in certificate order.
 */
export function parseDN(dn: string): DNAttributes {
  const text = dn.trim();
  if (text === '') return [];
  if (text.startsWith('/')) {
    // one-line form: '/' separates RDNs, '+' multi-valued RDNs; '\/' escapes a slash
    return splitUnescaped(text.slice(1), '/').map((rdn) =>
      splitUnescaped(rdn, '+').map((a) => parseAttribute(a.replace(/\\\//g, '/'), dn)),
    );
  }
  return splitUnescaped(text, ',')
    .map((rdn) => splitUnescaped(rdn, '+').map((a) => parseAttribute(a, dn)))
    .reverse();
}

/** RFC 4514 §2.4 escaping of one attribute value. */
export function escapeDNValue(value: string): string {
  let out = value.replace(/[\\"+,;<>=]/g, (c) => `\\${c}`);
  out = out.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function typeName(oid: string): string {
  return NAME_BY_OID.get(oid) ?? oid;
}

/** RFC 4514 string: most significant RDN last. */
export function formatDN(rdns: DNAttributes): string {
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${typeName(a.type)}=${escapeDNValue(a.value)}`).join('+'))
    .join(',');
}

/** OpenSSL X509_NAME_oneline()-like form `/C=XX/O=Org/CN=name` (signing_policy files, grid-mapfiles). */
export function formatOneLine(rdns: DNAttributes): string {
  return rdns
    .map(
      (rdn) =>
        `/${rdn.map((a) => `${a.type === '1.2.840.113549.1.9.1' ? 'emailAddress' : typeName(a.type)}=${a.value}`).join('+')}`,
    )
    .join('');
}

/**
 * The subject of a user's certificate: `baseDN` plus one RDN `CN=<username>`, as an RFC 4514 string
 * (the user name escaped, so `a,O=Evil` stays one CN value).
 */
export function userSubjectDN(baseDN: string, username: string): string {
  if (username === '') throw new DNSyntaxError('empty user name');
  return formatDN([...parseDN(baseDN), [{ type: '2.5.4.3', value: username }]]);
}

function encodeValue(attr: DNAttribute): Buffer {
  const { type, value } = attr;
  if (type === OID_C) {
    if (!/^[A-Za-z]{2}$/.test(value)) throw new DNSyntaxError(`country must be two letters, not '${value}'`);
    return tlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'latin1'));
  }
  if (IA5_TYPES.has(type)) {
    if (!/^[\x00-\x7f]*$/.test(value)) throw new DNSyntaxError(`'${value}' must be ASCII`);
    return tlv(TAG.IA5_STRING, Buffer.from(value, 'latin1'));
  }
  if (type === OID_SERIAL_NUMBER && PRINTABLE.test(value)) {
    return tlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'latin1'));
  }
  // RFC 5280 §4.1.2.4: UTF8String for new certificates (also OpenSSL's default string_mask)
  return tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'));
}

/** DER Name (RFC 5280 §4.1.2.4). */
export function encodeName(rdns: DNAttributes): Buffer {
  return seq(...rdns.map((rdn) => setOf(...rdn.map((a) => seq(encodeOid(a.type), encodeValue(a))))));
}

/** DER Name of a configured DN string. */
export function encodeDN(dn: string): Buffer {
  return encodeName(parseDN(dn));
}

// ------------------------------------------------------------------------------ decoding + canonical form

const STRING_TAGS = new Set<number>([
  TAG.UTF8_STRING,
  TAG.PRINTABLE_STRING,
  TAG.T61_STRING,
  TAG.IA5_STRING,
  TAG.VISIBLE_STRING,
  TAG.UNIVERSAL_STRING,
  TAG.BMP_STRING,
]);

/** A string value as text: UTF-8, BMP (UTF-16BE), Universal (UTF-32BE); one-byte types as Latin-1. */
function decodeString(tag: number, bytes: Buffer): string {
  if (tag === TAG.UTF8_STRING) return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  if (tag === TAG.BMP_STRING) {
    if (bytes.length % 2 !== 0) throw new DerError('bad BMPString');
    return Buffer.from(bytes).swap16().toString('utf16le');
  }
  if (tag === TAG.UNIVERSAL_STRING) {
    if (bytes.length % 4 !== 0) throw new DerError('bad UniversalString');
    let s = '';
    for (let i = 0; i < bytes.length; i += 4) s += String.fromCodePoint(bytes.readUInt32BE(i));
    return s;
  }
  return bytes.toString('latin1');
}

export interface DecodedAttribute {
  type: string;
  /** The value's tag and contents as encoded. */
  tag: number;
  bytes: Buffer;
  /** The text of a string value; undefined for other types. */
  text: string | undefined;
}

/** The RDNs of a DER Name, in certificate order. */
export function decodeName(der: Buffer): DecodedAttribute[][] {
  const name = readSingle(der, TAG.SEQUENCE);
  return readChildren(name.value).map((rdn) =>
    childrenOf(rdn, TAG.SET, 'RelativeDistinguishedName').map((atv) => {
      const [typeEl, valueEl, ...rest] = childrenOf(atv, TAG.SEQUENCE, 'AttributeTypeAndValue');
      if (!typeEl || !valueEl || rest.length > 0) throw new DerError('malformed AttributeTypeAndValue');
      const bytes = Buffer.from(valueEl.value);
      return {
        type: readOid(typeEl),
        tag: valueEl.tag,
        bytes,
        text: STRING_TAGS.has(valueEl.tag) ? decodeString(valueEl.tag, bytes) : undefined,
      };
    }),
  );
}

/** The text attributes of a DER Name (non-string values as `#hex`). */
export function nameAttributes(der: Buffer): DNAttributes {
  return decodeName(der).map((rdn) =>
    rdn.map((a) => ({
      type: a.type,
      value: a.text ?? `#${Buffer.concat([Buffer.from([a.tag]), a.bytes]).toString('hex')}`,
    })),
  );
}

const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** OpenSSL asn1_string_canon(): UTF-8; leading/trailing white space dropped, runs collapsed, ASCII lowercased. */
function canonicalValue(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  let start = 0;
  let end = bytes.length;
  while (start < end && isSpace(bytes[start] as number)) start++;
  while (end > start && isSpace(bytes[end - 1] as number)) end--;
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b & 0x80) out.push(b);
    else if (isSpace(b)) {
      out.push(0x20);
      while (i + 1 < end && isSpace(bytes[i + 1] as number)) i++;
    } else out.push(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
  }
  return Buffer.from(out);
}

/**
 * OpenSSL's canonical encoding of a name (x509_name_canon): every string value as a canonical
 * UTF8String, each RDN a DER SET, all RDN SETs concatenated without the outer SEQUENCE. Two names
 * are "the same" for OpenSSL when these bytes are equal.
 */
export function canonicalNameEncoding(der: Buffer): Buffer {
  const rdns = decodeName(der);
  return Buffer.concat(
    rdns.map((rdn) =>
      setOf(
        ...rdn.map((a) =>
          seq(
            encodeOid(a.type),
            a.text === undefined ? tlv(a.tag, a.bytes) : tlv(TAG.UTF8_STRING, canonicalValue(a.text)),
          ),
        ),
      ),
    ),
  );
}

/** `openssl x509 -subject_hash` of a DER Name: SHA-1 of the canonical encoding, first 4 bytes little-endian, hex. */
export function opensslNameHash(der: Buffer): string {
  const md = createHash('sha1').update(canonicalNameEncoding(der)).digest();
  return md.readUInt32LE(0).toString(16).padStart(8, '0');
}

/** Whether two DER names are equal under OpenSSL's comparison (case- and white-space-insensitive). */
export function sameName(a: Buffer, b: Buffer): boolean {
  return canonicalNameEncoding(a).equals(canonicalNameEncoding(b));
}
