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
      remember(memo, name, v);
    }
    return v;
  };
}

/**
 * The answers already given, per ACL index, principal and OWS service, least recently used first.
 * An index and a principal are immutable and replaced on any change (acl-cache.ts, principals.ts),
 * so an answer holds as long as they live: a user fetching the same capabilities again (5,000
 * layers) asks no question twice. Keyed by ids of the objects, so that nothing is pinned; at most
 * `MAX_REMEMBERED` names in all (what an upstream or many users can make the proxy keep).
 */
const remembered = new Map<string, Map<string, boolean>>();
export const MAX_REMEMBERED = 200_000;
/** Index, principal and OWS service triples remembered at most. */
export const MAX_MEMOS = 1_000;
/** Names in `remembered` (counted high when an evicted memo is still in use; recounted on eviction). */
let rememberedNames = 0;

const ids = new WeakMap<object, number>();
let lastId = 0;
function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = ++lastId;
    ids.set(o, id);
  }
  return id;
}

function answersOf(index: ACLIndex, principal: Principal, owsService: string): Map<string, boolean> {
  const key = `${idOf(index)} ${idOf(principal)} ${owsService}`;
  let memo = remembered.get(key);
  if (memo) remembered.delete(key);
  else {
    memo = new Map();
    // Memos of indexes and principals long gone go too, even small ones.
    const oldest = remembered.size >= MAX_MEMOS ? remembered.keys().next().value : undefined;
    if (oldest !== undefined) remembered.delete(oldest);
  }
  remembered.set(key, memo);
  return memo;
}

function remember(memo: Map<string, boolean>, name: string, visible: boolean): void {
  if (memo.size >= MAX_REMEMBERED) memo.clear();
  memo.set(name, visible);
  if (++rememberedNames <= MAX_REMEMBERED) return;
  // Too many: forget the least recently used answers, the ones in use last.
  let count = 0;
  for (const m of remembered.values()) count += m.size;
  for (const [key, m] of remembered) {
    if (count <= MAX_REMEMBERED) break;
    if (m === memo) continue;
    remembered.delete(key);
    count -= m.size;
  }
  rememberedNames = count;
}

/** How many answers, and for how many triples, are remembered in all (tests). */
export function rememberedAnswers(): { names: number; memos: number } {
  let names = 0;
  for (const m of remembered.values()) names += m.size;
  return { names, memos: remembered.size };
}
