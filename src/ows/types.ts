/** Plain values in and out of the OWS parser: no framework types (see docs/architecture.md). */

/** OGC service kinds Twitcher understands in requests (lower case, as in `service=`). */
export const OWS_SERVICES = ['wps', 'wms', 'wfs', 'wcs', 'wmts', 'csw'] as const;
export type OWSService = (typeof OWS_SERVICES)[number];

/** What the proxy hands to the parser. */
export interface OWSRequestInput {
  /** Upper-case HTTP method. */
  method: string;
  /** Raw query string without the leading `?` ('' when none). */
  query: string;
  /** The path after `/proxy/{name}`: '' or starting with '/'. Percent-decoding is not applied. */
  path: string;
  /** Request Content-Type header, as sent. */
  contentType?: string | undefined;
  /**
   * The request body as the upstream will read it (content coding removed), when the request carries
   * one; `'hidden'` when it may carry one that the caller cannot see (`/ows/verify`).
   */
  body?: Buffer | 'hidden' | undefined;
  /**
   * The registered service type (wps, wms, …, thredds, ogcapi, http): the OWS service assumed when a
   * KVP request names an operation but no `service=` (many WMS clients omit it).
   */
  serviceType: string;
}

export interface XMLLimits {
  /** Largest body read, in bytes. */
  maxBytes: number;
  /** Deepest element nesting accepted. */
  maxDepth: number;
}

/**
 * What a request asks for. `kind: 'other'` is anything that is not an OWS request (a THREDDS data
 * path, an OGC API resource, a stored WPS output, any file): it is governed by the service's auth as
 * a whole and carries only the method and path. `kind: 'unidentified'` is a request with a body
 * that is no OWS document Twitcher can read (or one `/ows/verify` cannot see): what the upstream will
 * do with it is unknown, so it is protected everywhere.
 */
export interface OWSRequest {
  kind: 'ows' | 'other' | 'unidentified';
  /** For `kind: 'unidentified'`: what the body was, for logs and the audit. */
  reason?: string | undefined;
  /** How the OWS request was encoded. */
  encoding: 'kvp' | 'xml' | 'form' | 'rest' | 'none';
  /** Lower-case service, e.g. 'wps'. */
  service?: OWSService | undefined;
  /** Canonical operation name as in the standard, e.g. 'GetCapabilities', 'Execute'. */
  operation?: string | undefined;
  /** False when the operation name is not in the tables (a vendor operation): never public. */
  knownOperation: boolean;
  /** The requested version ('' when absent, e.g. GetCapabilities). */
  version?: string | undefined;
  /** WPS process identifiers (DescribeProcess, Execute). */
  identifiers: string[];
  /** Named data resources: WMS/WMTS layers, WFS type names, WCS coverage ids. */
  layers: string[];
  /** CSW record ids (GetRecordById). */
  records: string[];
  /** WPS 2.0 job id (GetStatus, GetResult, Dismiss). */
  jobId?: string | undefined;
  /** WMS `EXCEPTIONS=` value as sent, to answer in the client's exception format. */
  exceptions?: string | undefined;
  /** Upper-case HTTP method and the extra path, always set. */
  method: string;
  path: string;
}
