/** bodyNeeded, content types, form bodies and body limits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import { bodyNeeded, parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest, OWSRequestInput } from '../../src/ows/types.js';

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

describe('bodyNeeded', () => {
  const base = { query: '', path: '', serviceType: 'wps' };
  const yes: [string, string, string | undefined][] = [
    ['POST', 'wps', 'text/xml'],
    ['POST', 'wms', 'text/xml; charset=utf-8'],
    ['POST', 'wfs', 'TEXT/XML'],
    ['POST', 'wcs', 'application/xml'],
    ['POST', 'csw', 'application/soap+xml; charset=UTF-8'],
    ['POST', 'wmts', 'application/x-www-form-urlencoded'],
    ['POST', 'wps', 'application/x-www-form-urlencoded; charset=UTF-8'],
    ['POST', 'wps', undefined],
    ['POST', 'wps', ''],
    ['POST', 'wps', 'text/plain'],
    ['PUT', 'wfs', 'text/xml'],
    ['post', 'wps', 'text/xml'],
  ];
  for (const [method, serviceType, contentType] of yes) {
    it(`true for ${method} ${serviceType} ${contentType ?? '(no content type)'}`, () => {
      assert.equal(bodyNeeded({ ...base, method, serviceType, contentType }), true);
    });
  }
  const no: [string, string, string | undefined][] = [
    ['GET', 'wps', 'text/xml'],
    ['HEAD', 'wps', 'text/xml'],
    ['DELETE', 'wps', 'text/xml'],
    ['OPTIONS', 'wps', undefined],
    ['POST', 'thredds', 'text/xml'],
    ['POST', 'ogcapi', 'application/xml'],
    ['POST', 'http', undefined],
    ['POST', 'wps', 'application/json'],
    ['POST', 'wps', 'application/octet-stream'],
    ['POST', 'wps', 'multipart/form-data; boundary=x'],
    ['POST', 'wps', 'image/png'],
  ];
  for (const [method, serviceType, contentType] of no) {
    it(`false for ${method} ${serviceType} ${contentType ?? '(no content type)'}`, () => {
      assert.equal(bodyNeeded({ ...base, method, serviceType, contentType }), false);
    });
  }
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
  it('a non-XML text/plain body is ignored', () => {
    assert.equal(post('service=wps&request=execute&identifier=x', 'text/plain').kind, 'other');
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
  it('a body of a GET is not read', () => {
    const r = parseOWSRequest(
      {
        method: 'GET',
        query: '',
        path: '',
        serviceType: 'wps',
        contentType: 'text/xml',
        body: Buffer.from(EXECUTE),
      },
      LIMITS,
    );
    assert.equal(r.kind, 'other');
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
    const r = post('identifier=hello', FORM, { query: 'service=WPS&request=Execute&version=1.0.0' });
    assert.equal(r.encoding, 'kvp');
    assert.deepEqual(r.identifiers, ['hello']);
  });
  it('a value in the body that conflicts with the query -> 400 InvalidParameterValue', () => {
    rejects(
      () =>
        post('identifier=secret', FORM, {
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
  it('a form body without OWS parameters and no OWS query is other', () => {
    assert.equal(post('a=1&b=2', FORM).kind, 'other');
  });
  it('a form body with service= but no request= -> 400 MissingParameterValue request', () => {
    rejects(() => post('service=WPS', FORM), 'missing_parameter', 'request');
  });
});
