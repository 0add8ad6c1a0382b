import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import {
  escapeXmlAttr,
  escapeXmlText,
  renderOWSError,
  renderOWSException,
} from '../../src/ows/exception-report.js';
import { parseXML, type XMLElement } from '../../src/ows/xml.js';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 8 };
const OWS11 = 'http://www.opengis.net/ows/1.1';
const OWS20 = 'http://www.opengis.net/ows/2.0';
const OGC = 'http://www.opengis.net/ogc';
const E = {
  exceptionCode: 'MissingParameterValue',
  locator: 'identifier',
  text: 'Parameter identifier is required',
};

/** Parses the rendered body back: it must be well-formed. */
function back(body: string): XMLElement {
  return parseXML(body, LIMITS);
}

function only(element: XMLElement | undefined, name: string): XMLElement {
  const children = element?.children.filter((c) => c.name === name) ?? [];
  assert.equal(children.length, 1, `one ${name}`);
  return children[0] as XMLElement;
}

describe('renderOWSException: OWS Common 1.1 (default, as the Python Twitcher)', () => {
  const cases: [string, { service?: string; version?: string } | undefined][] = [
    ['no request', undefined],
    ['WPS 1.0.0', { service: 'wps', version: '1.0.0' }],
    ['WPS without version', { service: 'wps' }],
    ['WFS 1.1.0', { service: 'wfs', version: '1.1.0' }],
    ['WCS 1.1.1', { service: 'wcs', version: '1.1.1' }],
    ['WMTS 1.0.0', { service: 'wmts', version: '1.0.0' }],
    ['CSW 2.0.2', { service: 'csw', version: '2.0.2' }],
  ];
  for (const [name, request] of cases) {
    it(name, () => {
      const out = renderOWSException(E, request);
      assert.equal(out.contentType, 'text/xml; charset=utf-8');
      const root = back(out.body);
      assert.equal(root.name, 'ExceptionReport');
      assert.equal(root.ns, OWS11);
      assert.equal(root.attrs['version'], '1.0.0');
      assert.equal(
        root.attrs['schemaLocation'],
        'http://www.opengis.net/ows/1.1 http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd',
      );
      const exception = only(root, 'Exception');
      assert.equal(exception.ns, OWS11);
      assert.equal(exception.attrs['exceptionCode'], 'MissingParameterValue');
      assert.equal(exception.attrs['locator'], 'identifier');
      assert.equal(only(exception, 'ExceptionText').text, 'Parameter identifier is required');
    });
  }
});

describe('renderOWSException: OWS Common 2.0 for the OWS 2.x services', () => {
  const cases: [string, { service: string; version: string }][] = [
    ['WPS 2.0.0', { service: 'wps', version: '2.0.0' }],
    ['WFS 2.0.0', { service: 'wfs', version: '2.0.0' }],
    ['WFS 2.0.2', { service: 'wfs', version: '2.0.2' }],
    ['WCS 2.0.1', { service: 'wcs', version: '2.0.1' }],
    ['CSW 3.0.0', { service: 'csw', version: '3.0.0' }],
    ['upper-case service', { service: 'WFS', version: '2.0.0' }],
  ];
  for (const [name, request] of cases) {
    it(name, () => {
      const out = renderOWSException(E, request);
      assert.equal(out.contentType, 'text/xml; charset=utf-8');
      assert.match(out.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ows:ExceptionReport /);
      const root = back(out.body);
      assert.equal(root.name, 'ExceptionReport');
      assert.equal(root.ns, OWS20);
      assert.equal(root.attrs['version'], '2.0.0');
      assert.equal(root.attrs['lang'], 'en');
      const exception = only(root, 'Exception');
      assert.equal(exception.ns, OWS20);
      assert.equal(exception.attrs['exceptionCode'], 'MissingParameterValue');
      assert.equal(exception.attrs['locator'], 'identifier');
      assert.equal(only(exception, 'ExceptionText').text, E.text);
    });
  }
});

describe('renderOWSException: WMS ServiceExceptionReport', () => {
  it('WMS 1.3.0: namespaced report, text/xml', () => {
    const out = renderOWSException(E, { service: 'wms', version: '1.3.0' });
    assert.equal(out.contentType, 'text/xml');
    const root = back(out.body);
    assert.equal(root.name, 'ServiceExceptionReport');
    assert.equal(root.ns, OGC);
    assert.equal(root.attrs['version'], '1.3.0');
    const exception = only(root, 'ServiceException');
    assert.equal(exception.attrs['code'], 'MissingParameterValue');
    assert.equal(exception.attrs['locator'], 'identifier');
    assert.equal(exception.text, E.text);
  });
  it('WMS without version answers as 1.3.0 (the highest version)', () => {
    const out = renderOWSException(E, { service: 'wms' });
    assert.equal(back(out.body).attrs['version'], '1.3.0');
  });
  it('WMS 1.1.1: un-namespaced report, application/vnd.ogc.se_xml', () => {
    const out = renderOWSException(E, { service: 'wms', version: '1.1.1' });
    assert.equal(out.contentType, 'application/vnd.ogc.se_xml');
    const root = back(out.body);
    assert.equal(root.name, 'ServiceExceptionReport');
    assert.equal(root.ns, '');
    assert.equal(root.attrs['version'], '1.1.1');
    assert.equal(only(root, 'ServiceException').attrs['code'], 'MissingParameterValue');
  });
  it('honours an XML EXCEPTIONS format and falls back to XML for image formats', () => {
    assert.equal(
      renderOWSException(E, { service: 'wms', version: '1.3.0', exceptions: 'application/vnd.ogc.se_xml' })
        .contentType,
      'application/vnd.ogc.se_xml',
    );
    assert.equal(
      renderOWSException(E, { service: 'wms', version: '1.1.1', exceptions: 'XML' }).contentType,
      'text/xml',
    );
    assert.equal(
      renderOWSException(E, {
        service: 'wms',
        version: '1.1.1',
        exceptions: 'application/vnd.ogc.se_inimage',
      }).contentType,
      'application/vnd.ogc.se_xml',
    );
  });
});

describe('renderOWSException: escaping and locator', () => {
  const nasty = {
    exceptionCode: 'Invalid"Code<&>',
    locator: `a"b'c<d>&e`,
    text: `<script>alert("x" & 'y')</script>]]>`,
  };
  for (const request of [
    undefined,
    { service: 'wps', version: '2.0.0' },
    { service: 'wms', version: '1.3.0' },
    { service: 'wms', version: '1.1.1' },
  ]) {
    it(`escapes < & " ' in text and attributes (${request?.service ?? 'default'} ${request?.version ?? ''})`, () => {
      const out = renderOWSException(nasty, request);
      assert.ok(!out.body.includes('<script>'));
      const root = back(out.body);
      const exception = root.children[0] as XMLElement;
      const code = exception.attrs['exceptionCode'] ?? exception.attrs['code'];
      assert.equal(code, nasty.exceptionCode);
      assert.equal(exception.attrs['locator'], nasty.locator);
      const text =
        exception.children.length > 0 ? (exception.children[0] as XMLElement).text : exception.text;
      assert.equal(text, nasty.text);
    });
  }
  it('has no locator attribute when there is none', () => {
    for (const request of [
      undefined,
      { service: 'wfs', version: '2.0.0' },
      { service: 'wms', version: '1.3.0' },
    ]) {
      const out = renderOWSException({ exceptionCode: 'NoApplicableCode', text: 'x' }, request);
      assert.ok(!out.body.includes('locator'), out.body);
      assert.equal((back(out.body).children[0] as XMLElement).attrs['locator'], undefined);
    }
  });
  it('replaces characters XML cannot carry, so the report stays well-formed', () => {
    const out = renderOWSException({ exceptionCode: 'X', locator: 'a\u0000b', text: 'bad\u0001\uFFFEchar' });
    const exception = back(out.body).children[0] as XMLElement;
    assert.equal(exception.attrs['locator'], 'a\uFFFDb');
    assert.equal((exception.children[0] as XMLElement).text, 'bad\uFFFD\uFFFDchar');
  });
  it('keeps line breaks of attribute values through character references', () => {
    assert.equal(escapeXmlAttr('a\nb\tc'), 'a&#10;b&#9;c');
    assert.equal(escapeXmlText('a\nb > c'), 'a\nb &gt; c');
  });
});

describe('renderOWSError', () => {
  it('takes the OWS code, locator and public description, never the detail', () => {
    const err = new TwitcherError('missing_parameter', {
      description: 'Parameter version is required for Execute',
      locator: 'version',
      detail: 'internal secret',
    });
    const out = renderOWSError(err, { service: 'wps', version: '1.0.0' });
    assert.ok(!out.body.includes('internal secret'));
    const exception = back(out.body).children[0] as XMLElement;
    assert.equal(exception.attrs['exceptionCode'], 'MissingParameterValue');
    assert.equal(exception.attrs['locator'], 'version');
    assert.equal((exception.children[0] as XMLElement).text, 'Parameter version is required for Execute');
  });
  it('uses the code title when there is no description, and an explicit exceptionCode', () => {
    const out = renderOWSError(new TwitcherError('forbidden', { exceptionCode: 'AccessForbidden' }));
    const exception = back(out.body).children[0] as XMLElement;
    assert.equal(exception.attrs['exceptionCode'], 'AccessForbidden');
    assert.equal((exception.children[0] as XMLElement).text, 'Forbidden');
  });
  it('renders in the format of the request (WMS 1.1.1)', () => {
    const out = renderOWSError(new TwitcherError('invalid_parameter', { locator: 'layers' }), {
      service: 'wms',
      version: '1.1.1',
    });
    assert.equal(out.contentType, 'application/vnd.ogc.se_xml');
    assert.equal(back(out.body).name, 'ServiceExceptionReport');
  });
});
