/**
 * The entries of every file merged by name, and checked against each other: the same service or
 * client twice, a user, group or permission given twice with different values, a resource of two
 * kinds. Problems become error notes naming both places.
 */
import { NESTING_KINDS, type ResourceKind } from '../authz/model.js';
import type {
  DesiredClient,
  DesiredGroup,
  DesiredPermission,
  DesiredService,
  DesiredState,
  DesiredUser,
  Note,
  Origin,
} from './model.js';
import { formatPermission, formatResourcePath } from './permission-text.js';
import { pathKey } from './snapshot.js';

export interface MergedResource {
  service: string;
  path: string[];
  kind: ResourceKind;
  origin: Origin;
  /** Created because a child needs it (not named itself). */
  implied: boolean;
}

export interface Merged {
  services: Map<string, DesiredService>;
  groups: Map<string, DesiredGroup>;
  users: Map<string, DesiredUser>;
  clients: Map<string, DesiredClient>;
  /** By pathKey; parents before children once sorted by path length. */
  resources: Map<string, MergedResource>;
  /** Grants by permissionKey. */
  grants: Map<string, DesiredPermission>;
  /** `action: remove` entries by permissionKey. */
  removals: Map<string, DesiredPermission>;
}

export function granteeLabel(g: DesiredPermission['grantee']): string {
  return g.user !== undefined ? `user:${g.user}` : `group:${g.group}`;
}

/** Grantee, service, resource and permission name: what a store keeps once. */
export function permissionKey(p: {
  grantee: DesiredPermission['grantee'];
  service: string;
  resource: readonly string[];
  permission: string;
}): string {
  return `${granteeLabel(p.grantee)}\u0001${pathKey(p.service, p.resource)}\u0001${p.permission}`;
}

export function describePermission(
  p: DesiredPermission | Omit<DesiredPermission, 'origin' | 'action'>,
): string {
  const where = p.resource.length > 0 ? `${p.service} ${formatResourcePath(p.resource)}` : p.service;
  return `${granteeLabel(p.grantee)} ${formatPermission({ name: p.permission, access: p.access, scope: p.scope })} on ${where}`;
}

export function mergeStates(states: readonly DesiredState[], notes: Note[]): Merged {
  const m: Merged = {
    services: new Map(),
    groups: new Map(),
    users: new Map(),
    clients: new Map(),
    resources: new Map(),
    grants: new Map(),
    removals: new Map(),
  };
  const error = (origin: Origin, message: string) => notes.push({ severity: 'error', origin, message });

  for (const state of states) {
    for (const s of state.services) {
      const before = m.services.get(s.service.name);
      if (before)
        error(s.origin, `the service "${s.service.name}" is defined twice (also at ${before.origin})`);
      else m.services.set(s.service.name, s);
    }
    for (const g of state.groups) {
      const before = m.groups.get(g.name);
      if (!before) m.groups.set(g.name, { ...g });
      else mergeFields(before, g, ['priority', 'description'], `the group "${g.name}"`, error);
    }
    for (const u of state.users) {
      const before = m.users.get(u.username);
      if (!before) m.users.set(u.username, { ...u, groups: [...u.groups] });
      else {
        mergeFields(before, u, ['admin', 'certificateDN'], `the user "${u.username}"`, error);
        if (u.password !== undefined) {
          if (
            before.password !== undefined &&
            JSON.stringify(before.password) !== JSON.stringify(u.password)
          ) {
            error(u.origin, `the user "${u.username}" is given two passwords (also at ${before.origin})`);
          } else before.password = u.password;
        }
        for (const g of u.groups) if (!before.groups.includes(g)) before.groups.push(g);
      }
    }
    for (const c of state.clients) {
      const before = m.clients.get(c.clientId);
      if (before) error(c.origin, `the client "${c.clientId}" is defined twice (also at ${before.origin})`);
      else m.clients.set(c.clientId, c);
    }
  }
  // resources after every service is known: a service's own list, then the state-wide list
  const addResource = (service: string, path: string[], kind: ResourceKind, origin: Origin) => {
    for (let n = 1; n <= path.length; n++) {
      const sub = path.slice(0, n);
      const key = pathKey(service, sub);
      const implied = n < path.length;
      const before = m.resources.get(key);
      if (implied && !NESTING_KINDS.has(kind)) {
        if (!before) {
          error(
            origin,
            `${formatResourcePath(path)} of ${service}: a ${kind} does not nest; its parent ${formatResourcePath(sub)} must be listed`,
          );
          return;
        }
        continue;
      }
      if (!before) m.resources.set(key, { service, path: sub, kind, origin, implied });
      else if (before.kind !== kind) {
        error(
          origin,
          `${formatResourcePath(sub)} of ${service} is a ${kind} here and a ${before.kind} at ${before.origin}`,
        );
      } else if (!implied && before.implied)
        m.resources.set(key, { service, path: sub, kind, origin, implied });
    }
  };
  for (const state of states) {
    for (const s of state.services)
      for (const r of s.resources) addResource(s.service.name, r.path, r.kind, r.origin);
    for (const r of state.resources ?? []) addResource(r.service, r.path, r.kind, r.origin);
  }
  for (const state of states) {
    for (const p of state.permissions) {
      const key = permissionKey(p);
      const into = p.action === 'create' ? m.grants : m.removals;
      const other = p.action === 'create' ? m.removals : m.grants;
      const twin = other.get(key);
      if (twin) {
        error(p.origin, `${describePermission(p)} is both granted and removed (also at ${twin.origin})`);
        continue;
      }
      const before = into.get(key);
      if (!before) into.set(key, p);
      else if (before.access !== p.access || before.scope !== p.scope) {
        error(
          p.origin,
          `${describePermission(p)} conflicts with ${describePermission(before)} at ${before.origin}`,
        );
      }
    }
  }
  return m;
}

function mergeFields<T extends { origin: Origin }>(
  into: T,
  from: T,
  fields: readonly (keyof T)[],
  what: string,
  error: (origin: Origin, message: string) => void,
): void {
  for (const f of fields) {
    const v = from[f];
    if (v === undefined) continue;
    if (into[f] === undefined) into[f] = v;
    else if (into[f] !== v) {
      error(
        from.origin,
        `${what} has ${String(f)} ${JSON.stringify(v)} here and ${JSON.stringify(into[f])} at ${into.origin}`,
      );
    }
  }
}
