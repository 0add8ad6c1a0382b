/**
 * What a principal may see in a capabilities document: a process, layer, feature type, coverage or
 * tiles layer is listed when the principal holds any of the permissions that use it (one may see
 * what one may use). Pure; answers are memoised per name (a bounded LRU) while the index and principal live.
 */
import { lru } from '../util/lru.js';
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
  const prefix = prefixOf(index, principal, owsService);
  return (name) => {
    const key = prefix + name;
    let v = answers.get(key);
    if (v === undefined) {
      v = isVisible(index, principal, listed.kind, name, listed.permissions);
      answers.set(key, v);
    }
    return v;
  };
}

/**
 * The answers already given, keyed by ACL index, principal, OWS service and name, least recently
 * used first out. An index and a principal are immutable and replaced on any change (acl-cache.ts,
 * principals.ts), so an answer holds as long as they live: a user fetching the same capabilities
 * again (5,000 layers) asks no question twice. Keyed by ids of the objects, so that nothing is
 * pinned; at most `MAX_REMEMBERED` answers in all (what an upstream or many users can make the
 * proxy keep).
 */
export const MAX_REMEMBERED = 200_000;
const answers = lru<string, boolean>(MAX_REMEMBERED);
/** Index, principal and OWS service triples remembered at most. */
export const MAX_MEMOS = 1_000;
/**
 * The key prefix of each triple, least recently used first out. A triple forgotten and seen again
 * gets a new prefix: its old answers are unreachable and leave `answers` as the least recently used.
 */
const prefixes = lru<string, string>(MAX_MEMOS);
let lastPrefix = 0;

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

function prefixOf(index: ACLIndex, principal: Principal, owsService: string): string {
  const triple = `${idOf(index)} ${idOf(principal)} ${owsService}`;
  let prefix = prefixes.get(triple);
  if (prefix === undefined) {
    prefix = `${++lastPrefix}\0`;
    prefixes.set(triple, prefix);
  }
  return prefix;
}

/** How many answers, and for how many triples, are remembered in all (tests). */
export function rememberedAnswers(): { names: number; memos: number } {
  return { names: answers.size, memos: prefixes.size };
}
