/**
 * Safe parsing of small XML request bodies into a minimal element tree.
 *
 * - No DTD at all: any DOCTYPE is refused, so no entity can be declared or expanded (billion laughs,
 *   external entities / XXE). Only the five predefined entities and character references are
 *   resolved (XML 1.0 §4.6, §4.1), which saxes does by itself.
 * - Bounded: body length (`maxBytes`), element nesting (`maxDepth`) and element count (`maxNodes`).
 * - Encoding (XML 1.0 Appendix F, the order lxml follows too): a byte order mark or the zero pattern
 *   of UTF-16/32 (`detectXMLEncoding`), whose declaration may only name that family; else the
 *   `encoding` of the XML declaration, read whole, among UTF-8, ISO-8859-1 and windows-1252; else
 *   UTF-8. The Content-Type charset is not consulted, so the proxy decodes the body the way the
 *   upstream's XML parser does. Every decoding is strict.
 * - `keepDepth` keeps only the top levels of the tree (the parser of OWS requests needs 4 at most);
 *   deeper elements are still checked for well-formedness and counted, but not stored, so a large
 *   inline WPS input costs no memory.
 */
import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { TwitcherError } from '../errors.js';
import type { XMLLimits } from './types.js';

/** One element: local name, namespace URI, attributes by local name (no xmlns), children, text. */
export interface XMLElement {
  name: string;
  ns: string;
  /** Attribute local name -> value. An unprefixed attribute wins over a prefixed one of the same local name. */
  attrs: Record<string, string>;
  children: XMLElement[];
  /** Character data (text and CDATA) directly inside the element, concatenated, untrimmed. */
  text: string;
  /**
   * A child element, comment or processing instruction sits inside: `text` is then not what lxml
   * calls the element's text (only the part before the first such node), so a name read from it
   * (`<ows:Identifier>canary<!-- -->x</ows:Identifier>`) would differ from the upstream's.
   */
  mixed: boolean;
  /**
   * On the root only: the values of every `rid` and `fid` attribute at any depth (WFS/FES resource
   * ids, which name their feature type however deep the filter nests them).
   */
  resourceIds?: string[];
}

export interface XMLParseLimits extends XMLLimits {
  /** Largest number of elements in the document (default 100 000). */
  maxNodes?: number | undefined;
  /** Elements deeper than this are validated but not kept in the tree (default: keep all). */
  keepDepth?: number | undefined;
}

export const DEFAULT_MAX_NODES = 100_000;

const BODY_LOCATOR = 'body';
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const ENCODING_DECL = /\sencoding\s*=\s*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)')/;
/** Labels of ISO-8859-1 and its ASCII subset (WHATWG Encoding maps them all to windows-1252). */
const LATIN1_LABELS: ReadonlySet<string> = new Set([
  'iso-8859-1',
  'iso8859-1',
  'iso88591',
  'iso_8859-1',
  'iso_8859-1:1987',
  'iso-ir-100',
  'csisolatin1',
  'latin1',
  'latin-1',
  'l1',
  'cp819',
  'ibm819',
  'us-ascii',
  'ascii',
  'ansi_x3.4-1968',
]);
const CP1252_LABELS: ReadonlySet<string> = new Set(['windows-1252', 'cp1252', 'x-cp1252']);
/**
 * windows-1252 bytes 0x80–0x9F (WHATWG index-windows-1252; unassigned bytes stay C1 controls). Node 20's
 * TextDecoder decodes windows-1252 as Latin-1, so the table is applied here.
 */
const CP1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

function decodeCp1252(body: Buffer): string {
  const latin1 = body.toString('latin1');
  let out = '';
  let from = 0;
  for (let i = 0; i < latin1.length; i++) {
    const code = latin1.charCodeAt(i);
    if (code >= 0x80 && code <= 0x9f) {
      out += latin1.slice(from, i) + CP1252_HIGH.charAt(code - 0x80);
      from = i + 1;
    }
  }
  return from === 0 ? latin1 : out + latin1.slice(from);
}
const UTF8_LABELS: ReadonlySet<string> = new Set(['utf-8', 'utf8']);

function malformed(description: string, detail?: string): TwitcherError {
  return new TwitcherError('malformed_body', { description, locator: BODY_LOCATOR, detail });
}

/** Decodes `bytes` with a WHATWG decoder, failing on invalid input. */
function decodeStrict(bytes: Uint8Array, label: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
  } catch {
    throw malformed(`Unsupported XML encoding "${label}"`);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw malformed(`XML body is not valid ${label}`);
  }
}

/**
 * The `encoding` of a leading XML declaration, lower case, or undefined. The whole declaration is
 * read, however long: libxml2 reads it all, and a reader that stopped early would decode as UTF-8 a
 * body lxml decodes as, say, UTF-7 (where `+…-` runs are markup).
 */
function declaredEncoding(text: string): string | undefined {
  // '<?xml' followed by white space (XML 1.0 §2.8 [23])
  if (!/^<\?xml[ \t\r\n]/.test(text)) return undefined;
  const end = text.indexOf('?>');
  if (end < 0) throw malformed('The XML declaration is not closed');
  const match = ENCODING_DECL.exec(text.slice(5, end));
  const label = match?.[1] ?? match?.[2];
  return label?.toLowerCase();
}

/** The declaration of a body read as 8-bit text (its ASCII part is all a declaration may hold). */
function declaredEncodingOf(body: Buffer, start: number): string | undefined {
  if (body.length < start + 6 || body.toString('latin1', start, start + 5) !== '<?xml') return undefined;
  const end = body.indexOf('?>', start);
  return declaredEncoding(body.toString('latin1', start, end < 0 ? body.length : end + 2));
}

/**
 * A declaration inside a body whose encoding its byte order mark (or its zero pattern) already
 * gave: it must name that encoding's family. libxml2 follows the declaration after a UTF-8 mark, so a
 * body marked one way and declared another is read two ways: refused.
 */
function checkDeclaredFamily(text: string, family: 'utf-8' | 'utf-16' | 'utf-32'): void {
  const label = declaredEncoding(text);
  if (label === undefined) return;
  const ok =
    family === 'utf-8'
      ? UTF8_LABELS.has(label)
      : family === 'utf-16'
        ? label.startsWith('utf-16') || label === 'ucs-2' || label === 'iso-10646-ucs-2'
        : label.startsWith('utf-32') || label === 'ucs-4' || label === 'iso-10646-ucs-4';
  if (!ok) throw malformed(`An XML body in ${family.toUpperCase()} must not declare the encoding "${label}"`);
}

/** Turns the request body bytes into a string, as an XML processor would (XML 1.0 Appendix F). */
export function decodeXMLBody(body: Buffer): string {
  const { encoding, bom } = detectXMLEncoding(body);
  if (encoding !== undefined) {
    const text = decodeUnicode(body.subarray(bom), encoding);
    checkDeclaredFamily(text.slice(firstNonSpace(text)), FAMILY[encoding]);
    return text;
  }
  const label = declaredEncodingOf(body, 0);
  if (label === undefined || UTF8_LABELS.has(label)) return decodeStrict(body, 'utf-8');
  // WHATWG maps ISO-8859-1 to windows-1252; XML processors use the real Latin-1.
  if (LATIN1_LABELS.has(label)) return body.toString('latin1');
  if (CP1252_LABELS.has(label)) return decodeCp1252(body);
  if (label.startsWith('utf-16')) throw malformed(`XML declared as ${label} has no byte order mark`);
  // Any other encoding is refused: Node's decoders and libxml2's iconv disagree on some (Shift_JIS,
  // Big5, EUC), and ASCII-incompatible ones (UTF-7, ISO-2022, HZ) turn text into markup for lxml.
  throw malformed(
    `Unsupported XML encoding "${label}" (UTF-8, UTF-16, UTF-32, ISO-8859-1, windows-1252 are)`,
  );
}

/** The Unicode encodings a body's first bytes give away. */
export type XMLUnicodeEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

const FAMILY: Readonly<Record<XMLUnicodeEncoding, 'utf-8' | 'utf-16' | 'utf-32'>> = {
  'utf-8': 'utf-8',
  'utf-16le': 'utf-16',
  'utf-16be': 'utf-16',
  'utf-32le': 'utf-32',
  'utf-32be': 'utf-32',
};

/**
 * The encoding a body's first bytes give away (XML 1.0 Appendix F, as lxml finds it): a byte order
 * mark (UTF-8, UTF-16, UTF-32; `bom` is its length), else the zero pattern of UTF-16/32 without one —
 * widened to any ASCII character, not only `<?`, so that a document with leading white space or
 * without a declaration is still found. Undefined: an 8-bit body (its declaration decides).
 */
export function detectXMLEncoding(b: Buffer): { encoding: XMLUnicodeEncoding | undefined; bom: number } {
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]];
  // UTF-32 marks first: FF FE 00 00 also starts like the UTF-16LE mark
  if (b.length >= 4 && b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0)
    return { encoding: 'utf-32le', bom: 4 };
  if (b.length >= 4 && b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)
    return { encoding: 'utf-32be', bom: 4 };
  if (b.length >= 3 && b0 === UTF8_BOM[0] && b1 === UTF8_BOM[1] && b2 === UTF8_BOM[2]) {
    return { encoding: 'utf-8', bom: 3 };
  }
  if (b.length >= 2 && b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (b.length >= 2 && b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be', bom: 2 };
  if (b.length >= 4) {
    const ascii = (x: number | undefined) => x !== undefined && x > 0 && x < 0x80;
    if (b0 === 0 && b1 === 0 && b2 === 0 && ascii(b3)) return { encoding: 'utf-32be', bom: 0 };
    if (ascii(b0) && b1 === 0 && b2 === 0 && b3 === 0) return { encoding: 'utf-32le', bom: 0 };
    if (b0 === 0 && ascii(b1) && b2 === 0 && ascii(b3)) return { encoding: 'utf-16be', bom: 0 };
    if (ascii(b0) && b1 === 0 && ascii(b2) && b3 === 0) return { encoding: 'utf-16le', bom: 0 };
  }
  return { encoding: undefined, bom: 0 };
}

function decodeUnicode(bytes: Buffer, encoding: XMLUnicodeEncoding): string {
  if (encoding === 'utf-32le' || encoding === 'utf-32be') return decodeUTF32(bytes, encoding === 'utf-32be');
  return decodeStrict(bytes, encoding);
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

/** XML white space (XML 1.0 §2.3 [3]). */
export const isXMLSpace = (c: number | undefined): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Index of the first character that is not XML white space. */
export function firstNonSpace(s: string): number {
  let i = 0;
  while (i < s.length && isXMLSpace(s.charCodeAt(i))) i++;
  return i;
}

function checkLimits(limits: XMLParseLimits): void {
  if (!(limits.maxBytes > 0) || !(limits.maxDepth > 0)) {
    throw new TypeError('parseXML: maxBytes and maxDepth must be positive');
  }
}

/**
 * Parses an XML document into its root element. Throws `TwitcherError('malformed_body')` for bad XML,
 * a DOCTYPE, or a depth/node bound, and `TwitcherError('payload_too_large')` above `maxBytes`.
 */
export function parseXML(body: Buffer | string, limits: XMLParseLimits): XMLElement {
  checkLimits(limits);
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > limits.maxBytes) {
    throw new TwitcherError('payload_too_large', {
      description: `XML body larger than ${limits.maxBytes} bytes`,
      locator: BODY_LOCATOR,
    });
  }
  const text = typeof body === 'string' ? body : decodeXMLBody(body);
  const maxNodes = limits.maxNodes ?? DEFAULT_MAX_NODES;
  const keepDepth = limits.keepDepth ?? Number.POSITIVE_INFINITY;

  const parser = new SaxesParser({ xmlns: true, position: true });
  /** Open elements; `undefined` entries are validated but not kept. */
  const stack: (XMLElement | undefined)[] = [];
  let root: XMLElement | undefined;
  let nodes = 0;

  parser.on('doctype', () => {
    // XML 1.0 §2.8: the DTD is where entities are declared; refusing it rules out entity expansion.
    throw malformed('XML body must not contain a DOCTYPE declaration');
  });
  const resourceIds: string[] = [];
  parser.on('opentag', (tag: SaxesTagNS) => {
    nodes += 1;
    for (const attr of Object.values(tag.attributes)) {
      if (attr.local === 'rid' || attr.local === 'fid') resourceIds.push(attr.value);
    }
    if (nodes > maxNodes) throw malformed(`XML body has more than ${maxNodes} elements`);
    const depth = stack.length + 1;
    if (depth > limits.maxDepth)
      throw malformed(`XML body is nested deeper than ${limits.maxDepth} elements`);
    const parent = stack[stack.length - 1];
    if (parent) parent.mixed = true;
    if (depth > keepDepth || (depth > 1 && parent === undefined)) {
      stack.push(undefined);
      return;
    }
    const element: XMLElement = {
      name: tag.local,
      ns: tag.uri,
      attrs: attributesOf(tag),
      children: [],
      text: '',
      mixed: false,
    };
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (data: string): void => {
    const current = stack[stack.length - 1];
    if (current) current.text += data;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  const onNode = (): void => {
    const current = stack[stack.length - 1];
    if (current) current.mixed = true;
  };
  parser.on('comment', onNode);
  parser.on('processinginstruction', onNode);

  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof TwitcherError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw malformed(`XML body is not well-formed: ${message}`, message);
  }
  if (!root) throw malformed('XML body has no root element');
  root.resourceIds = resourceIds;
  return root;
}

function attributesOf(tag: SaxesTagNS): Record<string, string> {
  // No prototype: an attribute named __proto__ is data, not a prototype change.
  const attrs: Record<string, string> = Object.create(null);
  const prefixed: [string, string][] = [];
  for (const attr of Object.values(tag.attributes)) {
    if (attr.prefix === 'xmlns' || attr.name === 'xmlns') continue; // namespace declarations
    if (attr.prefix === '') attrs[attr.local] = attr.value;
    else prefixed.push([attr.local, attr.value]);
  }
  for (const [local, value] of prefixed) {
    if (!Object.hasOwn(attrs, local)) attrs[local] = value;
  }
  return attrs;
}

/** The direct children of `element` with this local name (any namespace). */
export function childrenNamed(element: XMLElement, name: string): XMLElement[] {
  return element.children.filter((child) => child.name === name);
}
