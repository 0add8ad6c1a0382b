/**
 * KVP keys that upstreams read as reserved ones: trimmed, decoded twice, case-folded the Java or
 * Python way, NFKC-normalised or cut at NUL. Twitcher would ignore such a key and judge by the others
 * (`request=GetCapabilities`) while the upstream obeys it (`request=Execute`), so it is refused, in
 * the query string and in a form body. Each refused key has an allowed twin that reads as nothing
 * reserved. Then duplicated reserved keys: every upstream must read the value Twitcher judged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest } from '../../src/ows/types.js';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 32 };

type Send = (kvp: string) => OWSRequest;

const get: Send = (kvp) =>
  parseOWSRequest({ method: 'GET', query: kvp, path: '/wps', serviceType: 'wps' }, LIMITS);

/** A form body, with `query` in the query string. */
const post =
  (query: string): Send =>
  (kvp) =>
    parseOWSRequest(
      {
        method: 'POST',
        query,
        path: '/wps',
        serviceType: 'wps',
        contentType: 'application/x-www-form-urlencoded',
        body: Buffer.from(kvp),
      },
      LIMITS,
    );

const SENDS: [string, Send][] = [
  ['query string', get],
  ['form body', post('')],
];

function refused(send: Send, kvp: string, locator: string | undefined): void {
  assert.throws(
    () => send(kvp),
    (err: unknown) => {
      assert.ok(isTwitcherError(err), `not a TwitcherError: ${String(err)}`);
      assert.equal(err.code, 'invalid_parameter', err.description);
      assert.equal(err.status, 400);
      assert.equal(err.locator, locator, err.description);
      return true;
    },
  );
}

function allowed(send: Send, kvp: string): OWSRequest {
  const r = send(kvp);
  assert.equal(r.kind, 'ows');
  assert.equal(r.operation, 'GetCapabilities');
  return r;
}

/** Percent-encodes a key written with its Unicode characters (as a browser would send it). */
const enc = encodeURIComponent;

interface KeyCase {
  why: string;
  /** A key (as sent) that some upstream reads as `locator`. */
  denied: string;
  locator: string;
  /** Its twin, as close as it gets, that reads as nothing reserved anywhere. */
  allowed: string;
}

const LOOKALIKES: KeyCase[] = [
  // trimming (Java's trim() and strip(), Python's strip(), filters in front of the upstream)
  { why: 'a trailing space', denied: 'request%20', locator: 'request', allowed: 'request%20x' },
  { why: 'a leading space', denied: '%20request', locator: 'request', allowed: '%20requests' },
  { why: "a trailing '+' (space)", denied: 'request+', locator: 'request', allowed: 're+quest' },
  { why: 'a leading tab', denied: '%09request', locator: 'request', allowed: '%09requester' },
  { why: 'a trailing CR LF', denied: 'version%0D%0A', locator: 'version', allowed: 'versions%0D%0A' },
  { why: 'a no-break space', denied: 'request%C2%A0', locator: 'request', allowed: 'request%C2%A0id' },
  {
    why: 'an ideographic space',
    denied: enc('\u3000request'),
    locator: 'request',
    allowed: enc('my\u3000request'),
  },
  {
    why: 'an em space',
    denied: enc('identifier\u2003'),
    locator: 'identifier',
    allowed: enc('identifier\u2003x'),
  },
  { why: 'a byte order mark', denied: '%EF%BB%BFrequest', locator: 'request', allowed: '%EF%BB%BFfoo' },
  // invisible characters and controls (sanitisers drop them, C strings stop at NUL)
  {
    why: 'a zero-width space inside',
    denied: 're%E2%80%8Bquest',
    locator: 'request',
    allowed: 're%E2%80%8Bquests',
  },
  { why: 'a soft hyphen inside', denied: 'lay%C2%ADers', locator: 'layers', allowed: 'lay%C2%ADered' },
  { why: 'a trailing NUL', denied: 'request%00', locator: 'request', allowed: 'request%5C0' },
  {
    why: 'NUL then more (C string)',
    denied: 'request%00junk',
    locator: 'request',
    allowed: 'request%5C0junk',
  },
  { why: 'a control inside', denied: 're%01quest', locator: 'request', allowed: 're%5Cx01quest' },
  // case folding (Java's equalsIgnoreCase / toUpperCase, Python's casefold)
  { why: 'long s ſ', denied: enc('reque\u017Ft'), locator: 'request', allowed: enc('reque\u0161t') },
  { why: 'long s ſ, raw UTF-8', denied: 'reque\u017Ft', locator: 'request', allowed: 'reque\u0161t' },
  { why: 'dotless ı', denied: enc('serv\u0131ce'), locator: 'service', allowed: enc('serv\u00EFce') },
  { why: 'dotted İ', denied: enc('SERV\u0130CE'), locator: 'service', allowed: enc('SERV\u00CDCE') },
  { why: 'dotted İ in jobid', denied: enc('job\u0130d'), locator: 'jobid', allowed: enc('job\u00CDd') },
  { why: 'ligature ﬅ (st)', denied: enc('reque\uFB05'), locator: 'request', allowed: enc('reque\uFB05s') },
  {
    why: 'ligature ﬁ (fi)',
    denied: enc('identi\uFB01er'),
    locator: 'identifier',
    allowed: enc('identi\uFB02er'),
  },
  {
    why: 'long s ſ in typenames',
    denied: enc('typename\u017F'),
    locator: 'typenames',
    allowed: enc('typename\u0161'),
  },
  // NFKC (fullwidth and styled letters)
  {
    why: 'fullwidth letters',
    denied: enc('ｒｅｑｕｅｓｔ'),
    locator: 'request',
    allowed: enc('ｒｅｑｕｅｓｔｓ'),
  },
  { why: 'mathematical bold letters', denied: enc('𝐫𝐞𝐪𝐮𝐞𝐬𝐭'), locator: 'request', allowed: enc('𝐫𝐞𝐪𝐮𝐞𝐬𝐭𝐬') },
  { why: 'circled letters', denied: enc('ⓘⓓ'), locator: 'id', allowed: enc('ⓘⓓⓢ') },
  {
    why: 'a fullwidth low line',
    denied: enc('query\uFF3Flayers'),
    locator: 'query_layers',
    allowed: enc('query\uFF0Dlayers'),
  },
  // percent-decoding more than once
  { why: 'a double-encoded letter', denied: '%2572equest', locator: 'request', allowed: '%2572equests' },
  { why: 'a double-encoded space', denied: 'request%2520', locator: 'request', allowed: 'request%2520x' },
  { why: "a double-encoded '+'", denied: 'request%2B', locator: 'request', allowed: 'request%2Bx' },
  { why: 'a triple-encoded letter', denied: '%252572equest', locator: 'request', allowed: '%252572equests' },
  { why: 'a double-encoded ſ', denied: 'reque%25C5%25BFt', locator: 'request', allowed: 'reque%25C5%25A1t' },
  {
    why: 'double-encoded, fullwidth',
    denied: enc(enc('ｌａｙｅｒｓ')),
    locator: 'layers',
    allowed: enc(enc('ｌａｙｅｒ ｓ')),
  },
];

describe('KVP keys that read as reserved ones are refused', () => {
  for (const [how, send] of SENDS) {
    for (const c of LOOKALIKES) {
      it(`${how}: ${c.why} (${c.denied}) -> 400 InvalidParameterValue ${c.locator}`, () => {
        refused(send, `service=WPS&request=GetCapabilities&${c.denied}=Execute`, c.locator);
        refused(send, `${c.denied}=Execute&service=WPS&request=GetCapabilities`, c.locator);
      });
      it(`${how}: twin ${c.allowed} is a vendor key, left to the upstream`, () => {
        allowed(send, `service=WPS&request=GetCapabilities&${c.allowed}=Execute`);
      });
    }
  }
});

interface Case {
  why: string;
  /** Pairs after `service=WPS&request=GetCapabilities`. */
  allowed: string;
  denied: string;
  /** The locator of the refusal; undefined: the refused name is not echoed. */
  locator: string | undefined;
}

const ORDINARY: Case[] = [
  {
    why: 'upper-case keys',
    allowed: 'REQUEST=GetCapabilities',
    denied: 'REQUEST=Execute',
    locator: 'request',
  },
  {
    why: 'mixed-case keys',
    allowed: 'ReQuEsT=GetCapabilities',
    denied: 'ReQuEsT=Execute',
    locator: 'request',
  },
  {
    why: 'percent-encoded keys',
    allowed: 'r%65quest=GetCapabilities',
    denied: 'r%65quest=Execute',
    locator: 'request',
  },
  {
    why: 'percent-encoded upper-case keys',
    allowed: 'R%45QUEST=GetCapabilities',
    denied: 'R%45QUEST=Execute',
    locator: 'request',
  },
  {
    why: 'a vendor key (MapServer map=)',
    allowed: 'map=/maps/a.map',
    denied: 'm%00ap=/maps/a.map',
    locator: undefined,
  },
  { why: 'a vendor key with a space', allowed: 'foo%20bar=1', denied: 'foo%00bar=1', locator: undefined },
  {
    why: 'a non-ASCII key that folds to nothing reserved',
    allowed: 'r%C3%A9quest=Execute',
    denied: 'r%C3%A9quest=x&reque%C5%BFt=Execute',
    locator: 'request',
  },
  {
    why: 'a Kelvin sign (folds to k: no reserved key has one)',
    allowed: `${enc('\u212Aey')}=1`,
    denied: `${enc('\u212Aey')}=1&${enc('\u212Aey\u0000')}=1`,
    locator: undefined,
  },
  {
    why: 'values with %20',
    allowed: 'datainputs=a%20b&language=en%20GB',
    denied: 'identifier%20=a%20b',
    locator: 'identifier',
  },
  {
    why: 'a white-space-only key (a form body ending in &CR LF)',
    allowed: '%0D%0A',
    denied: '%0D%00%0A',
    locator: undefined,
  },
  {
    why: 'a malformed escape in a vendor key',
    allowed: 'foo%zz=1',
    denied: 'request%00%zz=1',
    locator: 'request',
  },
  {
    why: 'a key decoded many times to nothing reserved',
    allowed: 'foo%252525252541=1',
    denied: `%${'25'.repeat(16)}72equest=Execute`,
    locator: undefined,
  },
];

describe('ordinary keys and vendor keys are read as before', () => {
  for (const [how, send] of SENDS) {
    for (const c of ORDINARY) {
      it(`${how}: ${c.why} (${c.allowed})`, () => {
        allowed(send, `service=WPS&request=GetCapabilities&${c.allowed}`);
      });
      it(`${how}: twin ${c.denied} -> 400 InvalidParameterValue ${c.locator ?? '(no locator)'}`, () => {
        refused(send, `service=WPS&request=GetCapabilities&${c.denied}`, c.locator);
      });
    }
  }
  it('the value of a reserved key keeps its %20, decoded', () => {
    const r = get('service=WPS&request=DescribeProcess&version=1.0.0&identifier=hello%20world');
    assert.deepEqual(r.identifiers, ['hello world']);
  });
});

// PyWPS reads the first value of the last key spelling (its keys are lower-cased), MapServer the last
// pair, GeoServer the last key spelling: with equal values all of them read what Twitcher judged.
const DUPLICATES: Case[] = [
  {
    why: 'the same pair twice',
    allowed: 'request=GetCapabilities',
    denied: 'request=Execute',
    locator: 'request',
  },
  {
    why: 'the same value under another key case',
    allowed: 'REQUEST=GetCapabilities&Request=GetCapabilities',
    denied: 'REQUEST=GetCapabilities&Request=Execute',
    locator: 'request',
  },
  {
    why: 'request values differing in ASCII case (the same operation everywhere)',
    allowed: 'REQUEST=getcapabilities&request=GETCAPABILITIES',
    denied: `REQUEST=${enc('GetCapabilitie\u017F')}`,
    locator: 'request',
  },
  {
    why: 'service values differing in ASCII case',
    allowed: 'SERVICE=wps',
    denied: `SERVICE=${enc('wp\u017F')}`,
    locator: 'service',
  },
  {
    why: 'the same resource value, encoded differently',
    allowed: 'identifier=a%2Cb&IDENTIFIER=a,b',
    denied: 'identifier=a,b&IDENTIFIER=b,a',
    locator: 'identifier',
  },
  {
    why: 'resource values are compared with their case',
    allowed: 'identifier=Hello&identifier=Hello',
    denied: 'identifier=Hello&identifier=hello',
    locator: 'identifier',
  },
  {
    why: 'values are compared untrimmed (an upstream that does not trim reads the other one)',
    allowed: 'version=1.0.0&VERSION=1.0.0',
    denied: 'version=1.0.0&VERSION=1.0.0%20',
    locator: 'version',
  },
];

describe('duplicated reserved keys', () => {
  for (const [how, send] of SENDS) {
    for (const c of DUPLICATES) {
      it(`${how}: ${c.why} (${c.allowed})`, () => {
        allowed(send, `service=WPS&request=GetCapabilities&${c.allowed}`);
      });
      it(`${how}: twin ${c.denied} -> 400 InvalidParameterValue ${c.locator}`, () => {
        refused(send, `service=WPS&request=GetCapabilities&${c.denied}`, c.locator);
      });
    }
  }
  it('the query and the form body must agree too', () => {
    const r = allowed(post('REQUEST=GetCapabilities'), 'service=WPS&request=GetCapabilities');
    assert.equal(r.encoding, 'form');
    refused(post('REQUEST=GetCapabilities'), 'service=WPS&request=Execute', 'request');
  });
  it('a lookalike key in the query is refused when the form body names the request', () => {
    allowed(post('reque%C5%A1t=Execute'), 'service=WPS&request=GetCapabilities');
    refused(post('reque%C5%BFt=Execute'), 'service=WPS&request=GetCapabilities', 'request');
  });
});

describe('";" separators (Python parse_qsl before 3.9.2, WebOb)', () => {
  const parse = (query: string) =>
    parseOWSRequest(
      { method: 'GET', query, path: '', serviceType: 'wps' },
      { maxBytes: 65536, maxDepth: 16 },
    );
  it('a pair hiding ;request= after a GetCapabilities is refused', () => {
    for (const q of [
      'service=WPS&request=GetCapabilities&x=1;request=Execute',
      'service=WPS&x=1;request=Execute&request=GetCapabilities',
      'service=WPS;identifier=secret&request=GetCapabilities',
      'service=WPS&request=GetCapabilities&x=1;%20REQUEST=Execute',
    ]) {
      assert.throws(
        () => parse(q),
        (e: unknown) => isTwitcherError(e) && e.code === 'invalid_parameter',
        q,
      );
    }
  });
  it('a ";" that names nothing reserved is allowed (the twin)', () => {
    assert.equal(parse('service=WPS&request=GetCapabilities&x=1;y=2;z').operation, 'GetCapabilities');
  });
});

describe('a form-labelled XML body that also reads as KVP', () => {
  const post = (body: string, contentType: string) =>
    parseOWSRequest(
      { method: 'POST', query: '', path: '', serviceType: 'wfs', contentType, body: Buffer.from(body) },
      { maxBytes: 65536, maxDepth: 16 },
    );
  const doc =
    '<!--&request=GetFeature&typename=cities&--><wfs:GetCapabilities xmlns:wfs="http://www.opengis.net/wfs" service="WFS"/>';
  it('is refused under the form label (MapServer would read GetFeature)', () => {
    assert.throws(
      () => post(doc, 'application/x-www-form-urlencoded'),
      (e: unknown) => isTwitcherError(e) && e.code === 'malformed_body',
    );
  });
  it('is judged as XML under an XML label, and a plain XML body under the form label passes (twins)', () => {
    assert.equal(post(doc, 'text/xml').operation, 'GetCapabilities');
    const plain = '<wfs:GetCapabilities xmlns:wfs="http://www.opengis.net/wfs" service="WFS"/>';
    assert.equal(post(plain, 'application/x-www-form-urlencoded').operation, 'GetCapabilities');
    // a reference URL in a document (curl -d @execute.xml posts under the form label)
    const execute =
      '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" service="WPS" version="1.0.0">' +
      '<ows:Identifier>hello</ows:Identifier><wps:DataInputs><wps:Input><ows:Identifier>f</ows:Identifier>' +
      '<wps:Reference xlink:href="http://x/wfs?service=WFS&amp;request=GetFeature&amp;typename=a"/></wps:Input></wps:DataInputs></wps:Execute>';
    const r = parseOWSRequest(
      {
        method: 'POST',
        query: '',
        path: '',
        serviceType: 'wps',
        contentType: 'application/x-www-form-urlencoded',
        body: Buffer.from(execute),
      },
      { maxBytes: 65536, maxDepth: 16 },
    );
    assert.equal(r.operation, 'Execute');
  });
});
