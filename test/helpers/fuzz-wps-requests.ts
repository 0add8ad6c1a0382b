import fc from 'fast-check';
import { applyCoding, CHARSETS, type Charset, CODINGS, type Coding, encodeText } from './fuzz-body.js';

/**
 * Requests without credentials that try to make a WPS behind Twitcher execute the process
 * `canary`: the Execute is carried by the body (WPS 1.0/2.0 XML, JSON as PyWPS reads it, a form)
 * under a harmless-looking query, or by a query key Twitcher may not read as `request`, and is
 * disguised by method, Content-Type, charset, BOM, XML declaration, Content-Encoding, framing and
 * path. A request is plain data (JSON in test/interop/canary-seeds.json); `{tag}` in `path` and
 * `query` and the body's tag input carry a per-request tag, so that the canary's log names the
 * request that made it run.
 */

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export const BODY_FORMS = [
  'none',
  'wps1-execute',
  'wps2-execute',
  'json-execute',
  'json-form-decoy',
  'form-execute',
  'caps-xml',
  'caps-form',
] as const;
export type BodyForm = (typeof BODY_FORMS)[number];

/** What comes before the root element of an XML body (after the declaration, if any). */
export const PRELUDES = ['none', 'whitespace', 'comment', 'decoy-comment', 'pi', 'doctype'] as const;
export type Prelude = (typeof PRELUDES)[number];

/** How the XML root is named: `wps:` prefix, default namespace, an unusual prefix. */
export const PREFIXES = ['wps', 'default', 'odd'] as const;
export type Prefix = (typeof PREFIXES)[number];

/** `matching` names the body's real charset; the others may lie. */
export const DECLARATIONS = ['none', 'matching', 'UTF-8', 'ISO-8859-1', 'UTF-16', 'US-ASCII'] as const;
export type Declaration = (typeof DECLARATIONS)[number];

export interface WPSFuzzRequest {
  method: string;
  /** appended to /ows/proxy/{name}, sent as written */
  path: string;
  /** the raw query string (without '?'), sent as written; '' for none */
  query: string;
  /** the Content-Type header as written; null for none */
  contentType: string | null;
  body: BodyForm;
  prelude: Prelude;
  prefix: Prefix;
  charset: Charset;
  bom: boolean;
  declaration: Declaration;
  coding: Coding;
  /** Content-Length, or Transfer-Encoding: chunked */
  framing: 'length' | 'chunked';
}

const EXECUTE_TAIL = '&version=1.0.0&identifier=canary&DataInputs=tag={tag}';

/** Queries that ask for nothing protected: what the smuggled body hides behind. */
export const DECOY_QUERIES = [
  '',
  'service=WPS&request=GetCapabilities',
  'SERVICE=WPS&REQUEST=GetCapabilities&ACCEPTVERSIONS=1.0.0',
  'service=WPS&request=DescribeProcess&version=1.0.0&identifier=canary',
  'service=WPS&request=DescribeProcess&version=1.0.0&identifier=canary&DataInputs=tag={tag}',
  'service=wps',
  'request=GetCapabilities',
] as const;

/** `request=Execute` spelled so that a parser may see another key or value than PyWPS does. */
export const EXECUTE_QUERIES = [
  'service=WPS&request=Execute',
  'service=WPS&REQUEST=execute',
  'service=WPS&ReQuEsT=eXeCuTe',
  'service=WPS&request%20=Execute',
  'service=WPS&%20request=Execute',
  'service=WPS&request+=Execute',
  'service=WPS&reque%C5%BFt=Execute',
  'service=WPS&reque%C5%BFt=Execute&request=GetCapabilities',
  'service=WPS&%72equest=Execute',
  'service=WPS&request=%45xecute',
  'service=WPS&request=Exe%63ute',
  'service=WPS&request=%2545xecute',
  'service=WPS&request=Execute%00',
  'service=WPS&request=Execute%20',
  'service=WPS&request=GetCapabilities&request=Execute',
  'service=WPS&request=Execute&request=GetCapabilities',
  'service=WPS&request=GetCapabilities&REQUEST=Execute',
  'service=WPS&REQUEST=Execute&request=GetCapabilities',
  'service=WPS&Request=GetCapabilities&rEQUEST=Execute',
  'service=WPS;request=Execute',
  'service=WPS&request=GetCapabilities;request=Execute',
  'service=WPS&&request=Execute',
  'service=WPS&request[]=Execute',
  'service=WPS&request=Execute&service=WMS',
].map((q) => `${q}${EXECUTE_TAIL}`);

export const PATHS = [
  '',
  '/',
  '//',
  '/.',
  '/./',
  '/%2e',
  '/..;/',
  '/;x=1',
  ';x=1',
  '/%2F',
  '/extra',
  '/wps',
  '/%2e%2e/wps',
] as const;

export const CONTENT_TYPES: (string | null)[] = [
  null,
  '',
  'text/xml',
  'application/xml',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json',
  'text/html',
  'text/csv',
  'image/png',
  'text/xml; charset=utf-8',
  'text/xml; charset=UTF-16',
  'text/plain; charset=utf-16be',
  'application/xml;charset="utf-32"',
  'text/xml; charset=iso-8859-1',
  'TEXT/XML',
  ' text/xml ',
  'text/xml ;charset=utf-8',
  'text/xml, application/json',
  'application/x-www-form-urlencoded; charset=utf-8',
  'Application/X-WWW-Form-URLEncoded',
  'application/soap+xml',
  'application/json; charset=utf-8',
  'text/plain; profile=json',
  'application/problem+json',
  '*/*',
  'xml',
];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

/** The generator: everything but the tag, which the runner adds per request. */
export const wpsFuzzRequest: fc.Arbitrary<WPSFuzzRequest> = fc.record({
  method: fc.oneof({ arbitrary: fc.constant('POST'), weight: 4 }, { arbitrary: pick(METHODS), weight: 3 }),
  path: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: pick(PATHS), weight: 2 }),
  query: fc.oneof(
    { arbitrary: pick(DECOY_QUERIES), weight: 3 },
    { arbitrary: pick(EXECUTE_QUERIES), weight: 2 },
  ),
  contentType: pick(CONTENT_TYPES),
  body: fc.oneof(
    {
      arbitrary: pick(['wps1-execute', 'wps2-execute', 'json-execute', 'json-form-decoy'] as const),
      weight: 5,
    },
    { arbitrary: pick(BODY_FORMS), weight: 3 },
  ),
  prelude: fc.oneof(
    { arbitrary: fc.constant('none' as const), weight: 3 },
    { arbitrary: pick(PRELUDES), weight: 2 },
  ),
  prefix: pick(PREFIXES),
  charset: fc.oneof(
    { arbitrary: fc.constant('utf-8' as const), weight: 3 },
    { arbitrary: pick(CHARSETS), weight: 2 },
  ),
  bom: fc.boolean(),
  declaration: pick(DECLARATIONS),
  coding: fc.oneof(
    { arbitrary: fc.constant('none' as const), weight: 3 },
    { arbitrary: pick(CODINGS), weight: 2 },
  ),
  framing: fc.oneof(
    { arbitrary: fc.constant('length' as const), weight: 3 },
    { arbitrary: fc.constant('chunked' as const), weight: 1 },
  ),
});

/** `count` requests of the generator for `seed`: the same list on every machine. */
export function sampleWPSRequests(seed: number, count: number): WPSFuzzRequest[] {
  return fc.sample(wpsFuzzRequest, { seed, numRuns: count });
}

/**
 * Simplifications the minimiser tries, plainest first: the whole byte-level disguise at once, then
 * field by field.
 */
export const WPS_SIMPLER: Partial<WPSFuzzRequest>[] = [
  { charset: 'utf-8', bom: false, declaration: 'none', coding: 'none', framing: 'length' },
  { prelude: 'none', prefix: 'wps' },
  { method: 'POST' },
  { method: 'GET' },
  { path: '' },
  { query: '' },
  { query: 'service=WPS&request=GetCapabilities' },
  { contentType: null },
  { contentType: 'text/xml' },
  { body: 'none' },
  { body: 'wps1-execute' },
  { prelude: 'none' },
  { prefix: 'wps' },
  { coding: 'none' },
  { framing: 'length' },
  { declaration: 'none' },
  { bom: false },
  { charset: 'utf-8', declaration: 'none' },
  { charset: 'utf-8' },
];

const WPS1 = 'http://www.opengis.net/wps/1.0.0';
const WPS2 = 'http://www.opengis.net/wps/2.0';
const OWS11 = 'http://www.opengis.net/ows/1.1';
const OWS20 = 'http://www.opengis.net/ows/2.0';

/** `name` qualified as `prefix` says, and the namespace declarations of the root. */
function naming(prefix: Prefix, wpsNS: string, owsNS: string) {
  const p = prefix === 'wps' ? 'wps:' : prefix === 'odd' ? 'p0:' : '';
  const o = prefix === 'odd' ? 'q9:' : 'ows:';
  const decl =
    prefix === 'default'
      ? `xmlns="${wpsNS}" xmlns:ows="${owsNS}"`
      : `xmlns:${p.slice(0, -1)}="${wpsNS}" xmlns:${o.slice(0, -1)}="${owsNS}"`;
  return { p, o, decl };
}

function xmlRoot(form: BodyForm, prefix: Prefix, tag: string): string | undefined {
  switch (form) {
    case 'wps1-execute': {
      const { p, o, decl } = naming(prefix, WPS1, OWS11);
      return (
        `<${p}Execute service="WPS" version="1.0.0" ${decl}><${o}Identifier>canary</${o}Identifier>` +
        `<${p}DataInputs><${p}Input><${o}Identifier>tag</${o}Identifier><${p}Data>` +
        `<${p}LiteralData>${tag}</${p}LiteralData></${p}Data></${p}Input></${p}DataInputs></${p}Execute>`
      );
    }
    case 'wps2-execute': {
      const { p, o, decl } = naming(prefix, WPS2, OWS20);
      return (
        `<${p}Execute service="WPS" version="2.0.0" response="document" mode="sync" ${decl}>` +
        `<${o}Identifier>canary</${o}Identifier><${p}Input id="tag"><${p}Data>${tag}</${p}Data></${p}Input>` +
        `<${p}Output id="output" transmission="value"/></${p}Execute>`
      );
    }
    case 'caps-xml': {
      const { p, o, decl } = naming(prefix, WPS1, OWS11);
      return (
        `<${p}GetCapabilities service="WPS" ${decl}><${p}AcceptVersions>` +
        `<${o}Version>1.0.0</${o}Version></${p}AcceptVersions></${p}GetCapabilities>`
      );
    }
    default:
      return undefined;
  }
}

const PRELUDE_TEXT: Record<Prelude, string> = {
  none: '',
  whitespace: '\n \t\r\n',
  comment: '<!-- a comment -->\n',
  'decoy-comment': '<!--<wps:GetCapabilities service="WPS"/>-->',
  pi: '<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n',
  doctype: '<!DOCTYPE Execute>\n',
};

/** The body's text (before charset and coding), or undefined for no body. */
export function wpsBodyText(r: WPSFuzzRequest, tag: string): string | undefined {
  if (r.body === 'none') return undefined;
  if (r.body === 'json-execute') {
    return JSON.stringify({ identifier: 'canary', operation: 'execute', version: '1.0.0', inputs: { tag } });
  }
  if (r.body === 'json-form-decoy') {
    // PyWPS reads JSON whenever the label contains "json"; read as a form, this names GetCapabilities
    return JSON.stringify({
      identifier: 'canary',
      operation: 'execute',
      version: '1.0.0',
      inputs: { tag },
      pad: '&request=GetCapabilities&service=WPS&version=1.0.0&',
    });
  }
  if (r.body === 'form-execute') {
    return `service=WPS&version=1.0.0&request=Execute&identifier=canary&DataInputs=tag%3D${tag}`;
  }
  if (r.body === 'caps-form') return 'service=WPS&request=GetCapabilities&version=1.0.0';
  const root = xmlRoot(r.body, r.prefix, tag) ?? '';
  const declared = r.declaration === 'matching' ? r.charset.toUpperCase() : r.declaration;
  const declaration = r.declaration === 'none' ? '' : `<?xml version="1.0" encoding="${declared}"?>`;
  return `${declaration}${PRELUDE_TEXT[r.prelude]}${root}`;
}

export interface RenderedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked: boolean;
}

/** The request on the wire, for the service at `servicePath` (/ows/proxy/{name}). */
export function renderWPSRequest(r: WPSFuzzRequest, servicePath: string, tag: string): RenderedRequest {
  const query = r.query.replaceAll('{tag}', tag);
  const path = `${servicePath}${r.path.replaceAll('{tag}', tag)}${query === '' ? '' : `?${query}`}`;
  const headers: Record<string, string> = {};
  if (r.contentType !== null) headers['content-type'] = r.contentType;
  const text = wpsBodyText(r, tag);
  let body: Buffer | undefined;
  if (text !== undefined) {
    const coded = applyCoding(encodeText(text, r.charset, r.bom), r.coding);
    body = coded.body;
    if (coded.header !== undefined) headers['content-encoding'] = coded.header;
  }
  return { method: r.method, path, headers, ...(body && { body }), chunked: r.framing === 'chunked' };
}

/** One line naming the fields that differ from the plainest request: for failure messages. */
export function describeWPSRequest(r: WPSFuzzRequest): string {
  const parts = [`${r.method} {service}${r.path}${r.query === '' ? '' : `?${r.query}`}`];
  parts.push(`Content-Type: ${r.contentType === null ? '(none)' : JSON.stringify(r.contentType)}`);
  if (r.body !== 'none') {
    parts.push(`body ${r.body}`);
    if (r.body.endsWith('xml') || r.body.startsWith('wps')) {
      if (r.prefix !== 'wps') parts.push(`prefix ${r.prefix}`);
      if (r.prelude !== 'none') parts.push(`prelude ${r.prelude}`);
      if (r.declaration !== 'none') parts.push(`<?xml encoding=${r.declaration}?>`);
    }
    if (r.charset !== 'utf-8' || r.bom) parts.push(`${r.charset}${r.bom ? '+BOM' : ''}`);
    if (r.coding !== 'none') parts.push(`Content-Encoding ${r.coding}`);
    if (r.framing === 'chunked') parts.push('chunked');
  }
  return parts.join(' | ');
}
