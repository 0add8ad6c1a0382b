/**
 * The OWS Common XML encoding: the service, operation, version and resources of a request posted as
 * an XML document, checked against the KVP parameters of its query string.
 */

import { TwitcherError } from '../errors.js';
import { finish, unidentifiedRequest } from './build-request.js';
import { type Kvp, kvpVersion, serviceValue, single } from './kvp.js';
import { canonicalOperation, isOWSService, servicesWithOperation } from './operations.js';
import { invalid, missing, quote } from './request-errors.js';
import {
  add,
  addUnique,
  emptyResources,
  kvpResources,
  normaliseAll,
  type Resources,
  setJobId,
  splitTypeNames,
  typesOfResourceIds,
} from './request-resources.js';
import type { OWSRequest, OWSRequestInput, OWSService } from './types.js';
import { childrenNamed, type XMLElement } from './xml.js';

/** How deep the XML tree is kept: root > StyledLayerDescriptor > NamedLayer > Name is the deepest read. */
export const XML_KEEP_DEPTH = 4;

/**
 * The trimmed text of a name element. One with a comment, processing instruction or element inside
 * is refused: lxml's text is only what comes before it (PyWPS reads `canary` where the whole text
 * is `canaryx`), so no reading of it is certain.
 */
function textOf(element: XMLElement): string {
  if (element.mixed) {
    throw new TwitcherError('malformed_body', {
      description: `The element ${element.name} holds a comment, processing instruction or element inside its text.`,
      locator: 'body',
    });
  }
  return element.text.trim();
}

function texts(root: XMLElement, name: string): string[] {
  const out: string[] = [];
  for (const child of childrenNamed(root, name)) addUnique(out, textOf(child));
  return out;
}

/** typeName / typeNames attributes of an element (WFS Query, Lock, Update, Delete; CSW Query). */
function typeNameAttrs(element: XMLElement): string[] {
  const out: string[] = [];
  for (const attr of ['typeName', 'typeNames']) {
    const value = element.attrs[attr];
    if (value !== undefined) for (const name of splitTypeNames(value)) addUnique(out, name);
  }
  return out;
}

/** The resources named in an XML request document (namespaces are not checked, local names are). */
function xmlResources(service: OWSService, operation: string, root: XMLElement, r: Resources): void {
  switch (service) {
    case 'wps':
      // WPS 1.0.0 and 2.0 DescribeProcess / Execute: ows:Identifier; WPS 2.0 GetStatus etc.: wps:JobID
      add(r, 'identifiers', 'identifier', normaliseAll(operation, texts(root, 'Identifier')));
      for (const id of texts(root, 'JobID')) setJobId(r, id, 'jobid');
      return;
    case 'wms':
      // SLD profile GetMap (OGC 05-078r4): StyledLayerDescriptor / NamedLayer|UserLayer / Name
      for (const sld of childrenNamed(root, 'StyledLayerDescriptor')) {
        for (const layer of sld.children) {
          if (layer.name === 'NamedLayer' || layer.name === 'UserLayer') {
            add(r, 'layers', 'layers', texts(layer, 'Name'));
          }
        }
      }
      return;
    case 'wmts':
      add(r, 'layers', 'layer', texts(root, 'Layer'));
      return;
    case 'wfs':
      // fes:ResourceId rid / ogc:FeatureId fid, however deep: `cities.C01` names the type cities
      add(r, 'layers', 'typenames', typesOfResourceIds(root.resourceIds ?? []));
      for (const child of root.children) {
        switch (child.name) {
          case 'Query': // GetFeature, GetFeatureWithLock, GetPropertyValue, LockFeature (2.0)
          case 'Lock': // LockFeature (1.x)
          case 'Update': // Transaction
          case 'Delete':
            add(r, 'layers', 'typenames', typeNameAttrs(child));
            break;
          case 'StoredQuery': // OGC 09-025r2: a stored query id is not a type name
            add(r, 'layers', 'typenames', typeNameAttrs(child));
            r.given.add('storedquery_id');
            break;
          case 'Insert': // Transaction: the inserted features' element names (OGC 09-025r2 Transaction)
          case 'Replace':
            add(
              r,
              'layers',
              'typenames',
              child.children.map((feature) => feature.name),
            );
            break;
          case 'TypeName': // DescribeFeatureType
            add(r, 'layers', 'typenames', splitTypeNames(textOf(child)));
            break;
        }
      }
      return;
    case 'wcs':
      add(r, 'layers', 'coverage', texts(root, 'sourceCoverage')); // WCS 1.0 GetCoverage
      add(r, 'layers', 'coverage', texts(root, 'Coverage')); // WCS 1.0 DescribeCoverage
      add(r, 'layers', 'identifier', texts(root, 'Identifier')); // WCS 1.1
      add(r, 'layers', 'coverageid', texts(root, 'CoverageId')); // WCS 2.0
      return;
    case 'csw':
      // GetRecordById's Id; elsewhere an Id narrows nothing a server honours (every record is judged)
      if (operation === 'GetRecordById') add(r, 'records', 'id', texts(root, 'Id'));
      for (const query of childrenNamed(root, 'Query')) add(r, 'layers', 'typenames', typeNameAttrs(query));
      return;
  }
}

/** Namespaces of request documents -> service (the version is read from the `version` attribute). */
const NAMESPACE_SERVICES: ReadonlyMap<string, OWSService> = new Map([
  ['http://www.opengis.net/wps/1.0.0', 'wps'],
  ['http://www.opengis.net/wps/2.0', 'wps'],
  ['http://www.opengis.net/wms', 'wms'],
  ['http://www.opengis.net/wfs', 'wfs'],
  ['http://www.opengis.net/wfs/2.0', 'wfs'],
  ['http://www.opengis.net/wcs', 'wcs'],
  ['http://www.opengis.net/wcs/1.1', 'wcs'],
  ['http://www.opengis.net/wcs/1.1.1', 'wcs'],
  ['http://www.opengis.net/wcs/2.0', 'wcs'],
  ['http://www.opengis.net/wmts/1.0', 'wmts'],
  ['http://www.opengis.net/cat/csw/2.0.2', 'csw'],
  ['http://www.opengis.net/cat/csw/3.0', 'csw'],
]);

/** OGC namespaces a request root may also be in, naming no service: OWS Common, SLD (GetMap). */
const OTHER_OGC_NAMESPACES: ReadonlySet<string> = new Set([
  'http://www.opengis.net/ows',
  'http://www.opengis.net/ows/1.1',
  'http://www.opengis.net/ows/2.0',
  'http://www.opengis.net/sld',
]);

export function fromXml(input: OWSRequestInput, root: XMLElement, query: Kvp): OWSRequest {
  const candidates = servicesWithOperation(root.name);
  const queryService = serviceValue(single(query, 'service'));
  const queryOperation = single(query, 'request');
  if (candidates.length === 0) {
    // Not an OWS request document: what the upstream makes of it is unknown (fail closed), and
    // beside OWS parameters it is a contradiction.
    if (!queryService && !queryOperation) {
      return unidentifiedRequest(input, `an XML document whose root ${quote(root.name)} is no OWS operation`);
    }
    throw invalid('request', `XML root element ${quote(root.name)} is not an OWS operation`);
  }
  // A root in a namespace that is no OGC request namespace is another document that happens to share
  // an operation's local name: what an upstream makes of it is unknown (fail closed). No namespace
  // at all is read by its local name, as MapServer (which strips namespaces) reads it.
  if (root.ns !== '' && !NAMESPACE_SERVICES.has(root.ns) && !OTHER_OGC_NAMESPACES.has(root.ns)) {
    return unidentifiedRequest(input, `an XML document whose root is in the namespace ${quote(root.ns)}`);
  }
  // OWS Common XML encoding: service and version are attributes of the request's root element.
  const attrService = serviceValue(root.attrs['service']);
  const nsService = NAMESPACE_SERVICES.get(root.ns);
  if (attrService && nsService && attrService !== nsService) {
    throw invalid(
      'service',
      `Attribute service ${quote(root.attrs['service'] ?? '')} contradicts the namespace`,
    );
  }
  const registered = isOWSService(input.serviceType) ? input.serviceType : undefined;
  const service =
    attrService ??
    nsService ??
    queryService ??
    (registered && candidates.includes(registered) ? registered : undefined) ??
    (candidates.length === 1 ? candidates[0] : undefined);
  if (service === undefined) throw missing('service', `Service of ${quote(root.name)} is not given`);
  if (queryService && queryService !== service) {
    throw invalid('service', 'Parameter service contradicts the XML body');
  }
  if (queryOperation && queryOperation.toLowerCase() !== root.name.toLowerCase()) {
    throw invalid('request', 'Parameter request contradicts the XML body');
  }
  const version = (root.attrs['version'] ?? '').trim();
  const queryVersion = kvpVersion(query);
  if (queryVersion !== '' && version !== '' && queryVersion !== version) {
    throw invalid('version', 'Parameter version contradicts the XML body');
  }
  const operation = canonicalOperation(service, root.name) ?? root.name;
  const resources = emptyResources();
  xmlResources(service, operation, root, resources);
  // Resources also named in the query string are added: the policy must allow all of them.
  kvpResources(service, operation, query, resources);
  return finish(input, {
    encoding: 'xml',
    service,
    operation,
    version: version || queryVersion,
    resources,
    exceptions: single(query, 'exceptions'),
  });
}
