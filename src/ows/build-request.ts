/**
 * Building the OWSRequest from what one encoding parsed: the version and required-resource checks of
 * a known operation, and the `kind: 'other'` and `kind: 'unidentified'` requests.
 */
import {
  canonicalOperation,
  isSupportedVersion,
  isVersionOptional,
  operationInVersion,
} from './operations.js';
import { invalid, missing, quote } from './request-errors.js';
import { type Resources, requiredResource } from './request-resources.js';
import type { OWSRequest, OWSRequestInput, OWSService } from './types.js';

export interface Parsed {
  encoding: OWSRequest['encoding'];
  service: OWSService;
  /** The operation name as sent. */
  operation: string;
  version: string;
  resources: Resources;
  exceptions: string | undefined;
}

/** Validates version and required resources of a known operation and builds the OWSRequest. */
export function finish(input: OWSRequestInput, p: Parsed): OWSRequest {
  const { service, version, resources: r } = p;
  const canonical = canonicalOperation(service, p.operation);
  let known = false;
  if (canonical !== undefined) {
    if (version === '') {
      if (!isVersionOptional(service, canonical)) {
        throw missing('version', `Parameter version is required for ${canonical}`);
      }
    } else if (!isVersionOptional(service, canonical) && !isSupportedVersion(service, version, canonical)) {
      throw invalid('version', `Version ${quote(version)} is not supported for ${service.toUpperCase()}`);
    }
    // A version outside the tables here is either negotiated (GetCapabilities, OWS Common version negotiation) or
    // an accepted extra version (SLD GetLegendGraphic): the operation is still the known one.
    known = !isSupportedVersion(service, version) || operationInVersion(service, version, canonical);
    const required = requiredResource(service, canonical, version);
    if (required && !required.any.some((param) => r.given.has(param))) {
      throw missing(required.locator, `Parameter ${required.locator} is required for ${canonical}`);
    }
  }
  return {
    kind: 'ows',
    encoding: p.encoding,
    service,
    operation: canonical ?? p.operation,
    knownOperation: known,
    version,
    identifiers: r.identifiers,
    layers: r.layers,
    records: r.records,
    jobId: r.jobId,
    exceptions: p.exceptions,
    method: input.method.toUpperCase(),
    path: input.path,
  };
}

export function otherRequest(input: OWSRequestInput): OWSRequest {
  return {
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
    method: input.method.toUpperCase(),
    path: input.path,
  };
}

/** A request whose body is no OWS document Twitcher knows: the policy protects it (fail closed). */
export function unidentifiedRequest(input: OWSRequestInput, reason: string): OWSRequest {
  return { ...otherRequest(input), kind: 'unidentified', reason };
}

/**
 * True when an OWS request is addressed to the service's own endpoint: no extra path (or `/`), or a
 * WMTS RESTful request, whose path is the request. An operation named in the query of a longer path
 * says nothing of what the upstream serves there: MapServer routes `/ogcapi/...` by its path,
 * THREDDS `/fileServer/...`, any file server ignores the query.
 */
export function isAtEndpoint(request: OWSRequest): boolean {
  return request.encoding === 'rest' || request.path === '' || request.path === '/';
}
