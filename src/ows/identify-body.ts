/**
 * What a request body is, judged by its bytes and never by its label: upstreams read bodies whatever
 * their Content-Type says (PyWPS parses every POST body as XML; lxml detects UTF-16 and UTF-32 on its
 * own), so the proxy must see the document the upstream will see. Pure.
 *
 * - **XML**: a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), else the first bytes' pattern of
 *   zeros (XML 1.0 Appendix F; widened to any ASCII character, not only `<?`, so that a document with
 *   leading white space or without a declaration is still found), then optional white space and `<`.
 *   UTF-16/32 bodies are returned decoded; 8-bit ones as bytes, for `parseXML` to apply the
 *   declaration's encoding as an XML processor does.
 * - **Form**: text holding at least one `=`, without control characters other than white space (RFC
 *   1866 §8.2.1 wants printable ASCII; sloppy clients send raw spaces and UTF-8, which upstreams read
 *   as KVP all the same). Whether it is read as KVP depends on its label too (parse-request.ts).
 * - EBCDIC XML (`4C 6F A7 94`, "<?xm"), which libxml2 can decode, is not read here: unknown.
 * - Anything else is **unknown**: the caller treats it as an unidentified operation (fail closed).
 */
import { TwitcherError } from '../errors.js';
import { checkDeclaredFamily } from './xml.js';

export type IdentifiedBody =
  | { kind: 'xml'; document: Buffer | string }
  | { kind: 'form'; text: string }
  | { kind: 'unknown'; why: string };

type Wide = 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** The byte order mark, or the Appendix F zero pattern of the first four bytes. */
function wideEncoding(b: Buffer): { encoding: Wide | 'utf-8' | undefined; skip: number } {
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]];
  // UTF-32 marks first: FF FE 00 00 also starts like the UTF-16LE mark
  if (b.length >= 4 && b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) return bom('utf-32le', 4);
  if (b.length >= 4 && b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return bom('utf-32be', 4);
  if (b.length >= 3 && b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return bom('utf-8', 0);
  if (b.length >= 2 && b0 === 0xff && b1 === 0xfe) return bom('utf-16le', 2);
  if (b.length >= 2 && b0 === 0xfe && b1 === 0xff) return bom('utf-16be', 2);
  if (b.length >= 4) {
    const ascii = (x: number | undefined) => x !== undefined && x > 0 && x < 0x80;
    if (b0 === 0 && b1 === 0 && b2 === 0 && ascii(b3)) return bom('utf-32be', 0);
    if (ascii(b0) && b1 === 0 && b2 === 0 && b3 === 0) return bom('utf-32le', 0);
    if (b0 === 0 && ascii(b1) && b2 === 0 && ascii(b3)) return bom('utf-16be', 0);
    if (ascii(b0) && b1 === 0 && ascii(b2) && b3 === 0) return bom('utf-16le', 0);
  }
  return { encoding: undefined, skip: 0 };
}

function bom(encoding: Wide | 'utf-8', skip: number) {
  return { encoding, skip };
}

function malformed(description: string): TwitcherError {
  return new TwitcherError('malformed_body', { description, locator: 'body' });
}

/**
 * UTF-32 (Node's TextDecoder has none: the WHATWG Encoding standard dropped it); strict, as libxml2
 * is: a code point above U+10FFFF or a surrogate is an error.
 */
function decodeUTF32(bytes: Buffer, bigEndian: boolean): string {
  if (bytes.length % 4 !== 0) throw malformed('The UTF-32 request body has a truncated character.');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const cp = bigEndian ? bytes.readUInt32BE(i) : bytes.readUInt32LE(i);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw malformed('The UTF-32 request body holds an invalid character.');
    }
    out.push(String.fromCodePoint(cp));
  }
  return out.join('');
}

function decodeWide(body: Buffer, encoding: Wide): string {
  if (encoding === 'utf-32le' || encoding === 'utf-32be') return decodeUTF32(body, encoding === 'utf-32be');
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw malformed(`The request body is not valid ${encoding.toUpperCase()}.`);
  }
}

const isXMLSpace = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Index of the first character that is not XML white space (XML 1.0 §2.3 [3]). */
function firstNonSpace(s: string): number {
  let i = 0;
  while (i < s.length && isXMLSpace(s.charCodeAt(i))) i++;
  return i;
}

/** True when there is a `=` and no control character but white space: the shape of a form body. */
function isFormShaped(body: Buffer): boolean {
  let equals = false;
  for (const c of body) {
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return false;
    if (c === 0x3d) equals = true;
  }
  return equals;
}

const EBCDIC_XML = Buffer.from([0x4c, 0x6f, 0xa7, 0x94]);

/**
 * Identifies a non-empty request body. Throws `malformed_body` when the bytes announce a wide
 * encoding they do not hold.
 */
export function identifyBody(body: Buffer): IdentifiedBody {
  const { encoding, skip } = wideEncoding(body);
  if (encoding !== undefined && encoding !== 'utf-8') {
    const text = decodeWide(body.subarray(skip), encoding);
    const start = firstNonSpace(text);
    if (text.charCodeAt(start) === 0x3c) {
      checkDeclaredFamily(text.slice(start), encoding.startsWith('utf-16') ? 'utf-16' : 'utf-32');
      return { kind: 'xml', document: text.slice(start) };
    }
    return { kind: 'unknown', why: `a ${encoding.toUpperCase()} body that is not an XML document` };
  }
  let i = encoding === 'utf-8' ? 3 : 0;
  while (i < body.length && isXMLSpace(body[i])) i++;
  if (body[i] === 0x3c) {
    // parseXML reads the byte order mark and the declaration itself; leading white space before a
    // declaration is not XML, so only a mark-less body is trimmed
    return { kind: 'xml', document: encoding === 'utf-8' || i === 0 ? body : body.subarray(i) };
  }
  if (encoding === undefined && !body.subarray(0, 4).equals(EBCDIC_XML) && isFormShaped(body))
    return { kind: 'form', text: body.toString('utf8') };
  return { kind: 'unknown', why: 'a body that is neither an XML document nor form-encoded' };
}
