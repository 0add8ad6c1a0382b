import fc from 'fast-check';
import { applyCoding, CHARSETS, type Charset, CODINGS, type Coding, encodeText } from './fuzz-body.js';
import type { WireAnswer, WireRequest } from './fuzz-runner.js';

/**
 * Requests without credentials that try to get the forbidden layer `cities` out of MapServer behind
 * Twitcher, where anonymous may read only `regions`: a GetMap / GetFeature of `cities` smuggled in
 * the body (form or XML) under a harmless query (GetCapabilities, or the allowed layer), or in query
 * keys spelled so that Twitcher and MapServer may read them differently. Plain data, as the WPS
 * canary fuzz's requests.
 *
 * Oracles, both independent of Twitcher's answer: every smuggled GetMap asks for image/png and the
 * allowed decoy GetMap for image/jpeg, so a PNG is the forbidden layer drawn; a GetFeature answer
 * holding a city's name (the cities' distinctive `name` attribute) is the forbidden feature type.
 */

export type MapKind = 'wms' | 'wfs';

export interface MapFuzzRequest {
  method: string;
  path: string;
  query: string;
  contentType: string | null;
  body: string;
  prelude: 'none' | 'whitespace' | 'comment';
  charset: Charset;
  bom: boolean;
  declaration: 'none' | 'matching' | 'UTF-8' | 'UTF-16';
  coding: Coding;
  framing: 'length' | 'chunked';
}

const MAP_PNG = 'STYLES=&CRS=EPSG:4326&BBOX=-90,-180,90,180&WIDTH=64&HEIGHT=32&FORMAT=image/png';

/** Bodies: form and XML, each naming the forbidden layer (alone or with the allowed one). */
export const MAP_BODIES: Record<MapKind, Record<string, string>> = {
  wms: {
    none: '',
    'form-cities': `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=cities&${MAP_PNG}`,
    'form-CITIES': `service=wms&version=1.3.0&request=getmap&layers=CITIES&${MAP_PNG.toLowerCase()}`,
    'form-peers': `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=peers&${MAP_PNG}`,
    'form-two': `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=regions,cities&${MAP_PNG}`,
    'xml-getmap':
      '<GetMap xmlns="http://www.opengis.net/ows" version="1.1.1" service="WMS"><StyledLayerDescriptor version="1.0.0">' +
      '<NamedLayer><Name>cities</Name></NamedLayer></StyledLayerDescriptor><BoundingBox srsName="EPSG:4326">' +
      '<coord><X>-180</X><Y>-90</Y></coord><coord><X>180</X><Y>90</Y></coord></BoundingBox><Output>' +
      '<Format>image/png</Format><Size><Width>64</Width><Height>32</Height></Size></Output></GetMap>',
  },
  wfs: {
    none: '',
    'form-cities': 'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=cities',
    'form-ms-cities': 'SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=ms:cities',
    'form-two': 'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=regions,cities',
    'xml-wfs11':
      '<wfs:GetFeature service="WFS" version="1.1.0" xmlns:wfs="http://www.opengis.net/wfs">' +
      '<wfs:Query typeName="cities"/></wfs:GetFeature>',
    'xml-wfs20':
      '<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0">' +
      '<wfs:Query typeNames="cities"/></wfs:GetFeature>',
    'xml-wfs20-default-ns':
      '<GetFeature service="WFS" version="2.0.0" xmlns="http://www.opengis.net/wfs/2.0">' +
      '<Query typeNames="ms:cities"/></GetFeature>',
  },
};

/** Harmless queries: nothing, GetCapabilities, the allowed layer (GetMap as JPEG). */
export const MAP_DECOYS: Record<MapKind, string[]> = {
  wms: [
    '',
    'SERVICE=WMS&REQUEST=GetCapabilities',
    'service=WMS&version=1.3.0&request=GetCapabilities',
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=regions&${MAP_PNG.replace('image/png', 'image/jpeg')}`,
  ],
  wfs: [
    '',
    'SERVICE=WFS&REQUEST=GetCapabilities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=regions',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=regions',
  ],
};

/** The forbidden layer named in the query, with keys and values spelled to confuse a parser. */
export const MAP_QUERY_SMUGGLES: Record<MapKind, string[]> = {
  wms: [
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=cities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS%20=cities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYER%53=cities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=c%69ties&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=%2563ities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities&REQUEST=GetMap&LAYERS=cities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&request=GetCapabilities&REQUEST=GetMap&LAYERS=cities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap;LAYERS=cities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUE%C5%BFT=GetMap&LAYERS=cities&${MAP_PNG}`,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=cities%00&${MAP_PNG}`,
  ],
  wfs: [
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=cities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES%20=cities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAME=cities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=regions&TYPENAME=cities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&typenames=regions&TYPENAMES=cities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=c%69ties',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=ms%3Acities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities&REQUEST=GetFeature&TYPENAMES=cities',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&RESOURCEID=cities.C10',
    'SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature;TYPENAMES=cities',
    'SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&FEATUREID=cities.C01',
  ],
};

const MAP_PATHS = ['', '/', '/..;/', '/;x=1', '/%2e', '/extra'] as const;
const MAP_CONTENT_TYPES: (string | null)[] = [
  null,
  'application/x-www-form-urlencoded',
  'Application/X-WWW-Form-URLEncoded; charset=utf-8',
  'text/xml',
  'application/xml',
  'text/plain',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/json',
  'text/html',
  'text/xml; charset=utf-16',
  ' text/xml ',
  '*/*',
];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

export function mapFuzzRequest(kind: MapKind): fc.Arbitrary<MapFuzzRequest> {
  const smuggled = Object.keys(MAP_BODIES[kind]).filter((b) => b !== 'none');
  return fc.record({
    method: fc.oneof(
      { arbitrary: fc.constant('POST'), weight: 4 },
      { arbitrary: fc.constant('GET'), weight: 2 },
      { arbitrary: pick(['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']), weight: 1 },
    ),
    path: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: pick(MAP_PATHS), weight: 1 }),
    query: fc.oneof(
      { arbitrary: pick(MAP_DECOYS[kind]), weight: 4 },
      { arbitrary: pick(MAP_QUERY_SMUGGLES[kind]), weight: 2 },
    ),
    contentType: pick(MAP_CONTENT_TYPES),
    body: fc.oneof({ arbitrary: pick(smuggled), weight: 6 }, { arbitrary: fc.constant('none'), weight: 2 }),
    prelude: pick(['none', 'none', 'whitespace', 'comment'] as const),
    charset: fc.oneof(
      { arbitrary: fc.constant('utf-8' as const), weight: 4 },
      { arbitrary: pick(CHARSETS), weight: 1 },
    ),
    bom: fc.boolean(),
    declaration: pick(['none', 'matching', 'UTF-8', 'UTF-16'] as const),
    coding: fc.oneof(
      { arbitrary: fc.constant('none' as const), weight: 4 },
      { arbitrary: pick(CODINGS), weight: 1 },
    ),
    framing: fc.oneof(
      { arbitrary: fc.constant('length' as const), weight: 3 },
      { arbitrary: fc.constant('chunked' as const), weight: 1 },
    ),
  });
}

export function sampleMapRequests(kind: MapKind, seed: number, count: number): MapFuzzRequest[] {
  return fc.sample(mapFuzzRequest(kind), { seed, numRuns: count });
}

/** The plainest request for the forbidden layer: a GET of it by KVP. */
export const MAP_PLAIN: Record<MapKind, Partial<MapFuzzRequest>> = {
  wms: {
    method: 'GET',
    path: '',
    query: MAP_QUERY_SMUGGLES.wms[0] as string,
    contentType: null,
    body: 'none',
  },
  wfs: {
    method: 'GET',
    path: '',
    query: MAP_QUERY_SMUGGLES.wfs[0] as string,
    contentType: null,
    body: 'none',
  },
};

export const MAP_SIMPLER: Partial<MapFuzzRequest>[] = [
  { charset: 'utf-8', bom: false, declaration: 'none', coding: 'none', framing: 'length', prelude: 'none' },
  { method: 'POST' },
  { method: 'GET' },
  { path: '' },
  { query: '' },
  { contentType: null },
  { body: 'none' },
  { coding: 'none' },
  { framing: 'length' },
  { prelude: 'none' },
  { declaration: 'none' },
  { bom: false },
  { charset: 'utf-8', declaration: 'none' },
  { charset: 'utf-8' },
];

export function renderMapRequest(kind: MapKind, r: MapFuzzRequest, servicePath: string): WireRequest {
  const headers: Record<string, string> = {};
  if (r.contentType !== null) headers['content-type'] = r.contentType;
  const text = MAP_BODIES[kind][r.body] ?? '';
  let body: Buffer | undefined;
  if (text !== '') {
    const xml = text.startsWith('<');
    const declared = r.declaration === 'matching' ? r.charset.toUpperCase() : r.declaration;
    const head = xml && r.declaration !== 'none' ? `<?xml version="1.0" encoding="${declared}"?>` : '';
    const prelude = !xml
      ? ''
      : r.prelude === 'whitespace'
        ? '\n \t'
        : r.prelude === 'comment'
          ? '<!-- c -->'
          : '';
    const coded = applyCoding(encodeText(`${head}${prelude}${text}`, r.charset, r.bom), r.coding);
    body = coded.body;
    if (coded.header !== undefined) headers['content-encoding'] = coded.header;
  }
  return {
    method: r.method,
    path: `${servicePath}${r.path}${r.query === '' ? '' : `?${r.query}`}`,
    headers,
    ...(body && { body }),
    chunked: r.framing === 'chunked',
  };
}

const CITY_NAMES = /Aster|Birch|Cedar|Dune|Elm\b|Fjord|Grove|Heath|Iris|Juniper/;

/** Whether MapServer's answer is the forbidden layer: a PNG map, or a city's name. */
export function leaksForbiddenLayer(kind: MapKind, a: WireAnswer): boolean {
  if (kind === 'wms') return a.body.subarray(1, 4).toString('latin1') === 'PNG';
  return CITY_NAMES.test(a.body.toString('utf8'));
}

export function describeMapRequest(r: MapFuzzRequest): string {
  const parts = [`${r.method} {service}${r.path}${r.query === '' ? '' : `?${r.query}`}`];
  parts.push(`Content-Type: ${r.contentType === null ? '(none)' : JSON.stringify(r.contentType)}`);
  if (r.body !== 'none') {
    parts.push(`body ${r.body}`);
    if (r.prelude !== 'none') parts.push(`prelude ${r.prelude}`);
    if (r.declaration !== 'none') parts.push(`<?xml encoding=${r.declaration}?>`);
    if (r.charset !== 'utf-8' || r.bom) parts.push(`${r.charset}${r.bom ? '+BOM' : ''}`);
    if (r.coding !== 'none') parts.push(`Content-Encoding ${r.coding}`);
    if (r.framing === 'chunked') parts.push('chunked');
  }
  return parts.join(' | ');
}
