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
import { decodeXMLBody, detectXMLEncoding, firstNonSpace, isXMLSpace } from './xml.js';

export type IdentifiedBody =
  | { kind: 'xml'; document: Buffer | string }
  | { kind: 'form'; text: string }
  | { kind: 'unknown'; why: string };

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
  const { encoding, bom } = detectXMLEncoding(body);
  if (encoding !== undefined && encoding !== 'utf-8') {
    const text = decodeXMLBody(body);
    const start = firstNonSpace(text);
    if (text.charCodeAt(start) === 0x3c) return { kind: 'xml', document: text.slice(start) };
    return { kind: 'unknown', why: `a ${encoding.toUpperCase()} body that is not an XML document` };
  }
  let i = bom;
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
