/**
 * Every operation of every service and version from GET KVP, with its invalid twin: the same request
 * missing what the operation requires (a resource, else the version), with the error a user sees.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest, OWSRequestInput, OWSService } from '../../src/ows/types.js';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 32 };

function get(query: string, serviceType = 'wps', path = ''): OWSRequest {
  return parseOWSRequest({ method: 'GET', query, path, serviceType }, LIMITS);
}

function rejects(input: Partial<OWSRequestInput>, code: string, locator: string | undefined): void {
  assert.throws(
    () => parseOWSRequest({ method: 'GET', query: '', path: '', serviceType: 'wps', ...input }, LIMITS),
    (err: unknown) => {
      assert.ok(isTwitcherError(err), `not a TwitcherError: ${String(err)}`);
      assert.equal(err.code, code, err.description);
      assert.equal(err.locator, locator, err.description);
      assert.equal(err.status, 400);
      return true;
    },
  );
}

interface Expected {
  identifiers?: string[];
  layers?: string[];
  records?: string[];
  jobId?: string;
}

interface Case {
  service: OWSService;
  versions: string[];
  op: string;
  /** Parameters that name the resources (dropped in the invalid twin when `required`). */
  params: string;
  expected: Expected;
  /** The locator of the missing_parameter error when `params` is dropped; none: the version is dropped. */
  required?: string;
}

const WFS1 = ['1.0.0', '1.1.0'];
const WFS2 = ['2.0.0', '2.0.2'];
const WMS = ['1.1.1', '1.3.0'];

const CASES: Case[] = [
  // WPS 1.0.0 (OGC 05-007r7) and 2.0.0 (OGC 14-065)
  { service: 'wps', versions: ['1.0.0', '2.0.0'], op: 'GetCapabilities', params: '', expected: {} },
  {
    service: 'wps',
    versions: ['1.0.0', '2.0.0'],
    op: 'DescribeProcess',
    params: 'identifier=hello,echo',
    expected: { identifiers: ['hello', 'echo'] },
    required: 'identifier',
  },
  {
    service: 'wps',
    versions: ['1.0.0', '2.0.0'],
    op: 'Execute',
    params: 'identifier=hello&datainputs=name%3DWorld',
    expected: { identifiers: ['hello'] },
    required: 'identifier',
  },
  ...['GetStatus', 'GetResult', 'Dismiss'].map(
    (op): Case => ({
      service: 'wps',
      versions: ['2.0.0'],
      op,
      params: 'jobid=5f1c-42',
      expected: { jobId: '5f1c-42' },
      required: 'jobid',
    }),
  ),
  // WMS 1.1.1 / 1.3.0
  { service: 'wms', versions: WMS, op: 'GetCapabilities', params: '', expected: {} },
  {
    service: 'wms',
    versions: WMS,
    op: 'GetMap',
    params:
      'layers=elevation,regions,cities&styles=&bbox=-180,-90,180,90&width=512&height=256&format=image/png',
    expected: { layers: ['elevation', 'regions', 'cities'] },
    required: 'layers',
  },
  {
    service: 'wms',
    versions: WMS,
    op: 'GetFeatureInfo',
    params: 'query_layers=cities&i=1&j=1',
    expected: { layers: ['cities'] },
    required: 'query_layers',
  },
  {
    service: 'wms',
    versions: WMS,
    op: 'DescribeLayer',
    params: 'layers=regions',
    expected: { layers: ['regions'] },
  },
  {
    service: 'wms',
    versions: WMS,
    op: 'GetLegendGraphic',
    params: 'layer=regions&format=image/png',
    expected: { layers: ['regions'] },
  },
  {
    service: 'wms',
    versions: WMS,
    op: 'GetStyles',
    params: 'layers=regions',
    expected: { layers: ['regions'] },
  },
  { service: 'wms', versions: WMS, op: 'GetSchemaExtension', params: '', expected: {} },
  // WFS 1.0.0 / 1.1.0 / 2.0.0 / 2.0.2
  { service: 'wfs', versions: [...WFS1, ...WFS2], op: 'GetCapabilities', params: '', expected: {} },
  {
    service: 'wfs',
    versions: WFS1,
    op: 'DescribeFeatureType',
    params: 'typename=ms:cities',
    expected: { layers: ['ms:cities'] },
  },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'DescribeFeatureType',
    params: 'typenames=ms:cities',
    expected: { layers: ['ms:cities'] },
  },
  ...['GetFeature', 'GetFeatureWithLock'].flatMap((op): Case[] => [
    {
      service: 'wfs',
      versions: WFS1,
      op,
      params: 'typename=ms:cities,ms:regions',
      expected: { layers: ['ms:cities', 'ms:regions'] },
      required: 'typename',
    },
    {
      service: 'wfs',
      versions: WFS2,
      op,
      params: 'typenames=(ms:cities,ms:regions)(ms:roads)',
      expected: { layers: ['ms:cities', 'ms:regions', 'ms:roads'] },
      required: 'typenames',
    },
  ]),
  {
    service: 'wfs',
    versions: WFS1,
    op: 'LockFeature',
    params: 'typename=ms:cities',
    expected: { layers: ['ms:cities'] },
  },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'LockFeature',
    params: 'typenames=ms:cities',
    expected: { layers: ['ms:cities'] },
  },
  {
    service: 'wfs',
    versions: WFS1,
    op: 'Transaction',
    params: 'operation=Delete&typename=ms:cities&featureid=cities.1',
    expected: { layers: ['ms:cities', 'cities'] },
  },
  { service: 'wfs', versions: ['1.1.0'], op: 'GetGmlObject', params: 'gmlobjectid=cities.1', expected: {} },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'GetPropertyValue',
    params: 'typenames=ms:cities&valuereference=name',
    expected: { layers: ['ms:cities'] },
  },
  { service: 'wfs', versions: WFS2, op: 'ListStoredQueries', params: '', expected: {} },
  {
    service: 'wfs',
    versions: WFS2,
    op: 'DescribeStoredQueries',
    params: 'storedquery_id=urn:ogc:def:query:OGC-WFS::GetFeatureById',
    expected: {},
  },
  { service: 'wfs', versions: WFS2, op: 'DropStoredQuery', params: 'storedquery_id=q1', expected: {} },
  { service: 'wfs', versions: WFS2, op: 'CreateStoredQuery', params: '', expected: {} },
  // WCS 1.0.0 / 1.1.x / 2.0.x
  {
    service: 'wcs',
    versions: ['1.0.0', '1.1.0', '1.1.1', '1.1.2', '2.0.0', '2.0.1'],
    op: 'GetCapabilities',
    params: '',
    expected: {},
  },
  {
    service: 'wcs',
    versions: ['1.0.0'],
    op: 'DescribeCoverage',
    params: 'coverage=elevation',
    expected: { layers: ['elevation'] },
  },
  {
    service: 'wcs',
    versions: ['1.1.0', '1.1.1', '1.1.2'],
    op: 'DescribeCoverage',
    params: 'identifiers=elevation,bathymetry',
    expected: { layers: ['elevation', 'bathymetry'] },
  },
  {
    service: 'wcs',
    versions: ['2.0.0', '2.0.1'],
    op: 'DescribeCoverage',
    params: 'coverageid=elevation',
    expected: { layers: ['elevation'] },
  },
  {
    service: 'wcs',
    versions: ['1.0.0'],
    op: 'GetCoverage',
    params: 'coverage=elevation&crs=EPSG:4326&bbox=-180,-90,180,90&width=36&height=18&format=GeoTIFF',
    expected: { layers: ['elevation'] },
    required: 'coverage',
  },
  {
    service: 'wcs',
    versions: ['1.1.0', '1.1.1', '1.1.2'],
    op: 'GetCoverage',
    params: 'identifier=elevation&format=image/tiff',
    expected: { layers: ['elevation'] },
    required: 'identifier',
  },
  {
    service: 'wcs',
    versions: ['2.0.0', '2.0.1'],
    op: 'GetCoverage',
    params: 'coverageid=elevation&subset=Lat(-10,10)',
    expected: { layers: ['elevation'] },
    required: 'coverageid',
  },
  // WMTS 1.0.0 (OGC 07-057r7 §7)
  { service: 'wmts', versions: ['1.0.0'], op: 'GetCapabilities', params: '', expected: {} },
  {
    service: 'wmts',
    versions: ['1.0.0'],
    op: 'GetTile',
    params:
      'layer=cities&style=default&tilematrixset=WebMercatorQuad&tilematrix=3&tilerow=2&tilecol=5&format=image/png',
    expected: { layers: ['cities'] },
    required: 'layer',
  },
  {
    service: 'wmts',
    versions: ['1.0.0'],
    op: 'GetFeatureInfo',
    params: 'layer=cities&tilematrix=3&tilerow=2&tilecol=5&i=3&j=4&infoformat=text/xml',
    expected: { layers: ['cities'] },
  },
  // CSW 2.0.2 / 3.0.0
  { service: 'csw', versions: ['2.0.2', '3.0.0'], op: 'GetCapabilities', params: '', expected: {} },
  { service: 'csw', versions: ['2.0.2', '3.0.0'], op: 'DescribeRecord', params: '', expected: {} },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'GetDomain',
    params: 'propertyname=dc:title',
    expected: {},
  },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'GetRecords',
    params: 'typenames=csw:Record&elementsetname=brief',
    expected: { layers: ['csw:Record'] },
  },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'GetRecordById',
    params: 'id=rec-1,rec-2',
    expected: { records: ['rec-1', 'rec-2'] },
    required: 'id',
  },
  {
    service: 'csw',
    versions: ['2.0.2', '3.0.0'],
    op: 'Harvest',
    params: 'source=http://example.org/x',
    expected: {},
  },
  { service: 'csw', versions: ['2.0.2', '3.0.0'], op: 'Transaction', params: '', expected: {} },
];

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('&');
}

describe('GET KVP: every operation of every service and version', () => {
  for (const c of CASES) {
    for (const version of c.versions) {
      const name = `${c.service} ${version} ${c.op}`;
      const base = `service=${c.service.toUpperCase()}&request=${c.op}`;
      it(`${name}: parsed`, () => {
        const r = get(join(base, `version=${version}`, c.params), c.service);
        assert.equal(r.kind, 'ows');
        assert.equal(r.encoding, 'kvp');
        assert.equal(r.service, c.service);
        assert.equal(r.operation, c.op);
        assert.equal(r.knownOperation, true);
        assert.equal(r.version, version);
        assert.deepEqual(r.identifiers, c.expected.identifiers ?? []);
        assert.deepEqual(r.layers, c.expected.layers ?? []);
        assert.deepEqual(r.records, c.expected.records ?? []);
        assert.equal(r.jobId, c.expected.jobId);
        assert.equal(r.method, 'GET');
      });
      if (c.required !== undefined) {
        it(`${name}: without ${c.required} -> 400 MissingParameterValue`, () => {
          rejects(
            { query: join(base, `version=${version}`), serviceType: c.service },
            'missing_parameter',
            c.required,
          );
        });
      } else if (c.op === 'GetCapabilities') {
        it(`${name}: without request -> 400 MissingParameterValue request`, () => {
          rejects(
            { query: join(`service=${c.service}`, `version=${version}`), serviceType: c.service },
            'missing_parameter',
            'request',
          );
        });
      } else {
        it(`${name}: without version -> 400 MissingParameterValue version`, () => {
          rejects({ query: join(base, c.params), serviceType: c.service }, 'missing_parameter', 'version');
        });
      }
    }
  }
});

describe('GET KVP: version', () => {
  it('GetCapabilities needs no version, and keeps an AcceptVersions request version-less', () => {
    const r = get('service=WPS&request=GetCapabilities&acceptversions=2.0.0');
    assert.equal(r.version, '');
    assert.equal(r.knownOperation, true);
  });
  it('GetCapabilities keeps an unsupported version as sent (version negotiation)', () => {
    const r = get('service=WMS&request=GetCapabilities&version=1.2.0', 'wms');
    assert.equal(r.version, '1.2.0');
    assert.equal(r.operation, 'GetCapabilities');
  });
  it('an unsupported version of another operation -> 400 InvalidParameterValue version', () => {
    rejects(
      { query: 'service=WPS&request=Execute&version=3.0.0&identifier=hello' },
      'invalid_parameter',
      'version',
    );
    rejects(
      { query: 'service=WMS&request=GetMap&version=1.2.0&layers=a', serviceType: 'wms' },
      'invalid_parameter',
      'version',
    );
  });
  it('WMS 1.0 WMTVER is read as the version', () => {
    const r = get('WMTVER=1.1.1&REQUEST=GetMap&LAYERS=a', 'wms');
    assert.equal(r.version, '1.1.1');
    assert.equal(r.operation, 'GetMap');
  });
  it('WMTVER and VERSION that differ -> 400 InvalidParameterValue version', () => {
    rejects(
      { query: 'wmtver=1.1.1&version=1.3.0&request=GetMap&layers=a', serviceType: 'wms' },
      'invalid_parameter',
      'version',
    );
  });
  it('ncWMS GetMetadata needs no version', () => {
    const r = get('request=GetMetadata&item=layerDetails&layerName=tas', 'wms');
    assert.equal(r.operation, 'GetMetadata');
    assert.equal(r.knownOperation, true);
    assert.deepEqual(r.layers, ['tas']);
  });
  it('GetMetadata is the only WMS non-capabilities operation without a version', () => {
    rejects(
      { query: 'service=WMS&request=GetStyles&layers=a', serviceType: 'wms' },
      'missing_parameter',
      'version',
    );
  });
  it('SLD GetLegendGraphic accepts VERSION=1.0.0, GetMap does not', () => {
    const r = get('request=GetLegendGraphic&version=1.0.0&layer=topp:states&format=image/png', 'wms');
    assert.equal(r.version, '1.0.0');
    assert.equal(r.knownOperation, true);
    rejects(
      { query: 'request=GetMap&version=1.0.0&layers=a', serviceType: 'wms' },
      'invalid_parameter',
      'version',
    );
  });
  it('a WPS 2.0 operation asked with version 1.0.0 is not a known operation', () => {
    const r = get('service=wps&request=GetStatus&version=1.0.0&jobid=j');
    assert.equal(r.operation, 'GetStatus');
    assert.equal(r.knownOperation, false);
    const ok = get('service=wps&request=GetStatus&version=2.0.0&jobid=j');
    assert.equal(ok.knownOperation, true);
  });
});

describe('GET KVP: service and request', () => {
  it('request= without service= takes the registered OWS type (WMS clients omit SERVICE)', () => {
    const r = get('request=GetMap&version=1.3.0&layers=a', 'wms');
    assert.equal(r.service, 'wms');
  });
  it('request= without service= on a non-OWS type -> 400 MissingParameterValue service', () => {
    for (const type of ['thredds', 'ogcapi', 'http']) {
      rejects({ query: 'request=GetCapabilities', serviceType: type }, 'missing_parameter', 'service');
    }
  });
  it('service= on a non-OWS type makes an OWS request (THREDDS serves WMS)', () => {
    const r = get('service=WMS&request=GetMap&version=1.3.0&layers=tas', 'thredds', '/thredds/wms/x.nc');
    assert.equal(r.kind, 'ows');
    assert.equal(r.service, 'wms');
    assert.deepEqual(r.layers, ['tas']);
    assert.equal(r.path, '/thredds/wms/x.nc');
  });
  it('a request may name another OWS than the registered type (MapServer serves WMS, WFS, WCS)', () => {
    const r = get('service=WFS&request=GetFeature&version=2.0.0&typenames=cities', 'wms');
    assert.equal(r.service, 'wfs');
    assert.deepEqual(r.layers, ['cities']);
  });
  it('service= without request= -> 400 MissingParameterValue request', () => {
    rejects({ query: 'service=WPS' }, 'missing_parameter', 'request');
    rejects({ query: 'service=WPS&request=' }, 'missing_parameter', 'request');
  });
  it('an unknown service -> 400 InvalidParameterValue service', () => {
    rejects({ query: 'service=SOS&request=GetCapabilities' }, 'invalid_parameter', 'service');
    rejects({ query: 'service=SOS' }, 'missing_parameter', 'request');
  });
  it('a vendor operation passes through as sent, not known', () => {
    const r = get('service=WMS&request=GetLayerInfo&layers=secret', 'wms');
    assert.equal(r.kind, 'ows');
    assert.equal(r.operation, 'GetLayerInfo');
    assert.equal(r.knownOperation, false);
    assert.equal(r.version, '');
    assert.deepEqual(r.layers, ['secret'], 'resources of a vendor operation are still extracted');
  });
  it('a WMS 1.0 operation name is a vendor operation, its WMTVER kept', () => {
    const r = get('SERVICE=WMS&WMTVER=1.0.0&REQUEST=map&LAYERS=a', 'wms');
    assert.equal(r.operation, 'map');
    assert.equal(r.knownOperation, false);
    assert.equal(r.version, '1.0.0');
  });
  it('without service=, only the WMS map operations are OWS requests: MapServer runs the rest in CGI mode', () => {
    // GET ?request=GetCapabilities&mode=map&layers=cities draws the layer cities on MapServer
    for (const [query, type] of [
      ['request=GetCapabilities&mode=map&layers=cities', 'wms'],
      ['request=DescribeFeatureType&version=1.1.0&typename=regions&mode=map&layers=cities', 'wfs'],
      ['request=GetCapabilities', 'wcs'],
      ['service=&request=GetCapabilities', 'wfs'],
      ['WMTVER=1.0.0&REQUEST=map&LAYERS=a', 'wms'],
      ['request=GetMap&version=1.1.1&layers=regions&mode=map', 'wms'],
      ['request=GetMap&version=1.1.1&layers=regions&MODE=map', 'wms'],
    ] as const) {
      assert.equal(get(query, type).kind, 'unidentified', query);
    }
    // the allowed twins: the map operations name the layers they draw
    assert.deepEqual(
      get(
        'request=GetMap&version=1.1.1&layers=regions&styles=&srs=EPSG:4326&bbox=0,0,1,1&width=1&height=1&format=image/png',
        'wms',
      ).layers,
      ['regions'],
    );
    assert.equal(get('service=WMS&request=GetCapabilities&mode=map', 'wms').operation, 'GetCapabilities');
  });
  it('operation names are canonicalised in any case', () => {
    assert.equal(get('service=wps&request=getcapabilities').operation, 'GetCapabilities');
    assert.equal(
      get('SERVICE=wps&REQUEST=DESCRIBEPROCESS&VERSION=1.0.0&IDENTIFIER=x').operation,
      'DescribeProcess',
    );
  });
  it('an empty service= is no service: MapServer runs CGI mode for it, so it is unidentified', () => {
    assert.equal(get('service=&request=GetMap&version=1.3.0&layers=a', 'wms').kind, 'unidentified');
    assert.equal(get('service=%20&request=GetMap&version=1.3.0&layers=a', 'wms').kind, 'unidentified');
    assert.equal(get('service=&request=GetCapabilities', 'wfs').kind, 'unidentified');
    assert.equal(get('request=GetMap&version=1.3.0&layers=a', 'wms').service, 'wms');
  });
});

describe('GET KVP: values and duplicates', () => {
  it('percent-decodes values and reads + as a space', () => {
    const r = get('service=WMS&request=GetMap&version=1.3.0&layers=my+layer,caf%C3%A9%2Cbar', 'wms');
    assert.deepEqual(r.layers, ['my layer', 'café', 'bar']);
  });
  it('percent-decodes keys', () => {
    const r = get('servic%65=WPS&request=Execute&version=1.0.0&identifi%65r=hello');
    assert.deepEqual(r.identifiers, ['hello']);
  });
  it('a malformed escape in a value the parser reads -> 400 InvalidParameterValue', () => {
    rejects(
      { query: 'service=WPS&request=Execute&version=1.0.0&identifier=a%zz' },
      'invalid_parameter',
      'identifier',
    );
    rejects(
      { query: 'service=WPS&request=Execute&version=1.0.0&identifier=%C3' },
      'invalid_parameter',
      'identifier',
    );
  });
  it('a malformed escape in a parameter the parser does not read is left to the upstream', () => {
    const r = get('service=WPS&request=Execute&version=1.0.0&identifier=a&datainputs=x%zz');
    assert.deepEqual(r.identifiers, ['a']);
  });
  it('a repeated key with the same value is accepted', () => {
    const r = get('service=WPS&SERVICE=wps&request=Execute&version=1.0.0&identifier=a&IDENTIFIER=a');
    assert.deepEqual(r.identifiers, ['a']);
  });
  const conflicts: [string, string, string][] = [
    ['service', 'service=WPS&SERVICE=WMS&request=GetCapabilities', 'wps'],
    ['request', 'service=WPS&request=GetCapabilities&REQUEST=Execute&version=1.0.0&identifier=a', 'wps'],
    ['version', 'service=WPS&request=Execute&version=1.0.0&Version=2.0.0&identifier=a', 'wps'],
    ['identifier', 'service=WPS&request=Execute&version=1.0.0&identifier=public&identifier=secret', 'wps'],
    ['layers', 'request=GetMap&version=1.3.0&layers=public&LAYERS=secret', 'wms'],
    ['typenames', 'service=WFS&request=GetFeature&version=2.0.0&typenames=a&typeNames=b', 'wfs'],
    ['coverageid', 'service=WCS&request=GetCoverage&version=2.0.1&coverageid=a&coverageid=b', 'wcs'],
    ['id', 'service=CSW&request=GetRecordById&version=2.0.2&id=a&id=b', 'csw'],
    ['jobid', 'service=WPS&request=GetStatus&version=2.0.0&jobid=a&jobid=b', 'wps'],
  ];
  for (const [key, query, type] of conflicts) {
    it(`two different values for ${key} -> 400 InvalidParameterValue ${key}`, () => {
      rejects({ query, serviceType: type }, 'invalid_parameter', key);
    });
  }
  it('service and request duplicates differing only in case are the same value', () => {
    const r = get('service=WPS&service=wps&request=getcapabilities&request=GetCapabilities');
    assert.equal(r.operation, 'GetCapabilities');
  });
  it('WMS layers and query_layers are a union, in order, without duplicates', () => {
    const r = get('request=GetFeatureInfo&version=1.1.1&layers=a,b,c&query_layers=c,d,a', 'wms');
    assert.deepEqual(r.layers, ['a', 'b', 'c', 'd']);
  });
  it('list items are trimmed and empty items dropped', () => {
    const r = get('service=WPS&request=DescribeProcess&version=1.0.0&identifier=%20a%20,,b,');
    assert.deepEqual(r.identifiers, ['a', 'b']);
  });
  it('an identifier list of only commas is missing', () => {
    rejects(
      { query: 'service=WPS&request=DescribeProcess&version=1.0.0&identifier=,,' },
      'missing_parameter',
      'identifier',
    );
  });
  it('DescribeProcess identifier=all is kept as ALL', () => {
    assert.deepEqual(get('service=WPS&request=DescribeProcess&version=1.0.0&identifier=all').identifiers, [
      'ALL',
    ]);
    assert.deepEqual(get('service=WPS&request=Execute&version=1.0.0&identifier=all').identifiers, ['all']);
  });
  it('keeps the case of resource names', () => {
    assert.deepEqual(get('service=WPS&request=Execute&version=1.0.0&identifier=Hello').identifiers, [
      'Hello',
    ]);
  });
  it('records the WMS EXCEPTIONS value as sent', () => {
    const r = get('request=GetMap&version=1.1.1&layers=a&exceptions=application/vnd.ogc.se_inimage', 'wms');
    assert.equal(r.exceptions, 'application/vnd.ogc.se_inimage');
  });
  it('a key without = is present with an empty value', () => {
    rejects({ query: 'service=WPS&request' }, 'missing_parameter', 'request');
  });
});

describe('GET KVP: resources', () => {
  it('WFS GetFeature by STOREDQUERY_ID needs no type name, and the id is not a layer', () => {
    const r = get(
      'service=WFS&request=GetFeature&version=2.0.0&storedquery_id=urn:ogc:def:query:OGC-WFS::GetFeatureById&id=cities.1',
      'wfs',
    );
    assert.deepEqual(r.layers, []);
  });
  it('WFS GetFeature by RESOURCEID needs no type name; a resource id type.fid names its type', () => {
    assert.deepEqual(get('service=WFS&request=GetFeature&version=2.0.0&resourceid=cities.1', 'wfs').layers, [
      'cities',
    ]);
    assert.deepEqual(get('service=WFS&request=GetFeature&version=2.0.0&resourceid=C01', 'wfs').layers, []);
  });
  it('WFS 1.1 GetFeature by FEATUREID: an allowed TYPENAME does not hide the type the id names', () => {
    // MapServer serves cities.C01 with TYPENAME=regions all the same
    assert.deepEqual(
      get('service=WFS&request=GetFeature&version=1.1.0&typename=regions&featureid=cities.C01,a.b.1', 'wfs')
        .layers,
      ['regions', 'cities', 'a', 'a.b'],
    );
  });
  it('WFS XML: a rid or fid at any depth of the filter names its type', () => {
    const r = parseOWSRequest(
      {
        method: 'POST',
        query: '',
        path: '',
        serviceType: 'wfs',
        contentType: 'text/xml',
        body: Buffer.from(
          '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" service="WFS" version="2.0.0">' +
            '<wfs:Query typeNames="regions"><fes:Filter><fes:Or><fes:Not><fes:ResourceId rid="cities.C01"/></fes:Not>' +
            '<fes:ResourceId rid="regions.1"/></fes:Or></fes:Filter></wfs:Query></wfs:GetFeature>',
        ),
      },
      { maxBytes: 65536, maxDepth: 16 },
    );
    assert.deepEqual(r.layers, ['cities', 'regions']);
  });
  it('WFS reads both TYPENAME and TYPENAMES, whatever the version', () => {
    const r = get('service=WFS&request=GetFeature&version=2.0.0&typename=a&typenames=b', 'wfs');
    assert.deepEqual(r.layers, ['a', 'b']);
  });
  it('WFS 2.0 schema-element() type names are flattened', () => {
    const r = get('service=WFS&request=GetFeature&version=2.0.0&typenames=schema-element(ns:Road)', 'wfs');
    assert.deepEqual(r.layers, ['ns:Road']);
  });
  it('WCS 2.0 GetCoverage with the 1.0 COVERAGE parameter misses COVERAGEID', () => {
    rejects(
      { query: 'service=WCS&request=GetCoverage&version=2.0.1&coverage=elevation', serviceType: 'wcs' },
      'missing_parameter',
      'coverageid',
    );
  });
  it('WPS jobId is not an identifier', () => {
    const r = get('service=WPS&request=GetResult&version=2.0.0&jobid=abc');
    assert.equal(r.jobId, 'abc');
    assert.deepEqual(r.identifiers, []);
  });
});

describe('CSW records', () => {
  it('GetRecords names no record with id= (a server returns every record): every record is judged', () => {
    const r = get(
      'service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&id=pub',
      'csw',
    );
    assert.deepEqual(r.records, []);
  });
  it('GetRecordById names its records, id and recordIds both (the twin)', () => {
    const r = get('service=CSW&version=3.0.0&request=GetRecordById&id=pub&recordIds=secret', 'csw');
    assert.deepEqual(r.records, ['pub', 'secret']);
  });
});
