/**
 * Every operation that has an XML POST encoding, parsed from its request document, with its invalid
 * twin (the document without the resource it requires, else without its version).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest, OWSRequestInput, OWSService } from '../../src/ows/types.js';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 32 };
const OWS11 = 'http://www.opengis.net/ows/1.1';
const OWS20 = 'http://www.opengis.net/ows/2.0';

function post(body: string, extra: Partial<OWSRequestInput> = {}): OWSRequest {
  return parseOWSRequest(
    {
      method: 'POST',
      query: '',
      path: '',
      serviceType: 'wps',
      contentType: 'text/xml',
      body: Buffer.from(body),
      ...extra,
    },
    LIMITS,
  );
}

function rejects(
  body: string,
  extra: Partial<OWSRequestInput>,
  code: string,
  locator: string | undefined,
): void {
  assert.throws(
    () => post(body, extra),
    (err: unknown) => {
      assert.ok(isTwitcherError(err), `not a TwitcherError: ${String(err)}`);
      assert.equal(err.code, code, err.description);
      assert.equal(err.locator, locator, err.description);
      return true;
    },
  );
}

/** The request namespace of each service and version. */
const NS: Record<string, string> = {
  'wps 1.0.0': 'http://www.opengis.net/wps/1.0.0',
  'wps 2.0.0': 'http://www.opengis.net/wps/2.0',
  'wfs 1.0.0': 'http://www.opengis.net/wfs',
  'wfs 1.1.0': 'http://www.opengis.net/wfs',
  'wfs 2.0.0': 'http://www.opengis.net/wfs/2.0',
  'wfs 2.0.2': 'http://www.opengis.net/wfs/2.0',
  'wcs 1.0.0': 'http://www.opengis.net/wcs',
  'wcs 1.1.0': 'http://www.opengis.net/wcs/1.1',
  'wcs 1.1.1': 'http://www.opengis.net/wcs/1.1.1',
  'wcs 1.1.2': 'http://www.opengis.net/wcs/1.1.1',
  'wcs 2.0.0': 'http://www.opengis.net/wcs/2.0',
  'wcs 2.0.1': 'http://www.opengis.net/wcs/2.0',
  'wmts 1.0.0': 'http://www.opengis.net/wmts/1.0',
  'csw 2.0.2': 'http://www.opengis.net/cat/csw/2.0.2',
  'csw 3.0.0': 'http://www.opengis.net/cat/csw/3.0',
  'wms 1.1.1': 'http://www.opengis.net/ogc',
  'wms 1.3.0': 'http://www.opengis.net/ogc',
};

interface Case {
  service: OWSService;
  versions: string[];
  op: string;
  /** Child elements naming the resources; `ows` and `ns` prefixes are bound on the root. */
  children: (version: string) => string;
  expected: { identifiers?: string[]; layers?: string[]; records?: string[]; jobId?: string };
  /** Locator of the error without `children`; none: the twin drops the version attribute instead. */
  required?: string;
}

const ows = (version: string): string => (version.startsWith('2.') || version === '3.0.0' ? OWS20 : OWS11);
const WFS1 = ['1.0.0', '1.1.0'];
const WFS2 = ['2.0.0', '2.0.2'];
const WCS = ['1.0.0', '1.1.0', '1.1.1', '1.1.2', '2.0.0', '2.0.1'];

const CASES: Case[] = [
  {
    service: 'wps',
    versions: ['1.0.0', '2.0.0'],
    op: 'DescribeProcess',
    children: () => '<ows:Identifier>hello</ows:Identifier><ows:Identifier> echo </ows:Identifier>',
    expected: { identifiers: ['hello', 'echo'] },
    required: 'identifier',
  },
  {
    service: 'wps',
    versions: ['1.0.0'],
    op: 'Execute',
    children: () =>
      '<ows:Identifier>hello</ows:Identifier><ns:DataInputs><ns:Input><ows:Identifier>name</ows:Identifier>' +
      '<ns:Data><ns:LiteralData>World</ns:LiteralData></ns:Data></ns:Input></ns:DataInputs>',
    expected: { identifiers: ['hello'] },
    required: 'identifier',
  },
  {
    service: 'wps',
    versions: ['2.0.0'],
    op: 'Execute',
    children: () =>
      '<ows:Identifier>hello</ows:Identifier><ns:Input id="name"><ns:Data>World</ns:Data></ns:Input><ns:Output id="out"/>',
    expected: { identifiers: ['hello'] },
    required: 'identifier',
  },
  ...['GetStatus', 'GetResult', 'Dismiss'].map(
    (op): Case => ({
      service: 'wps',
      versions: ['2.0.0'],
      op,
      children: () => '<ns:JobID>5f1c-42</ns:JobID>',
      expected: { jobId: '5f1c-42' },
      required: 'jobid',
    }),
  ),
  ...['GetFeature', 'GetFeatureWithLock'].flatMap((op): Case[] => [
    {
      service: 'wfs',
      versions: WFS1,
      op,
      children: () => '<ns:Query typeName="ms:cities"/><ns:Query typeName="ms:regions"/>',
      expected: { layers: ['ms:cities', 'ms:regions'] },
      required: 'typename',
    },
    {
      service: 'wfs',
      versions: WFS2,
      op,
      children: () => '<ns:Query typeNames="ms:cities ms:regions"/>',
      expected: { layers: ['ms:cities', 'ms:regions'] },
      required: 'typenames',
    },
  ]),
  {
    service: 'wfs',
    versions: WFS1,
    op: 'LockFeature',
    children: () => '<ns:Lock typeName="ms:cities"/>',
    expected: { layers: ['ms:cities'] },
  },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'LockFeature',
    children: () => '<ns:Query typeNames="ms:cities"/>',
    expected: { layers: ['ms:cities'] },
  },
  {
    service: 'wfs',
    versions: [...WFS1, ...WFS2],
    op: 'DescribeFeatureType',
    children: () => '<ns:TypeName>ms:cities</ns:TypeName>',
    expected: { layers: ['ms:cities'] },
  },
  {
    service: 'wfs',
    versions: [...WFS1, ...WFS2],
    op: 'Transaction',
    children: () =>
      '<ns:Insert><ms:roads xmlns:ms="http://mapserver.gis.umn.edu/mapserver"><ms:name>A1</ms:name></ms:roads></ns:Insert>' +
      '<ns:Update typeName="ms:cities"/><ns:Delete typeName="ms:regions"/>',
    expected: { layers: ['roads', 'ms:cities', 'ms:regions'] },
  },
  {
    service: 'wfs',
    versions: ['1.1.0'],
    op: 'GetGmlObject',
    children: () =>
      '<ogc:GmlObjectId xmlns:ogc="http://www.opengis.net/ogc" gml:id="c.1" xmlns:gml="http://www.opengis.net/gml"/>',
    expected: {},
  },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'GetPropertyValue',
    children: () => '<ns:Query typeNames="ms:cities"/>',
    expected: { layers: ['ms:cities'] },
  },
  { service: 'wfs', versions: WFS2, op: 'ListStoredQueries', children: () => '', expected: {} },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'DescribeStoredQueries',
    children: () => '<ns:StoredQueryId>q1</ns:StoredQueryId>',
    expected: {},
  },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'CreateStoredQuery',
    children: () => '<ns:StoredQueryDefinition id="q1"/>',
    expected: {},
  },
  { service: 'wfs', versions: WFS2, op: 'DropStoredQuery', children: () => '', expected: {} },
  {
    service: 'wcs',
    versions: ['1.0.0'],
    op: 'GetCoverage',
    children: () => '<ns:sourceCoverage>elevation</ns:sourceCoverage>',
    expected: { layers: ['elevation'] },
    required: 'coverage',
  },
  {
    service: 'wcs',
    versions: ['1.1.0', '1.1.1', '1.1.2'],
    op: 'GetCoverage',
    children: () => '<ows:Identifier>elevation</ows:Identifier>',
    expected: { layers: ['elevation'] },
    required: 'identifier',
  },
  {
    service: 'wcs',
    versions: ['2.0.0', '2.0.1'],
    op: 'GetCoverage',
    children: () => '<ns:CoverageId>elevation</ns:CoverageId>',
    expected: { layers: ['elevation'] },
    required: 'coverageid',
  },
  {
    service: 'wcs',
    versions: WCS,
    op: 'DescribeCoverage',
    children: (v) =>
      v === '1.0.0'
        ? '<ns:Coverage>elevation</ns:Coverage>'
        : v.startsWith('1.1')
          ? '<ns:Identifier>elevation</ns:Identifier>'
          : '<ns:CoverageId>elevation</ns:CoverageId>',
    expected: { layers: ['elevation'] },
  },
  {
    service: 'wmts',
    versions: ['1.0.0'],
    op: 'GetTile',
    children: () => '<ns:Layer>cities</ns:Layer><ns:Style>default</ns:Style><ns:TileMatrix>3</ns:TileMatrix>',
    expected: { layers: ['cities'] },
    required: 'layer',
  },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'GetRecordById',
    children: () => '<ns:Id>rec-1</ns:Id><ns:Id>rec-2</ns:Id>',
    expected: { records: ['rec-1', 'rec-2'] },
    required: 'id',
  },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'GetRecords',
    children: () =>
      '<ns:Query typeNames="csw:Record"><ns:ElementSetName>brief</ns:ElementSetName></ns:Query>',
    expected: { layers: ['csw:Record'] },
  },
  { service: 'csw', versions: ['2.0.2', '3.0.0'], op: 'DescribeRecord', children: () => '', expected: {} },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'GetDomain',
    children: () => '<ns:PropertyName>dc:title</ns:PropertyName>',
    expected: {},
  },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'Harvest',
    children: () => '<ns:Source>http://example.org/x</ns:Source>',
    expected: {},
  },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'Transaction',
    children: () => '<ns:Delete typeName="csw:Record"/>',
    expected: {},
  },
];

function doc(c: Case, version: string | undefined, children: string): string {
  const ns = NS[`${c.service} ${version ?? c.versions[0]}`];
  const versionAttr = version === undefined ? '' : ` version="${version}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ns:${c.op} xmlns:ns="${ns}" xmlns:ows="${ows(version ?? c.versions[0] ?? '')}"` +
    ` service="${c.service.toUpperCase()}"${versionAttr}>${children}</ns:${c.op}>`
  );
}

describe('XML POST: every operation of every service and version', () => {
  for (const c of CASES) {
    for (const version of c.versions) {
      const name = `${c.service} ${version} ${c.op}`;
      it(`${name}: parsed`, () => {
        const r = post(doc(c, version, c.children(version)), { serviceType: c.service });
        assert.equal(r.kind, 'ows');
        assert.equal(r.encoding, 'xml');
        assert.equal(r.service, c.service);
        assert.equal(r.operation, c.op);
        assert.equal(r.knownOperation, true);
        assert.equal(r.version, version);
        assert.deepEqual(r.identifiers, c.expected.identifiers ?? []);
        assert.deepEqual(r.layers, c.expected.layers ?? []);
        assert.deepEqual(r.records, c.expected.records ?? []);
        assert.equal(r.jobId, c.expected.jobId);
      });
      if (c.required !== undefined) {
        it(`${name}: without its resource -> 400 MissingParameterValue ${c.required}`, () => {
          rejects(doc(c, version, ''), { serviceType: c.service }, 'missing_parameter', c.required);
        });
      } else {
        it(`${name}: without version -> 400 MissingParameterValue version`, () => {
          rejects(
            doc(c, undefined, c.children(version)),
            { serviceType: c.service },
            'missing_parameter',
            'version',
          );
        });
      }
    }
  }
});

describe('XML POST: GetCapabilities', () => {
  const caps: [OWSService, string][] = [
    [
      'wps',
      '<wps:GetCapabilities xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" language="en"><wps:AcceptVersions><ows:Version>1.0.0</ows:Version></wps:AcceptVersions></wps:GetCapabilities>',
    ],
    ['wps', '<wps:GetCapabilities xmlns:wps="http://www.opengis.net/wps/2.0" service="WPS"/>'],
    ['wfs', '<wfs:GetCapabilities xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS"/>'],
    ['wcs', '<GetCapabilities xmlns="http://www.opengis.net/wcs/2.0" service="WCS"/>'],
    ['wmts', '<GetCapabilities xmlns="http://www.opengis.net/wmts/1.0" service="WMTS"/>'],
    ['csw', '<csw:GetCapabilities xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="CSW"/>'],
  ];
  for (const [service, body] of caps) {
    it(`${service}: no version needed`, () => {
      const r = post(body, { serviceType: service });
      assert.equal(r.service, service);
      assert.equal(r.operation, 'GetCapabilities');
      assert.equal(r.version, '');
    });
  }
  it('a GetCapabilities without service attribute, namespace or registered OWS type -> 400 service', () => {
    rejects('<GetCapabilities/>', { serviceType: 'http' }, 'missing_parameter', 'service');
  });
  it('a GetCapabilities without service attribute or namespace takes the registered type', () => {
    assert.equal(post('<GetCapabilities/>', { serviceType: 'wcs' }).service, 'wcs');
  });
});

describe('XML POST: service', () => {
  it('comes from the namespace when the root has no service attribute', () => {
    const r = post(
      '<GetFeature xmlns="http://www.opengis.net/wfs/2.0" version="2.0.0"><Query typeNames="a"/></GetFeature>',
      { serviceType: 'wms' },
    );
    assert.equal(r.service, 'wfs');
  });
  it('comes from the only service defining the root operation, whatever the registered type', () => {
    const r = post('<Execute version="1.0.0"><Identifier>p</Identifier></Execute>', { serviceType: 'http' });
    assert.equal(r.service, 'wps');
  });
  it('an operation of two services (Transaction) without a hint -> 400 MissingParameterValue service', () => {
    rejects('<Transaction version="2.0.0"/>', { serviceType: 'http' }, 'missing_parameter', 'service');
  });
  it('an unknown service attribute -> 400 InvalidParameterValue service', () => {
    rejects('<Execute service="SOS" version="1.0.0"/>', {}, 'invalid_parameter', 'service');
  });
  it('a service attribute contradicting the namespace -> 400 InvalidParameterValue service', () => {
    rejects(
      '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" service="WFS" version="1.0.0"/>',
      {},
      'invalid_parameter',
      'service',
    );
  });
  it('service= in the query contradicting the body -> 400 InvalidParameterValue service', () => {
    rejects(
      '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0"><ows:Identifier>a</ows:Identifier></wps:Execute>',
      { query: 'service=WMS' },
      'invalid_parameter',
      'service',
    );
  });
  it('the operation of a service that does not define it is kept, not known', () => {
    const r = post('<Execute service="WMS" version="1.3.0"/>', { serviceType: 'wms' });
    assert.equal(r.service, 'wms');
    assert.equal(r.operation, 'Execute');
    assert.equal(r.knownOperation, false);
  });
});

const EXECUTE =
  '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
  '<ows:Identifier>hello</ows:Identifier></wps:Execute>';

describe('XML POST: body and query string together', () => {
  it('request= in the query equal to the body operation is accepted', () => {
    assert.equal(post(EXECUTE, { query: 'request=execute&service=wps' }).operation, 'Execute');
  });
  it('request= in the query that differs from the body -> 400 InvalidParameterValue request', () => {
    rejects(EXECUTE, { query: 'service=WPS&request=GetCapabilities' }, 'invalid_parameter', 'request');
  });
  it('version= in the query that differs from the body -> 400 InvalidParameterValue version', () => {
    rejects(EXECUTE, { query: 'version=2.0.0' }, 'invalid_parameter', 'version');
  });
  it('identifiers named in the query are added to those of the body', () => {
    assert.deepEqual(post(EXECUTE, { query: 'identifier=other' }).identifiers, ['hello', 'other']);
  });
  it('a root that is no OWS operation, with service= in the query -> 400 InvalidParameterValue request', () => {
    rejects('<foo/>', { query: 'service=WPS' }, 'invalid_parameter', 'request');
    rejects('<foo/>', { query: 'request=Execute' }, 'invalid_parameter', 'request');
  });
  it('a root that is no OWS operation, without OWS parameters, is an unidentified operation', () => {
    assert.equal(post('<foo><bar/></foo>').kind, 'unidentified');
  });
  it('an empty body falls back to the query string; a white space one labelled XML is refused', () => {
    const r = post('', { query: 'service=WPS&request=GetCapabilities' });
    assert.equal(r.encoding, 'kvp');
    assert.equal(r.operation, 'GetCapabilities');
    assert.equal(post('').kind, 'other');
    rejects('  \n', { query: 'service=WPS&request=GetCapabilities' }, 'malformed_body', 'body');
  });
});

describe('XML POST: resources', () => {
  it('only direct ows:Identifier children of Execute name the process, not input identifiers', () => {
    const r = post(
      '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
        '<wps:DataInputs><wps:Input><ows:Identifier>secret</ows:Identifier></wps:Input></wps:DataInputs>' +
        '<ows:Identifier>hello</ows:Identifier></wps:Execute>',
    );
    assert.deepEqual(r.identifiers, ['hello']);
  });
  it('WPS Execute with two different process identifiers names both (the policy must allow both)', () => {
    const r = post(
      '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
        '<ows:Identifier>public</ows:Identifier><ows:Identifier>secret</ows:Identifier></wps:Execute>',
    );
    assert.deepEqual(r.identifiers, ['public', 'secret']);
  });
  it('WPS 2.0 with two different JobIDs -> 400 InvalidParameterValue jobid', () => {
    rejects(
      '<wps:GetStatus xmlns:wps="http://www.opengis.net/wps/2.0" service="WPS" version="2.0.0"><wps:JobID>a</wps:JobID><wps:JobID>b</wps:JobID></wps:GetStatus>',
      {},
      'invalid_parameter',
      'jobid',
    );
  });
  it('WFS 2.0 GetFeature with only a StoredQuery needs no type name', () => {
    const r = post(
      '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0"><wfs:StoredQuery id="urn:ogc:def:query:OGC-WFS::GetFeatureById"/></wfs:GetFeature>',
      { serviceType: 'wfs' },
    );
    assert.deepEqual(r.layers, []);
  });
  it('WMS SLD GetMap names its NamedLayer and UserLayer names; without them -> 400 layers', () => {
    const sld = (layers: string) =>
      '<GetMap xmlns="http://www.opengis.net/ows" xmlns:sld="http://www.opengis.net/sld" service="WMS" version="1.3.0">' +
      `<sld:StyledLayerDescriptor version="1.1.0">${layers}</sld:StyledLayerDescriptor></GetMap>`;
    const r = post(
      sld(
        '<sld:NamedLayer><sld:Name>regions</sld:Name></sld:NamedLayer><sld:UserLayer><sld:Name>mine</sld:Name></sld:UserLayer>',
      ),
      {
        serviceType: 'wms',
      },
    );
    assert.deepEqual(r.layers, ['regions', 'mine']);
    rejects(sld(''), { serviceType: 'wms' }, 'missing_parameter', 'layers');
  });
  it('only Query children of the root name types, not nested elements', () => {
    const r = post(
      '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0"><wfs:Query typeNames="a"><x><y><wfs:Query typeNames="deep"/></y></x></wfs:Query></wfs:GetFeature>',
      { serviceType: 'wfs' },
    );
    assert.deepEqual(r.layers, ['a']);
  });
});

describe('XML POST: the namespace of the root', () => {
  it('a root in a namespace that is no OGC request namespace is unidentified, whatever its local name', () => {
    for (const doc of [
      '<x:GetCapabilities xmlns:x="urn:evil" service="WPS"/>',
      '<x:Execute xmlns:x="urn:evil" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0"><ows:Identifier>hello</ows:Identifier></x:Execute>',
      '<GetCapabilities xmlns="http://www.w3.org/1999/xhtml" service="WPS"/>',
    ]) {
      const r = post(doc);
      assert.equal(r.kind, 'unidentified', doc);
      assert.equal(r.operation, undefined);
    }
  });
  it('the OGC namespaces and no namespace are read by local name (the twins)', () => {
    assert.equal(
      post('<wps:GetCapabilities xmlns:wps="http://www.opengis.net/wps/1.0.0" service="WPS"/>').operation,
      'GetCapabilities',
    );
    assert.equal(post('<GetCapabilities service="WPS"/>').operation, 'GetCapabilities');
    assert.equal(
      post('<ows:GetCapabilities xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS"/>').operation,
      'GetCapabilities',
    );
  });
});

describe('XML POST: names with markup inside', () => {
  const execute = (identifier: string) =>
    `<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0"><ows:Identifier>${identifier}</ows:Identifier></wps:Execute>`;
  it('a comment, processing instruction or element inside a name is refused (lxml reads only what precedes it)', () => {
    for (const identifier of ['canary<!-- -->x', 'canary<?pi x?>x', 'canary<x/>y', '<!-- -->canary']) {
      rejects(execute(identifier), {}, 'malformed_body', 'body');
    }
  });
  it('CDATA and character references are text to both readers (the allowed twins)', () => {
    assert.deepEqual(post(execute('can<![CDATA[ary]]>')).identifiers, ['canary']);
    assert.deepEqual(post(execute('&#99;anary')).identifiers, ['canary']);
  });
});
