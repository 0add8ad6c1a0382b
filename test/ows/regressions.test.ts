/**
 * Regressions against the Python Twitcher / Magpie parsers (reference §3.3, §9.4): each test is named
 * after what it fixes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest, OWSRequestInput } from '../../src/ows/types.js';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 32 };

function parse(input: Partial<OWSRequestInput>): OWSRequest {
  return parseOWSRequest({ method: 'GET', query: '', path: '/wps', serviceType: 'wps', ...input }, LIMITS);
}

/** The request without how it was sent (encoding, method). */
function what(r: OWSRequest): Omit<OWSRequest, 'encoding' | 'method'> {
  const { encoding: _encoding, method: _method, ...rest } = r;
  return rest;
}

const EXECUTE_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<wps:Execute service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1">' +
  '<ows:Identifier>hello</ows:Identifier><wps:DataInputs><wps:Input><ows:Identifier>name</ows:Identifier>' +
  '<wps:Data><wps:LiteralData>World</wps:LiteralData></wps:Data></wps:Input></wps:DataInputs></wps:Execute>';
const EXECUTE_KVP = 'service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name%3DWorld';

const GET_EXECUTE = (): OWSRequest => parse({ query: EXECUTE_KVP });
const POST_EXECUTE = (contentType: string | undefined): OWSRequest =>
  parse({ method: 'POST', contentType, body: Buffer.from(EXECUTE_XML) });

describe('regressions of the Python parsers', () => {
  it('GET and POST Execute of the same process give the same request (Python never parsed identifier)', () => {
    const get = GET_EXECUTE();
    const post = POST_EXECUTE('text/xml');
    assert.deepEqual(what(post), what(get));
    assert.deepEqual(get.identifiers, ['hello']);
    assert.equal(get.encoding, 'kvp');
    assert.equal(post.encoding, 'xml');
  });

  it('a POST with "text/xml; charset=utf-8" is parsed as XML (Magpie matched the bare media type)', () => {
    assert.deepEqual(what(POST_EXECUTE('text/xml; charset=utf-8')), what(GET_EXECUTE()));
  });

  it('a POST with an upper-case "TEXT/XML" content type is parsed as XML', () => {
    assert.deepEqual(what(POST_EXECUTE('TEXT/XML')), what(GET_EXECUTE()));
  });

  it('a POST with "application/xml" is parsed as XML', () => {
    assert.deepEqual(what(POST_EXECUTE('application/xml')), what(GET_EXECUTE()));
  });

  it('upper-case KVP keys give the same request as lower-case ones', () => {
    const upper = parse({
      query: 'SERVICE=WPS&REQUEST=EXECUTE&VERSION=1.0.0&IDENTIFIER=hello&DATAINPUTS=name%3DWorld',
    });
    assert.deepEqual(upper, GET_EXECUTE());
  });

  it('KVP values keep their case (Python lower-cased identifiers and layers)', () => {
    const r = parse({ query: 'service=WPS&request=Execute&version=1.0.0&identifier=Hello_World' });
    assert.deepEqual(r.identifiers, ['Hello_World']);
  });

  it('a form-urlencoded POST is parsed as KVP (Python answered 500 NoApplicableCode)', () => {
    const r = parse({
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      body: Buffer.from(EXECUTE_KVP),
    });
    assert.deepEqual(what(r), what(GET_EXECUTE()));
    assert.equal(r.encoding, 'form');
  });

  it('a JSON POST is not an OWS error (Python answered 500 NoApplicableCode): an unidentified operation', () => {
    const r = parse({ method: 'POST', contentType: 'application/json', body: Buffer.from('{"inputs":{}}') });
    assert.equal(r.kind, 'unidentified');
  });

  it('a THREDDS path without service= is proxied as other (Python answered 400 MissingParameterValue)', () => {
    const r = parse({ serviceType: 'thredds', path: '/thredds/dodsC/x.nc.dds' });
    assert.equal(r.kind, 'other');
  });

  it('a duplicated key with a different value is refused (Python took the last value)', () => {
    assert.throws(
      () => parse({ query: 'service=WPS&request=Execute&version=1.0.0&identifier=public&IDENTIFIER=secret' }),
      (err: unknown) =>
        isTwitcherError(err) && err.code === 'invalid_parameter' && err.locator === 'identifier',
    );
  });

  it('WFS, WCS, WMTS and CSW requests are parsed (Python denied every service but WPS and WMS)', () => {
    assert.equal(parse({ query: 'service=WFS&request=GetCapabilities', serviceType: 'wfs' }).service, 'wfs');
    assert.equal(parse({ query: 'service=WCS&request=GetCapabilities', serviceType: 'wcs' }).service, 'wcs');
    assert.equal(
      parse({ query: 'service=WMTS&request=GetCapabilities', serviceType: 'wmts' }).service,
      'wmts',
    );
    assert.equal(parse({ query: 'service=CSW&request=GetCapabilities', serviceType: 'csw' }).service, 'csw');
  });

  it('WPS 2.0 GetStatus and GetResult are known operations (Magpie answered 400)', () => {
    for (const op of ['GetStatus', 'GetResult']) {
      const r = parse({ query: `service=WPS&request=${op}&version=2.0.0&jobId=42` });
      assert.equal(r.knownOperation, true);
      assert.equal(r.jobId, '42');
    }
  });

  it('an XML body with a DTD is refused (Python used the default lxml parser)', () => {
    const xxe = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${EXECUTE_XML.replace('<?xml version="1.0" encoding="UTF-8"?>\n', '').replace('hello', '&e;')}`;
    assert.throws(
      () => parse({ method: 'POST', contentType: 'text/xml', body: Buffer.from(xxe) }),
      (err: unknown) => isTwitcherError(err) && err.code === 'malformed_body',
    );
  });

  it('a request that names WPS in a query but posts an XML GetCapabilities is refused (no mixed reading)', () => {
    assert.throws(
      () =>
        parse({
          method: 'POST',
          contentType: 'text/xml',
          query: 'service=WPS&request=GetCapabilities',
          body: Buffer.from(EXECUTE_XML),
        }),
      (err: unknown) => isTwitcherError(err) && err.code === 'invalid_parameter' && err.locator === 'request',
    );
  });
});
