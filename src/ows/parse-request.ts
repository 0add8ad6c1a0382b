/**
 * The OWS request parser: what service, operation, version and resources a proxied request asks for.
 * Pure: plain values in (`OWSRequestInput`), an `OWSRequest` out, `TwitcherError` for bad requests.
 *
 * Encodings (OWS Common: KVP for GET, XML documents for POST):
 * - KVP in the query string (any method), merged with an `application/x-www-form-urlencoded` body.
 *   Keys are case-insensitive, `service` and `request` values too (OGC 06-121r3 §11.5.2). Values are
 *   percent-decoded, '+' is a space. A key sent twice with different values is refused when the
 *   parser reads it (the proxy and the upstream must not read different values).
 * - An XML document posted as text/xml, application/xml, *+xml, or with no / a text/plain content type.
 *   The root element's local name is the operation; `service`/`version` come from root attributes.
 * - WMTS 1.0.0 RESTful paths (OGC 07-057r7 §10), only for a service registered as wmts.
 * Anything else is `kind: 'other'` (THREDDS, OGC API, stored WPS outputs, JSON bodies, files).
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
import { finish, otherRequest } from './build-request.js';
import { type Kvp, kvpVersion, readKvp, serviceValue, single } from './kvp.js';
import { canonicalOperation, isOWSService } from './operations.js';
import { missing } from './request-errors.js';
import { emptyResources, kvpResources } from './request-resources.js';
import type { OWSRequest, OWSRequestInput, XMLLimits } from './types.js';
import { fromWmtsPath } from './wmts-rest.js';
import { parseXML } from './xml.js';
import { fromXml, XML_KEEP_DEPTH } from './xml-request.js';

// ---------------------------------------------------------------------------------------------------
// Content types and bodies

type BodyKind = 'xml' | 'form' | 'sniff' | 'ignore';

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT']);

/** Media type without parameters, lower case ('' when absent). RFC 9110 §8.3.1. */
function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function bodyKind(contentType: string | undefined): BodyKind {
  const type = mediaType(contentType);
  if (type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml')) return 'xml';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  // OWSLib and curl scripts post XML without a content type, or as text/plain.
  if (type === '' || type === 'text/plain') return 'sniff';
  return 'ignore';
}

/** True when the proxy must read the body for `parseOWSRequest` to decide on the request. */
export function bodyNeeded(input: Omit<OWSRequestInput, 'body'>): boolean {
  if (!BODY_METHODS.has(input.method.toUpperCase())) return false;
  if (!isOWSService(input.serviceType)) return false;
  return bodyKind(input.contentType) !== 'ignore';
}

type Sniffed = 'markup' | 'text' | 'empty';

/** What the body starts with, after a byte order mark and white space. */
function sniff(body: Buffer): Sniffed {
  if (
    body.length >= 2 &&
    ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff))
  ) {
    return 'markup'; // UTF-16: let the XML parser decide
  }
  let i = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  for (; i < body.length; i++) {
    const c = body[i];
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x3c ? 'markup' : 'text';
  }
  return 'empty';
}

function tooLarge(limits: XMLLimits): TwitcherError {
  return new TwitcherError('payload_too_large', {
    description: `Request body larger than ${limits.maxBytes} bytes`,
    locator: 'body',
  });
}

// ---------------------------------------------------------------------------------------------------
// The three encodings

function fromKvp(input: OWSRequestInput, kvp: Kvp, encoding: 'kvp' | 'form'): OWSRequest {
  const operation = single(kvp, 'request') ?? '';
  if (operation === '') throw missing('request', 'Parameter request is required');
  let service = serviceValue(single(kvp, 'service'));
  if (service === undefined) {
    // Many WMS clients omit SERVICE: assume the registered type when it is an OWS.
    if (!isOWSService(input.serviceType)) throw missing('service', 'Parameter service is required');
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

/**
 * Parses a proxied request. Throws `TwitcherError` (missing_parameter, invalid_parameter,
 * malformed_body, payload_too_large) for a bad OWS request; anything that is not an OWS request is
 * `kind: 'other'`, never an error.
 */
export function parseOWSRequest(
  input: OWSRequestInput,
  limits: XMLLimits & { maxNodes?: number | undefined },
): OWSRequest {
  const kvp: Kvp = new Map();
  readKvp(input.query, kvp);
  const body = input.body;
  if (body !== undefined && body.length > 0 && BODY_METHODS.has(input.method.toUpperCase())) {
    const kind = bodyKind(input.contentType);
    if (kind !== 'ignore' && body.length > limits.maxBytes) throw tooLarge(limits);
    if (kind === 'form') {
      const before = kvp.has('request') || kvp.has('service');
      const own: Kvp = new Map();
      readKvp(body.toString('utf8'), own);
      for (const [key, values] of own) kvp.set(key, [...(kvp.get(key) ?? []), ...values]);
      if (own.has('request') || own.has('service')) return fromKvp(input, kvp, 'form');
      if (before) return fromKvp(input, kvp, 'kvp');
      return otherRequest(input);
    }
    if (kind === 'xml' || kind === 'sniff') {
      const sniffed = sniff(body);
      if (sniffed === 'markup' || (kind === 'xml' && sniffed === 'text')) {
        const root = parseXML(body, {
          maxBytes: limits.maxBytes,
          maxDepth: limits.maxDepth,
          maxNodes: limits.maxNodes,
          keepDepth: XML_KEEP_DEPTH,
        });
        return fromXml(input, root, kvp);
      }
    }
  }
  if (kvp.has('request') || kvp.has('service')) return fromKvp(input, kvp, 'kvp');
  if (input.serviceType === 'wmts') return fromWmtsPath(input) ?? otherRequest(input);
  return otherRequest(input);
}
