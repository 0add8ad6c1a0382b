/**
 * Magpie's service types (`magpie/services.py`) and what each becomes in Twitcher: the service type,
 * and for each of Magpie's resource types the Twitcher resource kind, or null when Twitcher has no
 * such resource (a GeoServer workspace, an ncWMS directory: permissions on it cannot be carried).
 */
import type { ResourceKind } from '../../authz/model.js';
import type { ServiceType } from '../../registry/service.js';

export interface MagpieServiceType {
  /** Magpie's name: `wps`, `geoserverwms`… */
  name: string;
  type: ServiceType;
  /** Magpie resource type → Twitcher kind (null: not carried). */
  kinds: Readonly<Record<string, ResourceKind | null>>;
  /** The Magpie resource types allowed directly under each ('' is the service). */
  children: Readonly<Record<string, readonly string[]>>;
  /** Why its resources cannot be carried, when they cannot. */
  resourcesDropped?: string;
}

const FS_TREE = { '': ['directory', 'file'], directory: ['directory', 'file'], file: [] };
const WORKSPACES = (leaf: string) => ({ '': ['workspace'], workspace: [leaf], [leaf]: [] });
const GEOSERVER_WORKSPACES =
  'Twitcher has no GeoServer workspaces (its WMS layers, WFS feature types and WPS processes are named alone)';

const TYPES: readonly MagpieServiceType[] = [
  { name: 'wps', type: 'wps', kinds: { process: 'process' }, children: { '': ['process'], process: [] } },
  { name: 'wfs', type: 'wfs', kinds: { layer: 'featuretype' }, children: { '': ['layer'], layer: [] } },
  { name: 'thredds', type: 'thredds', kinds: { directory: 'path', file: 'path' }, children: FS_TREE },
  { name: 'api', type: 'http', kinds: { route: 'path' }, children: { '': ['route'], route: ['route'] } },
  { name: 'access', type: 'http', kinds: {}, children: { '': [] } },
  {
    name: 'ncwms',
    type: 'wms',
    kinds: { directory: null, file: null },
    children: FS_TREE,
    resourcesDropped:
      'Twitcher names WMS layers as the request gives them, not ncWMS dataset directories and files',
  },
  {
    name: 'geoserverwms',
    type: 'wms',
    kinds: { workspace: null, layer: null },
    children: WORKSPACES('layer'),
    resourcesDropped: GEOSERVER_WORKSPACES,
  },
  {
    name: 'geoserverwfs',
    type: 'wfs',
    kinds: { workspace: null, layer: null },
    children: WORKSPACES('layer'),
    resourcesDropped: GEOSERVER_WORKSPACES,
  },
  {
    name: 'geoserverwps',
    type: 'wps',
    kinds: { workspace: null, process: null },
    children: WORKSPACES('process'),
    resourcesDropped: GEOSERVER_WORKSPACES,
  },
];

/** The OWS parts of Magpie's `geoserver` type, in its `configuration` (`{wfs, wms, wps, api}`). */
export const GEOSERVER_PARTS = ['wfs', 'wms', 'wps'] as const;

/** Magpie's type `name` (`geoserver` aside: see `GEOSERVER_PARTS`), or undefined when unknown. */
export function magpieServiceType(name: string): MagpieServiceType | undefined {
  return TYPES.find((t) => t.name === name);
}

/** The types a provider's `type` may name. */
export const MAGPIE_TYPE_NAMES: readonly string[] = [...TYPES.map((t) => t.name), 'geoserver'];
