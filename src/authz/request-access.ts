/**
 * What a proxied request needs, per service type: one permission name and the resources it must
 * hold on (all of them). Pure: the parsed request in, plain values out.
 *
 * - OWS requests (wps, wms, wfs, wcs, wmts, csw): the permission is the operation's name in lower
 *   case — whatever the encoding (GET KVP, form or XML POST parse to the same request) — and the
 *   resources are the ones it names: WPS process identifiers; WMS/WMTS layers; WFS type names; WCS
 *   coverages; CSW record ids. A resource-level operation naming none (WFS GetFeature by stored
 *   query or resource id, DescribeFeatureType of every type, DescribeProcess `ALL`) needs the
 *   permission on every registered resource of that kind and on the service for the others.
 *   GetCapabilities, the WPS 2.0 job operations and the other service-wide operations are checked
 *   on the service itself.
 * - THREDDS: metadata paths (catalog, ncml, uddc, iso) need `browse`, data paths (fileServer,
 *   dodsC, dap4, ncss, wcs, wms) `read`, on the directory or file they name; any other first
 *   segment is refused (Magpie: no match → deny).
 * - Any other request (OGC API, http, stored outputs beside an OWS): `read` for GET, HEAD and
 *   OPTIONS, `write` for the other methods, on the path.
 *
 * Paths are compared segment by segment after percent-decoding, never as string prefixes, so
 * `/data-secret` is not under `/data` and `/d%61ta` is `/data`. The segments are those of
 * `normalizePath` (src/proxy/normalize-path.ts): a path an upstream would resolve otherwise (`..;`,
 * `%2e%2e`, `%2F`, `//`, `%25`...) is refused, never judged.
 */
import { isAtEndpoint } from '../ows/build-request.js';
import { isOWSService } from '../ows/operations.js';
import type { OWSRequest } from '../ows/types.js';
import { judgePath } from '../proxy/normalize-path.js';
import type { ServiceType } from '../registry/service.js';
import type { ResourceKind } from './model.js';

export type AccessTarget =
  /** The service itself (`match` permissions on the service count). */
  | { kind: 'service' }
  /** A resource named in the request, located by name. */
  | { kind: 'named'; resourceKind: ResourceKind; name: string }
  /** Every registered resource of a kind, and the service for those not registered. */
  | { kind: 'all'; resourceKind: ResourceKind }
  /** A path resource, located segment by segment. */
  | { kind: 'path'; segments: string[] };

export type AccessNeed =
  | {
      refused?: undefined;
      permission: string;
      /** Each must be allowed. */
      targets: AccessTarget[];
      /** For messages: "Execute of hello", "GET /fileServer/a.nc". */
      what: string;
    }
  /** The request can never be allowed (e.g. a THREDDS path of no known kind), admins aside. */
  | { refused: true; permission: string; targets: []; what: string; reason: string };

/** Which kind of resource the names of an OWS request are, per OWS service. */
const NAMED_KIND: Readonly<
  Record<string, { kind: ResourceKind; field: 'identifiers' | 'layers' | 'records' }>
> = {
  wps: { kind: 'process', field: 'identifiers' },
  wms: { kind: 'layer', field: 'layers' },
  wmts: { kind: 'layer', field: 'layers' },
  wfs: { kind: 'featuretype', field: 'layers' },
  wcs: { kind: 'coverage', field: 'layers' },
  csw: { kind: 'record', field: 'records' },
};

/** Operations about the whole service, never about one resource. */
const SERVICE_LEVEL: ReadonlySet<string> = new Set([
  'getcapabilities',
  // WPS 2.0 jobs name no process (Twitcher keeps no job table): granted on the service
  'wps:getstatus',
  'wps:getresult',
  'wps:dismiss',
  'wfs:liststoredqueries',
  'wfs:describestoredqueries',
  'wfs:createstoredquery',
  'wfs:dropstoredquery',
  'csw:describerecord',
  'csw:getdomain',
  'csw:harvest',
  'csw:unharvest',
  'csw:transaction',
]);

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export const THREDDS_METADATA: ReadonlySet<string> = new Set(['catalog', 'ncml', 'uddc', 'iso']);
export const THREDDS_DATA: ReadonlySet<string> = new Set([
  'fileserver',
  'dodsc',
  'dap4',
  'ncss',
  'wcs',
  'wms',
]);
/** THREDDS catalog documents at the end of a metadata path: they describe their directory. */
const CATALOG_FILE = /^catalog\.[a-z0-9]+$/i;
/** OPeNDAP response suffixes (DAP2 and DAP4): `x.nc.dds` is a view of the file `x.nc`. */
const DAP_SUFFIX = /\.(?:dds|das|dods|ascii|asc|html|htm|info|ver|dmr\.xml|dmr\.html|dmr|dap\.csv|dap)$/i;

/** The permission and resources a request needs on a service of type `serviceType`. */
export function requiredAccess(serviceType: ServiceType, request: OWSRequest): AccessNeed {
  if (request.kind === 'unidentified') {
    // What the upstream will do with a body Twitcher cannot read is unknown: no permission covers it.
    return {
      refused: true,
      permission: 'unidentified',
      targets: [],
      what: `A ${request.method} whose body is no OWS request Twitcher can read`,
      reason: request.reason ?? 'an unidentified operation',
    };
  }
  if (serviceType === 'thredds') return threddsAccess(request);
  // on an http or ogcapi service a query naming an OWS operation changes nothing: the path decides
  if (!isOWSService(serviceType)) return pathAccess(request);
  if (request.kind === 'ows' && request.service !== undefined && request.operation !== undefined) {
    if (!isAtEndpoint(request)) {
      // the upstream may route by the path (MapServer's OGC API under /ows/…): what it serves there
      // is not what the operation names
      return {
        refused: true,
        permission: request.operation.toLowerCase(),
        targets: [],
        what: `${request.operation} on the path ${request.path}`,
        reason: 'an OWS request on a path other than the service endpoint',
      };
    }
    return owsAccess(request);
  }
  return pathAccess(request);
}

function owsAccess(request: OWSRequest): AccessNeed {
  const service = request.service as string;
  const operation = request.operation as string;
  const permission = operation.toLowerCase();
  const named = NAMED_KIND[service];
  const what = `${operation}`;
  if (!named || SERVICE_LEVEL.has(permission) || SERVICE_LEVEL.has(`${service}:${permission}`)) {
    return { permission, targets: [{ kind: 'service' }], what };
  }
  const names = request[named.field];
  // WPS DescribeProcess identifier=ALL (OGC 05-007r7 §9.2.2): every process.
  const everything = names.length === 0 || names.includes('ALL');
  if (everything) {
    return {
      permission,
      targets: [{ kind: 'all', resourceKind: named.kind }],
      what: `${what} of every ${named.kind}`,
    };
  }
  return {
    permission,
    targets: names.map((name) => ({ kind: 'named', resourceKind: named.kind, name })),
    what: `${what} of ${names.join(', ')}`,
  };
}

function pathAccess(request: OWSRequest): AccessNeed {
  const permission = READ_METHODS.has(request.method) ? 'read' : 'write';
  const what = `${request.method} ${request.path || '/'}`;
  const judged = judgePath(request.path);
  if ('refused' in judged) return { refused: true, permission, targets: [], what, reason: judged.refused };
  return { permission, targets: [target(judged.segments)], what };
}

function threddsAccess(request: OWSRequest): AccessNeed {
  const what = `${request.method} ${request.path || '/'}`;
  const judged = judgePath(request.path);
  if ('refused' in judged) {
    return { refused: true, permission: 'read', targets: [], what, reason: judged.refused };
  }
  const all = judged.segments;
  if (!READ_METHODS.has(request.method)) {
    // THREDDS takes no writes through a proxy: a write needs `write` on the service.
    return { permission: 'write', targets: [{ kind: 'service' }], what };
  }
  // A service registered at the server root sees THREDDS's own context path first.
  const segments = all[0]?.toLowerCase() === 'thredds' ? all.slice(1) : all;
  const first = segments[0];
  if (first === undefined || CATALOG_FILE.test(first)) {
    return { permission: 'browse', targets: [{ kind: 'service' }], what };
  }
  const prefix = first.toLowerCase();
  if (THREDDS_METADATA.has(prefix)) {
    let rest = segments.slice(1);
    if (prefix === 'catalog' && rest.length > 0 && CATALOG_FILE.test(rest[rest.length - 1] as string)) {
      rest = rest.slice(0, -1);
    }
    return { permission: 'browse', targets: [target(rest)], what };
  }
  if (THREDDS_DATA.has(prefix)) {
    let rest = segments.slice(1);
    // NetCDF Subset Service: ncss/grid/…, ncss/point/… (the feature type is not a directory)
    if (prefix === 'ncss' && ['grid', 'point', 'station'].includes(rest[0]?.toLowerCase() ?? '')) {
      rest = rest.slice(1);
    }
    if ((prefix === 'dodsc' || prefix === 'dap4') && rest.length > 0) {
      const last = rest[rest.length - 1] as string;
      rest = [...rest.slice(0, -1), last.replace(DAP_SUFFIX, '')];
    }
    return { permission: 'read', targets: [target(rest)], what };
  }
  return {
    refused: true,
    permission: 'read',
    targets: [],
    what,
    reason: `"${first}" is neither a THREDDS metadata nor a data service`,
  };
}

function target(segments: string[]): AccessTarget {
  return segments.length === 0 ? { kind: 'service' } : { kind: 'path', segments };
}
