/**
 * What a principal may see in a capabilities document: a process, layer, feature type, coverage or
 * tiles layer is listed when the principal holds any of the permissions that use it (one may see
 * what one may use). Pure; answers are memoised per name for one document.
 */
import type { ACLIndex } from './acl-index.js';
import { isVisible } from './check-access.js';
import type { Principal, ResourceKind } from './model.js';

/** Per OWS service: the kind of its listed resources, and the permissions that use one. */
export const LISTED: Readonly<Record<string, { kind: ResourceKind; permissions: readonly string[] }>> = {
  wps: { kind: 'process', permissions: ['describeprocess', 'execute'] },
  wms: {
    kind: 'layer',
    permissions: [
      'getmap',
      'getfeatureinfo',
      'getlegendgraphic',
      'describelayer',
      'getstyles',
      'getmetadata',
    ],
  },
  wmts: { kind: 'layer', permissions: ['gettile', 'getfeatureinfo'] },
  wfs: {
    kind: 'featuretype',
    permissions: [
      'getfeature',
      'describefeaturetype',
      'getpropertyvalue',
      'getfeaturewithlock',
      'lockfeature',
      'transaction',
      'getgmlobject',
    ],
  },
  wcs: { kind: 'coverage', permissions: ['describecoverage', 'getcoverage'] },
};

/** A synchronous "may this name be listed?" for one service, principal and OWS service. */
export function visibilityOf(
  index: ACLIndex,
  principal: Principal,
  owsService: string,
): (name: string) => boolean {
  const listed = LISTED[owsService];
  if (principal.admin) return () => true;
  if (!listed) return () => false;
  const memo = new Map<string, boolean>();
  return (name) => {
    let v = memo.get(name);
    if (v === undefined) {
      v = isVisible(index, principal, listed.kind, name, listed.permissions);
      memo.set(name, v);
    }
    return v;
  };
}
