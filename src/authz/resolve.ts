/**
 * Effective-permission resolution, pure (Magpie's order, reference §9.5, without its pitfalls):
 *
 * 1. an administrator is allowed everything;
 * 2. a permission name that cannot be granted (an operation outside the tables) is denied;
 * 3. of the permissions that apply — granted to the user itself or to one of its groups, on the
 *    target or on one of its ancestors up to the service, `match` ones only on the target itself —
 *    the deciding one is the first by: the user's own before any group's; then the higher group
 *    priority; then the closest resource; then deny before allow;
 * 4. nothing applies: denied (default deny).
 *
 * A target that is not in the tree (a process nobody registered) is looked up from its closest
 * registered parent, where `match` permissions no longer apply (they name another resource).
 */
import { type ACLIndex, SERVICE_NODE } from './acl-index.js';
import { isPermissionName, type PermissionRecord, type Principal, type ResourceRecord } from './model.js';

/** Where the resolution starts: a resource (or the service itself), and whether it is the target. */
export interface Target {
  /** undefined: the service itself. */
  resource: ResourceRecord | undefined;
  /** True when `resource` is the very resource asked for: `match` permissions count on it. */
  exact: boolean;
}

export type Reason = 'administrator' | 'user' | 'group' | 'no-permission' | 'unknown-permission';

/** One permission that applied, as considered by the resolver. */
export interface Candidate {
  permission: PermissionRecord;
  /** 0 on the start node, 1 on its parent, … */
  depth: number;
  /** For a group grant: the group's priority. */
  priority?: number | undefined;
}

export interface Resolution {
  allow: boolean;
  reason: Reason;
  /** The permission that decided (reason user or group). */
  decidedBy?: Candidate | undefined;
  /** Every permission that applied, best first (for "why"). */
  candidates: Candidate[];
}

/** Group name → priority of a principal's groups (cached per principal object). */
const groupMaps = new WeakMap<Principal, Map<string, number>>();
function groupsOf(principal: Principal): Map<string, number> {
  let map = groupMaps.get(principal);
  if (!map) {
    map = new Map(principal.groups.map((g) => [g.name, g.priority]));
    groupMaps.set(principal, map);
  }
  return map;
}

const ADMIN: Resolution = Object.freeze({ allow: true, reason: 'administrator', candidates: [] });

/** The effective `permission` of `principal` at `target` of the service indexed by `index`. */
export function resolve(
  index: ACLIndex,
  principal: Principal,
  permission: string,
  target: Target,
  options: { explain?: boolean } = {},
): Resolution {
  if (principal.admin) return ADMIN;
  if (!isPermissionName(permission)) return { allow: false, reason: 'unknown-permission', candidates: [] };
  const groups = groupsOf(principal);
  const nodes = target.resource ? index.chain(target.resource) : [SERVICE_NODE];
  let best: Candidate | undefined;
  const all: Candidate[] | undefined = options.explain ? [] : undefined;
  for (let depth = 0; depth < nodes.length; depth++) {
    const grants = index.grantsAt(nodes[depth] as number, permission);
    for (const p of grants) {
      if (p.scope === 'match' && !(depth === 0 && target.exact)) continue;
      let candidate: Candidate;
      if (p.grantee.user !== undefined) {
        if (p.grantee.user !== principal.user) continue;
        candidate = { permission: p, depth };
      } else {
        const priority = groups.get(p.grantee.group);
        if (priority === undefined) continue;
        candidate = { permission: p, depth, priority };
      }
      all?.push(candidate);
      if (best === undefined || better(candidate, best)) best = candidate;
    }
  }
  all?.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  if (!best) return { allow: false, reason: 'no-permission', candidates: all ?? [] };
  return {
    allow: best.permission.access === 'allow',
    reason: best.priority === undefined ? 'user' : 'group',
    decidedBy: best,
    candidates: all ?? [best],
  };
}

/** True when `a` decides before `b`. */
function better(a: Candidate, b: Candidate): boolean {
  const aUser = a.priority === undefined;
  const bUser = b.priority === undefined;
  if (aUser !== bUser) return aUser;
  if (!aUser && a.priority !== b.priority) return (a.priority as number) > (b.priority as number);
  if (a.depth !== b.depth) return a.depth < b.depth;
  return a.permission.access === 'deny' && b.permission.access === 'allow';
}

/** A rule's short name for logs and the audit: `group:staff:execute-allow-recursive@hello`. */
export function describeResolution(index: ACLIndex, r: Resolution): string {
  if (!r.decidedBy) return r.reason;
  const p = r.decidedBy.permission;
  const who = p.grantee.user !== undefined ? `user:${p.grantee.user}` : `group:${p.grantee.group}`;
  const where =
    p.resourceId === undefined
      ? p.service
      : `${p.service}/${index.resource(p.resourceId)?.name ?? p.resourceId}`;
  return `${who}:${p.permission}-${p.access}-${p.scope}@${where}`;
}
