import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import {
  childrenNamed,
  decodeXMLBody,
  parseXML,
  type XMLElement,
  type XMLParseLimits,
} from '../../src/ows/xml.js';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 16 };

function rejects(body: Buffer | string, code: string, match: RegExp, limits: XMLParseLimits = LIMITS): void {
  assert.throws(
    () => parseXML(body, limits),
    (err: unknown) => {
      assert.ok(isTwitcherError(err), `not a TwitcherError: ${String(err)}`);
      assert.equal(err.code, code);
      assert.equal(err.locator, 'body');
      assert.match(err.description, match);
      return true;
    },
  );
}

/** Attributes as a plain object (the parser's have no prototype). */
function attrs(element: XMLElement): Record<string, string> {
  return { ...element.attrs };
}

describe('parseXML: tree', () => {
  it('gives local names, namespace URIs, attributes without xmlns, children and text', () => {
    const root = parseXML(
      '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
        '<ows:Identifier> hello </ows:Identifier><wps:ResponseForm/></wps:Execute>',
      LIMITS,
    );
    assert.equal(root.name, 'Execute');
    assert.equal(root.ns, 'http://www.opengis.net/wps/1.0.0');
    assert.deepEqual(attrs(root), { service: 'WPS', version: '1.0.0' });
    assert.deepEqual(
      root.children.map((c) => [c.name, c.ns]),
      [
        ['Identifier', 'http://www.opengis.net/ows/1.1'],
        ['ResponseForm', 'http://www.opengis.net/wps/1.0.0'],
      ],
    );
    assert.equal(childrenNamed(root, 'Identifier')[0]?.text, ' hello ');
  });
  it('uses the default namespace and gives no namespace to an unqualified element', () => {
    assert.equal(parseXML('<a xmlns="urn:x"><b/></a>', LIMITS).children[0]?.ns, 'urn:x');
    assert.equal(parseXML('<a/>', LIMITS).ns, '');
  });
  it('keys attributes by local name, an unprefixed one winning over a prefixed one', () => {
    const root = parseXML(
      '<a xmlns:x="urn:x" x:service="WMS" service="WPS" xml:lang="en" x:only="1"/>',
      LIMITS,
    );
    assert.deepEqual(attrs(root), { service: 'WPS', lang: 'en', only: '1' });
  });
  it('keeps an attribute named __proto__ as data', () => {
    const root = parseXML('<a __proto__="x"/>', LIMITS);
    assert.deepEqual(Object.entries(root.attrs), [['__proto__', 'x']]);
    assert.equal(Object.getPrototypeOf(root.attrs), null);
  });
  it('resolves the predefined entities, character references and CDATA', () => {
    const root = parseXML(
      '<a t="&quot;&apos;">&lt;&gt;&amp;&#233;&#x4E2D;<![CDATA[<raw>&amp;]]></a>',
      LIMITS,
    );
    assert.equal(root.text, '<>&é中<raw>&amp;');
    assert.equal(root.attrs['t'], '"\'');
  });
  it('ignores comments and processing instructions', () => {
    const root = parseXML('<?xml version="1.0"?><!-- c --><?pi x?><a><!-- d -->x</a>', LIMITS);
    assert.equal(root.text, 'x');
  });
  it('keeps only keepDepth levels but still validates deeper ones', () => {
    const root = parseXML('<a><b><c><d/></c></b></a>', { ...LIMITS, keepDepth: 2 });
    assert.equal(root.children[0]?.name, 'b');
    assert.deepEqual(root.children[0]?.children, []);
    rejects('<a><b><c><d></c></b></a>', 'malformed_body', /not well-formed/);
  });
});

describe('parseXML: refused documents', () => {
  it('refuses a billion laughs DOCTYPE', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
      '<Execute service="WPS" version="1.0.0"><Identifier>&lol3;</Identifier></Execute>';
    rejects(laughs, 'malformed_body', /DOCTYPE/);
  });
  it('refuses an external entity (XXE)', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Execute><Identifier>&xxe;</Identifier></Execute>';
    rejects(xxe, 'malformed_body', /DOCTYPE/);
  });
  it('refuses a DOCTYPE without an internal subset', () => {
    rejects('<!DOCTYPE a SYSTEM "http://example.org/a.dtd"><a/>', 'malformed_body', /DOCTYPE/);
  });
  it('refuses an undeclared entity', () => {
    rejects('<a>&nbsp;</a>', 'malformed_body', /not well-formed/);
  });
  it('refuses a document nested deeper than maxDepth, accepts one at maxDepth', () => {
    const nested = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    assert.equal(parseXML(nested(16), LIMITS).name, 'a');
    rejects(nested(17), 'malformed_body', /deeper than 16/);
  });
  it('refuses a body larger than maxBytes (413), accepts one at maxBytes', () => {
    const body = `<a>${'x'.repeat(93)}</a>`; // 100 bytes
    assert.equal(parseXML(body, { maxBytes: 100, maxDepth: 4 }).text.length, 93);
    rejects(`${body} `, 'payload_too_large', /larger than 100 bytes/, { maxBytes: 100, maxDepth: 4 });
    rejects(Buffer.from(`${body} `), 'payload_too_large', /larger than 100 bytes/, {
      maxBytes: 100,
      maxDepth: 4,
    });
  });
  it('refuses more elements than maxNodes, accepts exactly maxNodes', () => {
    const doc = (n: number) => `<a>${'<b/>'.repeat(n - 1)}</a>`;
    assert.equal(parseXML(doc(10), { ...LIMITS, maxNodes: 10 }).children.length, 9);
    rejects(doc(11), 'malformed_body', /more than 10 elements/, { ...LIMITS, maxNodes: 10 });
  });
  const malformed: [string, string][] = [
    ['unclosed tag', '<a><b></a>'],
    ['two roots', '<a/><b/>'],
    ['text before the root', 'x<a/>'],
    ['unbound prefix', '<x:a/>'],
    ['bad attribute', '<a b=c/>'],
    ['duplicate attribute', '<a b="1" b="2"/>'],
    ['truncated', '<a><b>'],
    ['not XML at all', '{"service":"wps"}'],
  ];
  for (const [name, body] of malformed) {
    it(`refuses a malformed document: ${name}`, () => {
      rejects(body, 'malformed_body', /not well-formed/);
    });
  }
  it('refuses a document without a root', () => {
    rejects('<?xml version="1.0"?>', 'malformed_body', /./);
  });
  it('refuses invalid UTF-8', () => {
    rejects(
      Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]),
      'malformed_body',
      /not valid utf-8/,
    );
  });
  it('refuses an encoding it cannot decode', () => {
    rejects(
      Buffer.from('<?xml version="1.0" encoding="x-klingon"?><a/>'),
      'malformed_body',
      /Unsupported XML encoding/,
    );
  });
  it('throws a TypeError for nonsensical limits (a programming mistake)', () => {
    assert.throws(() => parseXML('<a/>', { maxBytes: 0, maxDepth: 1 }), TypeError);
  });
});

describe('decodeXMLBody: encodings', () => {
  it('decodes ISO-8859-1 declared in the XML declaration', () => {
    const head = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>');
    const body = Buffer.concat([head, Buffer.from([0xe9, 0x80]), Buffer.from('</a>')]);
    // 0x80 is a C1 control in Latin-1 (not the euro sign of windows-1252)
    assert.equal(parseXML(body, LIMITS).text, 'é\u0080');
  });
  it('decodes an encoding declared in single quotes', () => {
    const body = Buffer.concat([
      Buffer.from("<?xml version='1.0' encoding='latin1'?><a>"),
      Buffer.from([0xfc]),
      Buffer.from('</a>'),
    ]);
    assert.equal(parseXML(body, LIMITS).text, 'ü');
  });
  it('decodes windows-1252 as windows-1252', () => {
    const body = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="windows-1252"?><a>'),
      Buffer.from([0x80]),
      Buffer.from('</a>'),
    ]);
    assert.equal(parseXML(body, LIMITS).text, '€');
  });
  it('reads UTF-8 by default and with a UTF-8 byte order mark', () => {
    assert.equal(parseXML(Buffer.from('<a>é</a>'), LIMITS).text, 'é');
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?><a>é</a>'),
    ]);
    assert.equal(parseXML(bom, LIMITS).text, 'é');
  });
  it('refuses a byte order mark that contradicts the declared encoding (libxml2 follows the declaration)', () => {
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'),
    ]);
    assert.throws(() => parseXML(bom, LIMITS), /must not declare the encoding "iso-8859-1"/);
    const agreeing = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?><a>é</a>'),
    ]);
    assert.equal(parseXML(agreeing, LIMITS).text, 'é');
  });
  it('reads a declaration of any length, and refuses encodings other than UTF-8/16/32, Latin-1, windows-1252', () => {
    // a UTF-7 body behind a declaration longer than any fixed scan: lxml reads +ADw- as "<"
    const long = `<?xml version="1.0"${' '.repeat(300)}encoding="UTF-7"?><a>+ADw-b/+AD4-</a>`;
    assert.throws(() => parseXML(Buffer.from(long), LIMITS), /Unsupported XML encoding "utf-7"/);
    for (const label of ['UTF-7', 'ISO-2022-JP', 'Shift_JIS', 'EUC-KR', 'HZ-GB-2312', 'ebcdic-cp-us']) {
      const doc = Buffer.from(`<?xml version="1.0" encoding="${label}"?><a/>`);
      assert.throws(() => parseXML(doc, LIMITS), /Unsupported XML encoding/, label);
    }
    const unclosed = Buffer.from(`<?xml version="1.0" encoding="UTF-8"${' '.repeat(300)}<a/>`);
    assert.throws(() => parseXML(unclosed, LIMITS), /declaration is not closed/);
  });
  it('refuses a UTF-16 body that declares an 8-bit encoding', () => {
    const le = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml version="1.0" encoding="UTF-7"?><a/>', 'utf16le'),
    ]);
    assert.throws(() => parseXML(le, LIMITS), /must not declare/);
    const ok = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a/>', 'utf16le'),
    ]);
    assert.equal(parseXML(ok, LIMITS).name, 'a');
  });
  it('decodes UTF-16 with a byte order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a>é</a>', 'utf16le')]);
    assert.equal(parseXML(le, LIMITS).text, 'é');
    const be = Buffer.from(Buffer.from('<a>é</a>', 'utf16le')).swap16();
    assert.equal(parseXML(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), LIMITS).text, 'é');
  });
  it('refuses a UTF-16 declaration without a byte order mark', () => {
    rejects(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a/>'), 'malformed_body', /byte order mark/);
  });
  it('decodeXMLBody strips the byte order mark', () => {
    assert.equal(decodeXMLBody(Buffer.from([0xef, 0xbb, 0xbf, 0x3c, 0x61, 0x2f, 0x3e])), '<a/>');
  });
});
