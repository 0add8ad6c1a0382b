/**
 * The OWS request parser: what service, operation, version and resources a proxied request asks for.
 * Pure: plain values in (`OWSRequestInput`), an `OWSRequest` out, `TwitcherError` for bad requests.
 *
 * Encodings (OWS Common: KVP for GET, XML documents for POST):
 * - KVP in the query string (any method). Keys are case-insensitive, `service` and `request` values
 *   too (OGC 06-121r3 §11.5.2). Values are percent-decoded, '+' is a space. A key sent twice with
 *   different values is refused when the parser reads it (the proxy and the upstream must not read
 *   different values).
 * - A non-empty body is judged by its bytes, whatever its Content-Type (`identify-body.ts`): an XML
 *   document (the root element's local name is the operation; `service`/`version` come from root
 *   attributes) or form-encoded KVP naming `request` or `service` (merged with the query's). Any other
 *   body is an **unidentified operation** (`kind: 'unidentified'`), which the policy protects: PyWPS
 *   executes the body of a POST whatever its label and query say.
 * - WMTS 1.0.0 RESTful paths (OGC 07-057r7 §10), only for a service registered as wmts.
 * Anything else is `kind: 'other'` (THREDDS, OGC API, stored WPS outputs, files).
 *
 * Locators of the errors are the lower-case KVP parameter names: service, request, version,
 * identifier (WPS, WCS 1.1), jobid, layers, query_layers, layer, typename (WFS 1.x), typenames
 * (WFS 2.0), coverage (WCS 1.0), coverageid (WCS 2.0), id (CSW), and `body` for the document itself;
 * an XML request missing a resource gets the locator of the equivalent KVP parameter.
 *
 * Fail-closed choices: every resource parameter of the service is read whatever the operation (a
 * vendor operation still names its layers); an XML POST also collects the resources named in its query
 * string; a query `service`/`request`/`version` that contradicts the XML body is refused. WFS resource
 * ids and stored queries name no type, so such a GetFeature may have no layers. CSW `typeNames`
 * (record types such as csw:Record) are reported in `layers`. Inserted WFS features are reported by
 * their element's local name; typeName attributes as written (with their prefix).
 */
import { TwitcherError } from '../errors.js';
import { finish, otherRequest, unidentifiedRequest } from './build-request.js';
import { identifyBody } from './identify-body.js';
import { type Kvp, kvpVersion, namesReservedKey, readKvp, serviceValue, single } from './kvp.js';
import { canonicalOperation, isOWSService } from './operations.js';
import { missing } from './request-errors.js';
import { emptyResources, kvpResources } from './request-resources.js';
import type { OWSRequest, OWSRequestInput, XMLLimits } from './types.js';
import { fromWmtsPath } from './wmts-rest.js';
import { parseXML } from './xml.js';
import { fromXml, XML_KEEP_DEPTH } from './xml-request.js';

// ---------------------------------------------------------------------------------------------------
// Bodies

/** Media type without parameters, lower case ('' when absent). RFC 9110 §8.3.1. */
function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * Upstreams read a body as KVP only under the form label (CGI MapServer, servlet containers,
 * werkzeug); PyWPS reads it as JSON whenever the label contains `json` (anywhere, even in a
 * parameter): such a body is never judged as a form, whatever its shape.
 */
function readAsForm(contentType: string | undefined): boolean {
  return isFormLabel(contentType) && !(contentType ?? '').toLowerCase().includes('json');
}

/** The form label (RFC 1866 §8.2.1), parameters aside. */
export function isFormLabel(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/x-www-form-urlencoded';
}

/** A label that promises XML: the content must then be XML (MapServer parses such a body as XML). */
function labelledXML(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml');
}

function tooLarge(limits: XMLLimits): TwitcherError {
  return new TwitcherError('payload_too_large', {
    description: `Request body larger than ${limits.maxBytes} bytes`,
    locator: 'body',
  });
}

// ---------------------------------------------------------------------------------------------------
// The three encodings

/** WMS operations clients send without SERVICE, each naming the layers it reads. */
const MAP_OPERATIONS: ReadonlySet<string> = new Set([
  'GetMap',
  'GetFeatureInfo',
  'GetLegendGraphic',
  // ncWMS (THREDDS, Godiva) names its layer in layerName
  'GetMetadata',
]);

function fromKvp(input: OWSRequestInput, kvp: Kvp, encoding: 'kvp' | 'form'): OWSRequest {
  const operation = single(kvp, 'request') ?? '';
  if (operation === '') throw missing('request', 'Parameter request is required');
  const given = single(kvp, 'service');
  // SERVICE= sent empty: MapServer does not dispatch it as an OWS request either (CGI mode)
  if (given === '') return unidentifiedRequest(input, `${operation} with an empty service=`);
  let service = serviceValue(given);
  if (service === undefined) {
    if (!isOWSService(input.serviceType)) throw missing('service', 'Parameter service is required');
    // WMS 1.0/1.1 clients omit SERVICE on the map operations, which name the layers they draw; any
    // other request without it is not dispatched as an OWS request by MapServer, which runs it in
    // its CGI mode instead (mode=map&layers=… draws any layer): an unidentified operation.
    const canonical = canonicalOperation(input.serviceType, operation);
    if (input.serviceType !== 'wms' || !MAP_OPERATIONS.has(canonical ?? '') || kvp.has('mode')) {
      return unidentifiedRequest(input, `${operation} without service=`);
    }
    service = input.serviceType;
  }
  const resources = emptyResources();
  kvpResources(service, canonicalOperation(service, operation) ?? operation, kvp, resources);
  return finish(input, {
    encoding,
    service,
    operation,
    version: kvpVersion(kvp),
    resources,
    exceptions: single(kvp, 'exceptions'),
  });
}

/** A body with content: judged by what it is, whatever its label says. */
function fromBody(input: OWSRequestInput, body: Buffer, kvp: Kvp, limits: ParseLimits): OWSRequest {
  if (body.length > limits.maxBytes) throw tooLarge(limits);
  const found = identifyBody(body);
  if (found.kind === 'xml') {
    // MapServer reads a form-labelled body as KVP: an XML document that also names reserved keys
    // that way (`<!--&request=GetFeature&-->`) is two requests at once
    if (isFormLabel(input.contentType) && typeof found.document !== 'string') {
      if (namesReservedKey(found.document.toString('utf8'))) {
        throw new TwitcherError('malformed_body', {
          description: 'The form-labelled XML body also reads as KVP naming OWS parameters.',
          locator: 'body',
        });
      }
    }
    const root = parseXML(found.document, {
      maxBytes: limits.maxBytes,
      maxDepth: limits.maxDepth,
      maxNodes: limits.maxNodes,
      keepDepth: XML_KEEP_DEPTH,
    });
    return fromXml(input, root, kvp);
  }
  if (labelledXML(input.contentType)) {
    throw new TwitcherError('malformed_body', {
      description: 'The request body is labelled XML but is not an XML document.',
      locator: 'body',
    });
  }
  if (found.kind === 'form' && readAsForm(input.contentType)) {
    const own: Kvp = new Map();
    readKvp(found.text, own);
    if (own.has('request') || own.has('service')) {
      for (const [key, values] of own) kvp.set(key, [...(kvp.get(key) ?? []), ...values]);
      return fromKvp(input, kvp, 'form');
    }
    return unidentifiedRequest(input, 'a form body that names no OWS request');
  }
  return unidentifiedRequest(
    input,
    found.kind === 'form' ? 'a body that is form-encoded but not labelled so' : found.why,
  );
}

type ParseLimits = XMLLimits & { maxNodes?: number | undefined };

/**
 * Parses a proxied request. Throws `TwitcherError` (missing_parameter, invalid_parameter,
 * malformed_body, payload_too_large) for a bad OWS request; a request whose body is not a known OWS
 * document is `kind: 'unidentified'`; anything else that is not an OWS request is `kind: 'other'`.
 *
 * A non-empty body decides (the upstream executes the body, not the query): the query's parameters
 * must agree with it and its resources are added to the body's. `body: 'hidden'` (`/ows/verify`, which
 * never sees the body) is an unidentified operation.
 */
export function parseOWSRequest(input: OWSRequestInput, limits: ParseLimits): OWSRequest {
  const request = parseAnyMethod(input, limits);
  // OWS operations are bound to GET and POST (OGC 06-121r9 §11); what a server does with one sent
  // by TRACE, PUT or PROPFIND is its own: never the operation judged (OPTIONS is a CORS preflight)
  if (request.kind === 'ows' && !OWS_METHODS.has(request.method)) {
    return unidentifiedRequest(input, `${request.operation ?? 'an operation'} sent by ${request.method}`);
  }
  return request;
}

const OWS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

function parseAnyMethod(input: OWSRequestInput, limits: ParseLimits): OWSRequest {
  const kvp: Kvp = new Map();
  readKvp(input.query, kvp);
  const body = input.body;
  if (body === 'hidden') return unidentifiedRequest(input, 'a body that /verify cannot see');
  if (body !== undefined && body.length > 0) return fromBody(input, body, kvp, limits);
  if (kvp.has('request') || kvp.has('service')) return fromKvp(input, kvp, 'kvp');
  if (input.serviceType === 'wmts') return fromWmtsPath(input) ?? otherRequest(input);
  return otherRequest(input);
}
