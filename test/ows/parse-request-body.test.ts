/** bodyNeeded, content types, form bodies and body limits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest, OWSRequestInput } from '../../src/ows/types.js';
import { encodeText } from '../helpers/fuzz-body.js';

const LIMITS = { maxBytes: 4096, maxDepth: 8 };

function post(
  body: string | Buffer,
  contentType: string | undefined,
  extra: Partial<OWSRequestInput> = {},
): OWSRequest {
  return parseOWSRequest(
    {
      method: 'POST',
      query: '',
      path: '',
      serviceType: 'wps',
      contentType,
      body: typeof body === 'string' ? Buffer.from(body) : body,
      ...extra,
    },
    LIMITS,
  );
}

function rejects(fn: () => unknown, code: string, locator: string, status = 400): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTwitcherError(err), String(err));
    assert.equal(err.code, code, err.description);
    assert.equal(err.locator, locator);
    assert.equal(err.status, status);
    return true;
  });
}

const EXECUTE =
  '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
  '<ows:Identifier>hello</ows:Identifier></wps:Execute>';

const GETCAPS = '<GetCapabilities service="WPS" xmlns="http://www.opengis.net/wps/1.0.0"/>';

describe('a body is judged by its bytes, whatever its label', () => {
  const labels = [
    undefined,
    '',
    'text/xml',
    'text/plain',
    'text/plain; charset=utf-16',
    'application/octet-stream',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json',
    'text/html',
    'text/csv',
    'image/png',
  ];
  for (const label of labels) {
    it(`an Execute document labelled ${label ?? '(nothing)'} is an Execute, even under a GetCapabilities query`, () => {
      const r = post(EXECUTE, label);
      assert.equal(r.kind, 'ows');
      assert.equal(r.operation, 'Execute');
      assert.deepEqual(r.identifiers, ['hello']);
      rejects(
        () => post(EXECUTE, label, { query: 'service=WPS&request=GetCapabilities' }),
        'invalid_parameter',
        'request',
      );
    });
    it(`a GetCapabilities document labelled ${label ?? '(nothing)'} is a GetCapabilities (the allowed twin)`, () => {
      const r = post(GETCAPS, label, { query: 'service=WPS&request=GetCapabilities' });
      assert.equal(r.operation, 'GetCapabilities');
    });
  }
  const encodings: [string, (s: string) => Buffer][] = [
    ...(['utf-16be', 'utf-16le', 'utf-32be', 'utf-32le'] as const).flatMap(
      (charset): [string, (s: string) => Buffer][] => [
        [`${charset.toUpperCase()} with a byte order mark`, (s) => encodeText(s, charset, true)],
        [`${charset.toUpperCase()} without one`, (s) => encodeText(s, charset, false)],
      ],
    ),
    ['UTF-8 with a byte order mark', (s) => Buffer.from(`\ufeff${s}`)],
    ['UTF-8 after white space', (s) => Buffer.from(`\r\n  ${s}`)],
  ];
  for (const [name, encode] of encodings) {
    it(`an Execute document in ${name} under text/plain is an Execute`, () => {
      const r = post(
        encode(
          `<?xml version="1.0"?>${EXECUTE}`.replace(
            '<?xml version="1.0"?>',
            name.startsWith('UTF-8 after') ? '' : '<?xml version="1.0"?>',
          ),
        ),
        'text/plain',
      );
      assert.equal(r.operation, 'Execute');
      assert.deepEqual(r.identifiers, ['hello']);
    });
  }
  it('EBCDIC, JSON, binary and white space bodies are unidentified operations', () => {
    for (const body of [
      Buffer.from([0x4c, 0x6f, 0xa7, 0x94, 0x93, 0x40]),
      Buffer.from('{"process": "hello"}'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('   \n'),
      Buffer.from('hello world'),
    ]) {
      const r = post(body, 'application/octet-stream', { query: 'service=WPS&request=GetCapabilities' });
      assert.equal(r.kind, 'unidentified', body.toString('latin1'));
      assert.equal(r.operation, undefined);
    }
  });
  it('an XML document that is no OWS operation is unidentified', () => {
    assert.equal(post('<foo/>', 'text/xml').kind, 'unidentified');
  });
  it('a body that announces UTF-16 but breaks it -> 400 malformed_body', () => {
    rejects(
      () => post(Buffer.from([0xfe, 0xff, 0xd8, 0x00, 0x00, 0x3c]), 'text/plain'),
      'malformed_body',
      'body',
    );
  });
  it("'hidden' (a body /ows/verify cannot see) is an unidentified operation", () => {
    const r = post(Buffer.alloc(0), undefined, {
      body: 'hidden',
      query: 'service=WPS&request=GetCapabilities',
    });
    assert.equal(r.kind, 'unidentified');
  });
  it('an empty body leaves the judgement to the query', () => {
    const r = post(Buffer.alloc(0), 'text/xml', { query: 'service=WPS&request=GetCapabilities' });
    assert.equal(r.operation, 'GetCapabilities');
  });
});

describe('POST bodies by content type', () => {
  it('an XML body without a content type is parsed as XML', () => {
    const r = post(EXECUTE, undefined);
    assert.equal(r.encoding, 'xml');
    assert.deepEqual(r.identifiers, ['hello']);
  });
  it('an XML body sent as text/plain is parsed as XML', () => {
    assert.equal(post(`\n  ${EXECUTE}`, 'text/plain').encoding, 'xml');
  });
  it('a form-encoded body not labelled as a form is unidentified (no upstream reads it as KVP)', () => {
    for (const label of ['text/plain', undefined, 'application/octet-stream']) {
      const r = post('service=wps&request=GetCapabilities', label);
      assert.equal(r.kind, 'unidentified', label);
    }
  });
  it('a JSON Execute that also reads as a form under a GetCapabilities decoy is unidentified', () => {
    // PyWPS parses the body as JSON whenever the label contains "json", even in a parameter
    const body = '{"operation":"execute","identifier":"x","pad":"&request=GetCapabilities&service=WPS&"}';
    for (const label of ['application/json', 'application/x-www-form-urlencoded; profile=json']) {
      assert.equal(post(body, label).kind, 'unidentified', label);
    }
    assert.equal(post(body, 'application/x-www-form-urlencoded').operation, 'GetCapabilities');
  });
  it('a *+xml body is parsed as XML', () => {
    assert.equal(post(EXECUTE, 'application/vnd.ogc.wps+xml').encoding, 'xml');
  });
  it('a text/xml body that is not XML -> 400 malformed_body', () => {
    rejects(() => post('service=wps&request=GetCapabilities', 'text/xml'), 'malformed_body', 'body');
  });
  it('a malformed XML body -> 400 malformed_body with a public description', () => {
    assert.throws(
      () => post('<wps:Execute service="WPS"><ows:Identifier>x</wps:Execute>', 'text/xml'),
      (err: unknown) =>
        isTwitcherError(err) && err.code === 'malformed_body' && /not well-formed/.test(err.description),
    );
  });
  it('a body larger than maxBytes -> 413 payload_too_large', () => {
    rejects(() => post(`${EXECUTE}${' '.repeat(4096)}`, 'text/xml'), 'payload_too_large', 'body', 413);
    rejects(
      () => post(`identifier=${'x'.repeat(4096)}`, 'application/x-www-form-urlencoded'),
      'payload_too_large',
      'body',
      413,
    );
  });
  it('an XML body nested deeper than maxDepth -> 400 malformed_body', () => {
    const deep = EXECUTE.replace('</wps:Execute>', `${'<x>'.repeat(8)}${'</x>'.repeat(8)}</wps:Execute>`);
    rejects(() => post(deep, 'text/xml'), 'malformed_body', 'body');
  });
  it('a body given with any method is judged (the proxy refuses GET, HEAD and DELETE bodies first)', () => {
    for (const method of ['GET', 'OPTIONS']) {
      const r = post(EXECUTE, 'text/xml', { method });
      assert.equal(r.operation, 'Execute');
    }
  });
  it('an operation sent by a method that is no OWS binding is unidentified, by body or by query', () => {
    for (const method of ['PATCH', 'PUT', 'TRACE', 'PROPFIND', 'DELETE']) {
      assert.equal(post(EXECUTE, 'text/xml', { method }).kind, 'unidentified', method);
      const kvp = post(Buffer.alloc(0), undefined, { method, query: 'service=WPS&request=GetCapabilities' });
      assert.equal(kvp.kind, 'unidentified', method);
    }
    assert.equal(post(Buffer.alloc(0), undefined, { method: 'PUT', path: '/outputs/x.nc' }).kind, 'other');
  });
  it('ISO-8859-1 XML gives the same identifier as UTF-8', () => {
    const latin = Buffer.concat([
      Buffer.from(
        '<?xml version="1.0" encoding="ISO-8859-1"?><Execute service="WPS" version="1.0.0"><Identifier>caf',
      ),
      Buffer.from([0xe9]),
      Buffer.from('</Identifier></Execute>'),
    ]);
    const utf8 = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Execute service="WPS" version="1.0.0"><Identifier>café</Identifier></Execute>',
    );
    assert.deepEqual(post(latin, 'text/xml').identifiers, ['café']);
    assert.deepEqual(post(utf8, 'text/xml').identifiers, ['café']);
  });
  it('a billion laughs body -> 400 malformed_body', () => {
    const laughs =
      '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      '<Execute service="WPS" version="1.0.0"><Identifier>&b;</Identifier></Execute>';
    rejects(() => post(laughs, 'text/xml'), 'malformed_body', 'body');
  });
});

describe('POST application/x-www-form-urlencoded', () => {
  const FORM = 'application/x-www-form-urlencoded';
  it('is parsed like a query string', () => {
    const r = post('SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=regions%2Ccities&STYLES=', FORM, {
      serviceType: 'wms',
    });
    assert.equal(r.encoding, 'form');
    assert.equal(r.operation, 'GetMap');
    assert.deepEqual(r.layers, ['regions', 'cities']);
  });
  it('is merged with the query string', () => {
    const r = post('request=Execute&identifier=hello', FORM, { query: 'service=WPS&version=1.0.0' });
    assert.equal(r.encoding, 'form');
    assert.deepEqual(r.identifiers, ['hello']);
  });
  it('a form body that names no request is unidentified, never judged by the query', () => {
    const r = post('identifier=hello', FORM, { query: 'service=WPS&request=DescribeProcess&version=1.0.0' });
    assert.equal(r.kind, 'unidentified');
  });
  it('a value in the body that conflicts with the query -> 400 InvalidParameterValue', () => {
    rejects(
      () =>
        post('request=Execute&identifier=secret', FORM, {
          query: 'service=WPS&request=Execute&version=1.0.0&identifier=public',
        }),
      'invalid_parameter',
      'identifier',
    );
    rejects(
      () =>
        post('request=Execute&identifier=x&version=1.0.0', FORM, {
          query: 'service=WPS&request=GetCapabilities',
        }),
      'invalid_parameter',
      'request',
    );
  });
  it('the same value in the body and the query is accepted', () => {
    const r = post('service=WPS&request=GetCapabilities', FORM, { query: 'service=wps' });
    assert.equal(r.operation, 'GetCapabilities');
  });
  it('a form body without OWS parameters is unidentified', () => {
    assert.equal(post('a=1&b=2', FORM).kind, 'unidentified');
  });
  it('a form body with service= but no request= -> 400 MissingParameterValue request', () => {
    rejects(() => post('service=WPS', FORM), 'missing_parameter', 'request');
  });
});
