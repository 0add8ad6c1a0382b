/**
 * Operation and version tables of the OGC services Twitcher parses.
 *
 * Names are in the canonical case of each standard; lookups are case-insensitive because clients
 * (and the Python Twitcher, which lower-cased everything) send any case.
 *
 * Sources: WPS 1.0.0 (OGC 05-007r7), WPS 2.0 (OGC 14-065), WMS 1.1.1 (OGC 01-068r3) and
 * 1.3.0 (OGC 06-042) with the SLD profile operations (OGC 05-078r4: DescribeLayer,
 * GetLegendGraphic, GetStyles) and known vendor operations (ncWMS GetMetadata, MapServer
 * GetSchemaExtension), WFS 1.0.0 (OGC 02-058), 1.1.0 (OGC 04-094) and 2.0 (OGC 09-025r2),
 * WCS 1.0.0 (OGC 03-065r6), 1.1 (OGC 07-067r5) and 2.0 (OGC 09-110r4), WMTS 1.0.0 (OGC 07-057r7),
 * CSW 2.0.2 (OGC 07-006r1) and 3.0 (OGC 12-176r7).
 */
import { OWS_SERVICES, type OWSService } from './types.js';

const WPS_1 = ['GetCapabilities', 'DescribeProcess', 'Execute'] as const;
const WPS_2 = [...WPS_1, 'GetStatus', 'GetResult', 'Dismiss'] as const;
const WMS = [
  'GetCapabilities',
  'GetMap',
  'GetFeatureInfo',
  'DescribeLayer',
  'GetLegendGraphic',
  // vendor operations known to be served by common upstreams (never public by default)
  'GetMetadata',
  'GetStyles',
  'GetSchemaExtension',
] as const;
const WFS_1_0 = [
  'GetCapabilities',
  'DescribeFeatureType',
  'GetFeature',
  'GetFeatureWithLock',
  'LockFeature',
  'Transaction',
] as const;
// OGC 04-094 adds GetGmlObject.
const WFS_1_1 = [...WFS_1_0, 'GetGmlObject'] as const;
// OGC 09-025r2: GetGmlObject is gone, GetPropertyValue and the stored-query operations arrive.
const WFS_2 = [
  ...WFS_1_0,
  'GetPropertyValue',
  'ListStoredQueries',
  'DescribeStoredQueries',
  'CreateStoredQuery',
  'DropStoredQuery',
] as const;
const WCS = ['GetCapabilities', 'DescribeCoverage', 'GetCoverage'] as const;
const WMTS = ['GetCapabilities', 'GetTile', 'GetFeatureInfo'] as const;
const CSW_2 = [
  'GetCapabilities',
  'DescribeRecord',
  'GetDomain',
  'GetRecords',
  'GetRecordById',
  'Harvest',
  'Transaction',
] as const;
// OGC 12-176r7 adds UnHarvest (DescribeRecord is kept: servers such as pycsw still answer it).
const CSW_3 = [...CSW_2, 'UnHarvest'] as const;

/** Operations per service and version, in canonical case. */
export const OPERATIONS: Readonly<Record<OWSService, Readonly<Record<string, readonly string[]>>>> = {
  wps: { '1.0.0': WPS_1, '2.0.0': WPS_2 },
  // WMS 1.1.0 shares the 1.1.1 operation names. WMS 1.0 clients send WMTVER and the 1.0 names
  // (map, capabilities, feature_info), which are not in the table and pass as vendor operations.
  wms: { '1.1.0': WMS, '1.1.1': WMS, '1.3.0': WMS },
  wfs: { '1.0.0': WFS_1_0, '1.1.0': WFS_1_1, '2.0.0': WFS_2, '2.0.2': WFS_2 },
  wcs: { '1.0.0': WCS, '1.1.0': WCS, '1.1.1': WCS, '1.1.2': WCS, '2.0.0': WCS, '2.0.1': WCS },
  wmts: { '1.0.0': WMTS },
  csw: { '2.0.2': CSW_2, '3.0.0': CSW_3 },
};

/** Supported versions per service, oldest first. */
export const SUPPORTED_VERSIONS: Readonly<Record<OWSService, readonly string[]>> = {
  wps: Object.keys(OPERATIONS.wps),
  wms: Object.keys(OPERATIONS.wms),
  wfs: Object.keys(OPERATIONS.wfs),
  wcs: Object.keys(OPERATIONS.wcs),
  wmts: Object.keys(OPERATIONS.wmts),
  csw: Object.keys(OPERATIONS.csw),
};

/** Operations that need no credential by default: GetCapabilities and the describe operations. */
export const DEFAULT_PUBLIC_OPERATIONS: Readonly<Record<OWSService, readonly string[]>> = {
  wps: ['GetCapabilities', 'DescribeProcess'],
  wms: ['GetCapabilities', 'DescribeLayer'],
  wfs: ['GetCapabilities', 'DescribeFeatureType', 'ListStoredQueries', 'DescribeStoredQueries'],
  wcs: ['GetCapabilities', 'DescribeCoverage'],
  wmts: ['GetCapabilities'],
  csw: ['GetCapabilities', 'DescribeRecord'],
};

/**
 * SLD profile GetLegendGraphic is also sent with the SLD specification version (OGC 05-078r4:
 * VERSION=1.1.0; GeoServer's documented form uses VERSION=1.0.0): accepted besides the WMS versions.
 */
const EXTRA_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  'wms:GetLegendGraphic': ['1.0.0', '1.1.0'],
};

/**
 * Operations whose requests may omit `version`: GetCapabilities everywhere (OWS Common version
 * negotiation through AcceptVersions), and ncWMS GetMetadata, which godiva clients send without one.
 */
const VERSION_OPTIONAL: ReadonlySet<string> = new Set(['GetCapabilities', 'wms:GetMetadata']);

/** lower-case name -> canonical name, per service (union over versions). */
const CANONICAL: ReadonlyMap<OWSService, ReadonlyMap<string, string>> = new Map(
  OWS_SERVICES.map((service) => {
    const names = new Map<string, string>();
    for (const ops of Object.values(OPERATIONS[service])) {
      for (const op of ops) names.set(op.toLowerCase(), op);
    }
    return [service, names] as const;
  }),
);

/** lower-case operation name -> services that define it. */
const SERVICES_BY_OPERATION: ReadonlyMap<string, readonly OWSService[]> = (() => {
  const map = new Map<string, OWSService[]>();
  for (const service of OWS_SERVICES) {
    for (const lower of CANONICAL.get(service)?.keys() ?? []) {
      const list = map.get(lower);
      if (list) list.push(service);
      else map.set(lower, [service]);
    }
  }
  return map;
})();

const SERVICE_SET: ReadonlySet<string> = new Set(OWS_SERVICES);

/** True for the lower-case names of the OWS service kinds. */
export function isOWSService(value: string): value is OWSService {
  return SERVICE_SET.has(value);
}

/** The canonical name of an operation of `service` (case-insensitive), or undefined when unknown. */
export function canonicalOperation(service: OWSService, name: string): string | undefined {
  return CANONICAL.get(service)?.get(name.toLowerCase());
}

/** The services that define an operation of this name (case-insensitive), in OWS_SERVICES order. */
export function servicesWithOperation(name: string): readonly OWSService[] {
  return SERVICES_BY_OPERATION.get(name.toLowerCase()) ?? [];
}

/** True when `operation` (canonical) is part of `service` at `version`. */
export function operationInVersion(service: OWSService, version: string, operation: string): boolean {
  return OPERATIONS[service][version]?.includes(operation) ?? false;
}

/** True when `version` is accepted for the canonical `operation` of `service`. */
export function isSupportedVersion(service: OWSService, version: string, operation?: string): boolean {
  if (SUPPORTED_VERSIONS[service].includes(version)) return true;
  if (operation === undefined) return false;
  return EXTRA_VERSIONS[`${service}:${operation}`]?.includes(version) ?? false;
}

/** True when requests for the canonical `operation` of `service` may omit `version`. */
export function isVersionOptional(service: OWSService, operation: string): boolean {
  return VERSION_OPTIONAL.has(operation) || VERSION_OPTIONAL.has(`${service}:${operation}`);
}

/** True when the canonical `operation` of `service` is public by default. */
export function isDefaultPublic(service: OWSService, operation: string): boolean {
  return DEFAULT_PUBLIC_OPERATIONS[service].includes(operation);
}
