/**
 * The resources a request names, per service: the KVP parameters read for each service (every one,
 * whatever the operation), the lists they hold, and the parameters a known operation requires.
 */
import { TwitcherError } from '../errors.js';
import { type Kvp, single } from './kvp.js';
import type { OWSService } from './types.js';

const COMMA = ',';
/** WFS 2.0 typeNames: comma lists, parenthesised join groups `(a,b)(c)`, schema-element() (OGC 09-025r2 §7.9.2.4.1). */
const TYPE_NAME_SEPARATORS = /[\s,()]+/;
const SCHEMA_ELEMENT = 'schema-element';

function splitList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(COMMA)) addUnique(out, part.trim());
  return out;
}

export function splitTypeNames(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(TYPE_NAME_SEPARATORS)) {
    if (part !== SCHEMA_ELEMENT) addUnique(out, part);
  }
  return out;
}

export function addUnique(target: string[], value: string): void {
  if (value !== '' && !target.includes(value)) target.push(value);
}

export interface Resources {
  identifiers: string[];
  layers: string[];
  records: string[];
  jobId: string | undefined;
  /** Parameter names (KVP names, lower case) that were given with a value, in KVP or XML. */
  given: Set<string>;
}

export function emptyResources(): Resources {
  return { identifiers: [], layers: [], records: [], jobId: undefined, given: new Set() };
}

export function add(
  r: Resources,
  field: 'identifiers' | 'layers' | 'records',
  param: string,
  values: string[],
): void {
  if (values.length === 0) return;
  r.given.add(param);
  for (const value of values) addUnique(r[field], value);
}

export function setJobId(r: Resources, value: string, param: string): void {
  if (value === '') return;
  if (r.jobId !== undefined && r.jobId !== value) {
    throw new TwitcherError('invalid_parameter', { description: 'More than one job id', locator: param });
  }
  r.jobId = value;
  r.given.add(param);
}

/** WPS 1.0.0 (OGC 05-007r7) / WPS 2.0 (OGC 14-065): DescribeProcess `identifier=ALL` names every process. */
export function normaliseAll(operation: string, identifiers: string[]): string[] {
  if (operation !== 'DescribeProcess') return identifiers;
  return identifiers.map((id) => (id.toLowerCase() === 'all' ? 'ALL' : id));
}

/**
 * The feature types that resource ids (`type.fid`) name: the part before the first dot and the part
 * before the last (a type name with a dot in it, read either way), both to be allowed.
 */
export function typesOfResourceIds(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const first = id.indexOf('.');
    if (first <= 0) continue;
    addUnique(out, id.slice(0, first));
    addUnique(out, id.slice(0, id.lastIndexOf('.')));
  }
  return out;
}

/** The resources named by KVP parameters. Every parameter of the service is read, for any operation. */
export function kvpResources(service: OWSService, operation: string, kvp: Kvp, r: Resources): void {
  const list = (key: string): string[] => splitList(single(kvp, key) ?? '');
  const types = (key: string): string[] => splitTypeNames(single(kvp, key) ?? '');
  const flag = (key: string): void => {
    if ((single(kvp, key) ?? '') !== '') r.given.add(key);
  };
  switch (service) {
    case 'wps':
      add(r, 'identifiers', 'identifier', normaliseAll(operation, list('identifier')));
      setJobId(r, single(kvp, 'jobid') ?? '', 'jobid');
      return;
    case 'wms':
      // OGC 06-042 GetMap LAYERS, GetFeatureInfo QUERY_LAYERS; SLD GetLegendGraphic LAYER; ncWMS layerName
      for (const key of ['layers', 'query_layers', 'layer', 'layername']) add(r, 'layers', key, list(key));
      return;
    case 'wmts':
      add(r, 'layers', 'layer', list('layer')); // OGC 07-057r7 GetTile / GetFeatureInfo LAYER
      return;
    case 'wfs':
      // WFS 1.x TYPENAME, WFS 2.0 TYPENAMES (OGC 09-025r2 §7.9.2.4.1); stored queries name no type.
      add(r, 'layers', 'typename', types('typename'));
      add(r, 'layers', 'typenames', types('typenames'));
      for (const key of ['storedquery_id', 'resourceid', 'featureid']) flag(key);
      // A resource id `cities.C01` names its type (MapServer, GeoServer): with TYPENAMES=regions
      // MapServer serves the city all the same
      for (const key of ['resourceid', 'featureid']) add(r, 'layers', key, typesOfResourceIds(list(key)));
      return;
    case 'wcs':
      // WCS 1.0 COVERAGE, 1.1 IDENTIFIER (DescribeCoverage IDENTIFIERS), 2.0 COVERAGEID
      for (const key of ['coverage', 'identifier', 'identifiers', 'coverageid'])
        add(r, 'layers', key, list(key));
      return;
    case 'csw':
      // OGC 07-006r1 GetRecordById ID (and CSW 3.0's recordIds, read too). On GetRecords an `id`
      // narrows nothing a server honours: it returns every record, and every record is judged.
      if (operation === 'GetRecordById') {
        add(r, 'records', 'id', list('id'));
        add(r, 'records', 'recordids', list('recordids'));
      }
      add(r, 'layers', 'typenames', types('typenames'));
      add(r, 'layers', 'typename', types('typename'));
      return;
  }
}

/** The parameters one of which a known operation requires, and the locator when all are missing. */
export function requiredResource(
  service: OWSService,
  operation: string,
  version: string,
): { any: readonly string[]; locator: string } | undefined {
  switch (`${service}:${operation}`) {
    case 'wps:DescribeProcess':
    case 'wps:Execute':
      return { any: ['identifier'], locator: 'identifier' };
    case 'wps:GetStatus':
    case 'wps:GetResult':
    case 'wps:Dismiss':
      return { any: ['jobid'], locator: 'jobid' };
    case 'wms:GetMap':
      return { any: ['layers'], locator: 'layers' };
    case 'wms:GetFeatureInfo':
      return { any: ['query_layers'], locator: 'query_layers' };
    case 'wmts:GetTile':
      return { any: ['layer'], locator: 'layer' };
    case 'wfs:GetFeature':
    case 'wfs:GetFeatureWithLock':
      // OGC 09-025r2 §7.9.2.4.1: TYPENAMES unless STOREDQUERY_ID or RESOURCEID; WFS 1.1 FEATUREID
      return {
        any: ['typename', 'typenames', 'storedquery_id', 'resourceid', 'featureid'],
        locator: version.startsWith('2.') ? 'typenames' : 'typename',
      };
    case 'wcs:GetCoverage': {
      const key = version.startsWith('1.0')
        ? 'coverage'
        : version.startsWith('1.1')
          ? 'identifier'
          : 'coverageid';
      return { any: [key], locator: key };
    }
    case 'csw:GetRecordById':
      return { any: ['id'], locator: 'id' };
    default:
      return undefined;
  }
}
