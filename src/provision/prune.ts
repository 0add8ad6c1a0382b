/**
 * With --prune: the removal steps for what the files do not name, and the rules by which a stored
 * permission matches a file's entry (shared with the plan). The administrator and the special groups
 * are never removed; what goes with a service, a user or a resource is not listed twice.
 */
import { SPECIAL_GROUPS } from '../authz/model.js';
import { describePermission, type Merged, permissionKey } from './merge.js';
import type { DesiredPermission } from './model.js';
import { formatResourcePath } from './permission-text.js';
import type { AddStep, PlanOptions } from './plan-types.js';
import { pathKey, type Snapshot } from './snapshot.js';

/**
 * Whether a removal entry takes away the stored permission of its key: an allow removal takes any
 * allow (whatever its scope: the file wants no allow left), a deny removal only the deny of its own
 * scope. Never a deny for an allow removal: the file would widen access while its text narrows it.
 */
export function removalTakes(p: DesiredPermission, stored: { access: string; scope: string }): boolean {
  if (p.access !== stored.access) return false;
  return p.access === 'allow' || p.scope === stored.scope;
}

/** The merge key of a stored permission (undefined when its resource is not in the snapshot). */
export function storedPermissionKey(p: Snapshot['permissions'][number], snap: Snapshot): string | undefined {
  let resource: string[] = [];
  if (p.resourceId !== undefined) {
    const r = snap.resources.get(p.service)?.find((x) => x.record.id === p.resourceId);
    if (!r) return undefined;
    resource = r.path;
  }
  return permissionKey({ grantee: p.grantee, service: p.service, resource, permission: p.permission });
}

/** Removal steps for what the files do not name (the administrator and special groups stay). */
export function prune(
  m: Merged,
  snap: Snapshot,
  options: PlanOptions,
  storedByKey: Map<string, { id: number; access: string; scope: string }>,
  add: AddStep,
  replaced: ReadonlyMap<number, unknown>,
): void {
  const namedUsers = new Set([...m.users.keys(), options.adminUsername]);
  for (const c of m.clients.values()) if (c.owner) namedUsers.add(c.owner);
  for (const p of m.grants.values()) if (p.grantee.user !== undefined) namedUsers.add(p.grantee.user);
  const namedGroups = new Set([...m.groups.keys(), ...SPECIAL_GROUPS]);
  for (const u of m.users.values()) for (const g of u.groups) namedGroups.add(g);
  for (const p of m.grants.values()) if (p.grantee.group !== undefined) namedGroups.add(p.grantee.group);
  const goneServices = new Set([...snap.services.keys()].filter((s) => !m.services.has(s)));
  const goneUsers = new Set([...snap.users.keys()].filter((u) => !namedUsers.has(u)));
  const goneResources = new Set<number>();
  for (const [service, list] of snap.resources) {
    if (goneServices.has(service)) continue;
    const named = new Set<string>();
    for (const r of m.resources.values()) if (r.service === service) named.add(pathKey(service, r.path));
    for (const p of m.grants.values()) {
      if (p.service !== service) continue;
      for (let n = 1; n <= p.resource.length; n++) named.add(pathKey(service, p.resource.slice(0, n)));
    }
    // deepest first; a resource under one already removed goes with it
    for (const r of [...list].sort((a, b) => a.path.length - b.path.length)) {
      if (replaced.has(r.record.id) || named.has(pathKey(service, r.path))) continue;
      if (r.record.parentId !== undefined && goneResources.has(r.record.parentId)) {
        goneResources.add(r.record.id);
        continue;
      }
      goneResources.add(r.record.id);
      add(
        {
          action: 'remove',
          kind: 'resource',
          key: `${service} ${formatResourcePath(r.path)}`,
          details: ['with what is under it and its permissions'],
        },
        async (tx) => {
          await tx.resources.delete(r.record.id);
        },
      );
    }
  }
  for (const p of snap.permissions) {
    if (goneServices.has(p.service) || (p.grantee.user !== undefined && goneUsers.has(p.grantee.user)))
      continue;
    if (p.resourceId !== undefined && (goneResources.has(p.resourceId) || replaced.has(p.resourceId)))
      continue;
    const key = storedPermissionKey(p, snap);
    if (key === undefined || m.grants.has(key)) continue;
    const removal = m.removals.get(key);
    if (removal && removalTakes(removal, p)) continue; // its removal step takes it
    const r =
      p.resourceId === undefined
        ? []
        : (snap.resources.get(p.service)?.find((x) => x.record.id === p.resourceId)?.path ?? []);
    add(
      { action: 'remove', kind: 'permission', key: describePermission({ ...p, resource: r }) },
      async (tx) => {
        await tx.permissions.revoke(p.id);
      },
    );
    storedByKey.delete(key);
  }
  for (const c of snap.clients.values()) {
    if (m.clients.has(c.clientId)) continue;
    add(
      { action: 'remove', kind: 'client', key: c.clientId, details: [`"${c.name}" and its tokens`] },
      async (tx) => {
        await tx.clients.delete(c.clientId);
      },
    );
  }
  for (const s of goneServices) {
    add(
      { action: 'remove', kind: 'service', key: s, details: ['with its resources and permissions'] },
      async (tx) => {
        await tx.services.delete(s);
      },
    );
  }
  for (const [user, groups] of snap.memberships) {
    if (goneUsers.has(user) || user === options.adminUsername) continue;
    const wanted = new Set(m.users.get(user)?.groups ?? []);
    for (const g of groups) {
      if (wanted.has(g)) continue;
      add({ action: 'remove', kind: 'membership', key: `${user} in ${g}` }, async (tx) => {
        await tx.groups.removeMember(g, user);
      });
    }
  }
  for (const u of goneUsers) {
    add(
      { action: 'remove', kind: 'user', key: u, details: ['with its memberships and permissions'] },
      async (tx) => {
        await tx.users.delete(u);
      },
    );
  }
  for (const g of snap.groups.keys()) {
    if (namedGroups.has(g)) continue;
    add({ action: 'remove', kind: 'group', key: g }, async (tx) => {
      await tx.groups.delete(g);
    });
  }
}
