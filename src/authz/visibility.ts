/**
 * What a principal may see in a capabilities document: a process, layer, feature type, coverage or
 * tiles layer is listed when the principal holds any of the permissions that use it (one may see
 * what one may use). Pure; answers are memoised per name for as long as the index and principal live.
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
  const memo = answersOf(index, principal, owsService);
  return (name) => {
    let v = memo.get(name);
    if (v === undefined) {
      v = isVisible(index, principal, listed.kind, name, listed.permissions);
      if (memo.size >= MAX_ANSWERS) memo.clear();
      memo.set(name, v);
    }
    return v;
  };
}

/**
 * The answers already given for an index and a principal, per OWS service. Both are immutable and
 * replaced on any change (acl-cache.ts, principals.ts), so an answer holds as long as they live: a
 * user fetching the same capabilities again (5,000 layers) asks no question twice.
 */
const answers = new WeakMap<ACLIndex, WeakMap<Principal, Map<string, Map<string, boolean>>>>();
/** Names remembered per index, principal and OWS service (a bound on what an upstream can make us keep). */
const MAX_ANSWERS = 50_000;

function answersOf(index: ACLIndex, principal: Principal, owsService: string): Map<string, boolean> {
  let byPrincipal = answers.get(index);
  if (!byPrincipal) {
    byPrincipal = new WeakMap();
    answers.set(index, byPrincipal);
  }
  let byService = byPrincipal.get(principal);
  if (!byService) {
    byService = new Map();
    byPrincipal.set(principal, byService);
  }
  let memo = byService.get(owsService);
  if (!memo) {
    memo = new Map();
    byService.set(owsService, memo);
  }
  return memo;
}
