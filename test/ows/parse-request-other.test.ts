/** What is not an OWS request (kind 'other'), and the WMTS RESTful encoding. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTwitcherError } from '../../src/errors.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest, OWSRequestInput } from '../../src/ows/types.js';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 32 };

function parse(input: Partial<OWSRequestInput>): OWSRequest {
  return parseOWSRequest({ method: 'GET', query: '', path: '', serviceType: 'wps', ...input }, LIMITS);
}

function rejects(input: Partial<OWSRequestInput>, code: string, locator: string): void {
  assert.throws(
    () => parse(input),
    (err: unknown) => isTwitcherError(err) && err.code === code && err.locator === locator,
  );
}

const OTHER: OWSRequest = {
  kind: 'other',
  encoding: 'none',
  service: undefined,
  operation: undefined,
  knownOperation: false,
  version: undefined,
  identifiers: [],
  layers: [],
  records: [],
  jobId: undefined,
  exceptions: undefined,
  method: 'GET',
  path: '',
};

describe("kind 'other': never an error for a missing service=", () => {
  const cases: [string, Partial<OWSRequestInput>][] = [
    ['THREDDS OPeNDAP', { serviceType: 'thredds', path: '/thredds/dodsC/x.nc.dds' }],
    ['THREDDS catalog', { serviceType: 'thredds', path: '/thredds/catalog.xml' }],
    ['THREDDS fileServer', { serviceType: 'thredds', path: '/thredds/fileServer/a.nc' }],
    [
      'THREDDS OPeNDAP with a constraint',
      { serviceType: 'thredds', path: '/thredds/dodsC/x.nc.ascii', query: 'tas[0:1][0][0]' },
    ],
    ['OGC API items', { serviceType: 'ogcapi', path: '/collections/cities/items', query: 'f=json' }],
    [
      'OGC API on an OWS-typed service',
      { serviceType: 'wms', path: '/ows/peers/ogcapi/collections/cities/items', query: 'f=json&limit=5' },
    ],
    ['PyWPS stored output', { serviceType: 'wps', path: '/outputs/abc.xml' }],
    ['any file on an http service', { serviceType: 'http', path: '/static/logo.png', query: 'v=3' }],
    ['the service root', { serviceType: 'wps', path: '' }],
    ['a WMTS path that is not a tile', { serviceType: 'wmts', path: '/1.0.0/cities/default.png' }],
    [
      'a tile-shaped path on a non-WMTS service',
      { serviceType: 'wms', path: '/1.0.0/cities/default/g/3/2/5.png' },
    ],
  ];
  for (const [name, input] of cases) {
    it(name, () => {
      assert.deepEqual(parse(input), { ...OTHER, path: input.path ?? '' });
    });
  }
  it('keeps the method, upper-cased', () => {
    const r = parse({ method: 'delete', serviceType: 'ogcapi', path: '/jobs/1' });
    assert.equal(r.kind, 'other');
    assert.equal(r.method, 'DELETE');
  });
  it('a JSON POST to an OWS-typed service is an unidentified operation (register OGC API as ogcapi)', () => {
    const r = parse({
      method: 'POST',
      contentType: 'application/json',
      body: Buffer.from('{"identifier":"secret","inputs":{}}'),
      path: '/processes/secret/execution',
      serviceType: 'wps',
    });
    assert.equal(r.kind, 'unidentified');
  });
  it('a JSON POST under an OWS query is never judged by the query: unidentified', () => {
    const r = parse({
      method: 'POST',
      contentType: 'application/json',
      body: Buffer.from('{"x":1}'),
      query: 'service=WPS&request=GetCapabilities',
    });
    assert.equal(r.kind, 'unidentified');
    assert.equal(r.operation, undefined);
  });
  it('a request= on a THREDDS path is an error, not other', () => {
    rejects(
      { serviceType: 'thredds', path: '/thredds/wms/x.nc', query: 'request=GetMap' },
      'missing_parameter',
      'service',
    );
  });
});

describe('WMTS RESTful encoding (OGC 07-057r7 §10.2)', () => {
  const tile = '/wmts/1.0.0/cities/default/WebMercatorQuad/3/2/5.png';
  it('a tile path is a GetTile of its layer', () => {
    const r = parse({ serviceType: 'wmts', path: tile });
    assert.equal(r.kind, 'ows');
    assert.equal(r.encoding, 'rest');
    assert.equal(r.service, 'wmts');
    assert.equal(r.operation, 'GetTile');
    assert.equal(r.knownOperation, true);
    assert.equal(r.version, '1.0.0');
    assert.deepEqual(r.layers, ['cities']);
    assert.equal(r.path, tile);
  });
  it('a tile path with a dimension segment is still a GetTile of its layer', () => {
    const r = parse({ serviceType: 'wmts', path: '/1.0.0/tas/default/2020-01-01/WorldCRS84Quad/2/1/1.png' });
    assert.equal(r.operation, 'GetTile');
    assert.deepEqual(r.layers, ['tas']);
  });
  it('a FeatureInfo path is a GetFeatureInfo of its layer', () => {
    const r = parse({ serviceType: 'wmts', path: '/1.0.0/cities/default/WebMercatorQuad/3/2/5/10/20.xml' });
    assert.equal(r.operation, 'GetFeatureInfo');
    assert.deepEqual(r.layers, ['cities']);
  });
  it('the capabilities path is a GetCapabilities', () => {
    const r = parse({ serviceType: 'wmts', path: '/1.0.0/WMTSCapabilities.xml' });
    assert.equal(r.operation, 'GetCapabilities');
    assert.deepEqual(r.layers, []);
  });
  it('percent-decodes the layer segment', () => {
    assert.deepEqual(parse({ serviceType: 'wmts', path: '/1.0.0/my%20layer/default/g/3/2/5.png' }).layers, [
      'my layer',
    ]);
  });
  it('a malformed escape in the layer segment -> 400 InvalidParameterValue layer', () => {
    rejects({ serviceType: 'wmts', path: '/1.0.0/a%zz/default/g/3/2/5.png' }, 'invalid_parameter', 'layer');
  });
  it('a tile path with an empty segment is not a tile', () => {
    assert.equal(parse({ serviceType: 'wmts', path: '/1.0.0/cities//g/3/2/5.png' }).kind, 'other');
  });
  it('KVP parameters take precedence over the path', () => {
    const r = parse({ serviceType: 'wmts', path: tile, query: 'service=WMTS&request=GetCapabilities' });
    assert.equal(r.encoding, 'kvp');
    assert.equal(r.operation, 'GetCapabilities');
  });
});
