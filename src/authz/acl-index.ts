/**
 * One service's resources and permissions, indexed for the resolver: resources by name and by path,
 * permissions by node and name. Built once per change of the service's ACL, then only read.
 */
import {
  nameKey,
  type PermissionRecord,
  type ResourceKind,
  type ResourceRecord,
  type ServiceACL,
} from './model.js';

/** The node of the service itself in the permission index. */
export const SERVICE_NODE = 0;

/** `ns:name` → `name`: WFS and GeoServer names carry a prefix that a client may leave out. */
function localPart(key: string): string {
  const colon = key.lastIndexOf(':');
  return colon < 0 ? key : key.slice(colon + 1);
}

export class ACLIndex {
  readonly service: string;
  readonly #byId = new Map<number, ResourceRecord>();
  /** nameKey → resources, per kind (names of OWS kinds are unique per service and kind). */
  readonly #byName = new Map<ResourceKind, Map<string, ResourceRecord[]>>();
  /** local part → resources whose name has that local part, per kind. */
  readonly #byLocal = new Map<ResourceKind, Map<string, ResourceRecord[]>>();
  /** `${parentNode}\0${nameKey}` → path resource. */
  readonly #pathChild = new Map<string, ResourceRecord>();
  /** node → permission → grants. */
  readonly #grants = new Map<number, Map<string, PermissionRecord[]>>();
  readonly #ofKind = new Map<ResourceKind, ResourceRecord[]>();

  constructor(acl: ServiceACL) {
    this.service = acl.service;
    for (const r of acl.resources) {
      this.#byId.set(r.id, r);
      const key = nameKey(r.name);
      push(this.#ofKind, r.kind, r);
      if (r.kind === 'path') {
        this.#pathChild.set(`${r.parentId ?? SERVICE_NODE}\0${key}`, r);
      } else {
        push(mapOf(this.#byName, r.kind), key, r);
        push(mapOf(this.#byLocal, r.kind), localPart(key), r);
      }
    }
    for (const p of acl.permissions) {
      push(mapOf(this.#grants, p.resourceId ?? SERVICE_NODE), p.permission, p);
    }
  }

  resource(id: number): ResourceRecord | undefined {
    return this.#byId.get(id);
  }

  /** Every resource of a kind. */
  ofKind(kind: ResourceKind): readonly ResourceRecord[] {
    return this.#ofKind.get(kind) ?? [];
  }

  /**
   * The resources a requested name designates: the same name (case-insensitive), and when one side
   * has no prefix, the same local part (`cities` and `ms:cities` are one feature type to MapServer,
   * so a rule on either holds for both). Several matches: every one must allow.
   */
  findByName(kind: ResourceKind, name: string): ResourceRecord[] {
    const key = nameKey(name);
    const local = localPart(key);
    const candidates = this.#byLocal.get(kind)?.get(local);
    if (!candidates) return [];
    const unprefixed = local === key;
    return candidates.filter((r) => {
      const k = nameKey(r.name);
      return k === key || unprefixed || localPart(k) === k;
    });
  }

  /**
   * The deepest path resource along `segments`, whether every segment was found, and whether a
   * segment matched its resource only without case (`PUB` for `pub`): a different directory on a
   * case-sensitive file system, the same one on a case-insensitive one.
   */
  findPath(segments: readonly string[]): {
    resource: ResourceRecord | undefined;
    exact: boolean;
    caseMismatch: boolean;
  } {
    let node = SERVICE_NODE;
    let found: ResourceRecord | undefined;
    let caseMismatch = false;
    for (const segment of segments) {
      const next = this.#pathChild.get(`${node}\0${nameKey(segment)}`);
      if (!next) return { resource: found, exact: false, caseMismatch };
      if (next.name !== segment) caseMismatch = true;
      found = next;
      node = next.id;
    }
    return { resource: found, exact: true, caseMismatch };
  }

  /** Grants of `permission` at a node (`SERVICE_NODE` or a resource id). */
  grantsAt(node: number, permission: string): readonly PermissionRecord[] {
    return this.#grants.get(node)?.get(permission) ?? EMPTY;
  }

  /** Nodes from `resource` up to the service itself, closest first. */
  chain(resource: ResourceRecord | undefined): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    for (
      let r = resource;
      r !== undefined;
      r = r.parentId === undefined ? undefined : this.#byId.get(r.parentId)
    ) {
      if (seen.has(r.id)) break; // a cycle cannot be stored; never loop on one anyway
      seen.add(r.id);
      out.push(r.id);
    }
    out.push(SERVICE_NODE);
    return out;
  }
}

const EMPTY: readonly PermissionRecord[] = [];

function mapOf<K, V>(outer: Map<K, Map<string, V[]>>, key: K): Map<string, V[]> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
