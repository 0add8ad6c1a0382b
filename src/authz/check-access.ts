/**
 * Applies the resolver to everything a request needs: every target must be allowed, the first deny
 * decides. Pure.
 */
import type { ACLIndex } from './acl-index.js';
import type { Principal, ResourceKind } from './model.js';
import type { AccessNeed, AccessTarget } from './request-access.js';
import { describeResolution, type Resolution, resolve, type Target } from './resolve.js';

export interface AccessResult {
  allow: boolean;
  permission: string;
  /** The resources concerned, by name ('' for the service itself). */
  resources: string[];
  /** The rule that decided: the first denying one, or the last allowing one. */
  rule: string;
  /** The resolution that decided. */
  resolution: Resolution;
}

const REFUSED: Resolution = Object.freeze({ allow: false, reason: 'no-permission', candidates: [] });

/** Where each target's resolution starts. An `all` target expands to the service and each resource. */
export function locate(index: ACLIndex, target: AccessTarget): { name: string; target: Target }[] {
  switch (target.kind) {
    case 'service':
      return [{ name: '', target: { resource: undefined, exact: true } }];
    case 'named': {
      const found = index.findByName(target.resourceKind, target.name);
      // Not registered: from the service, where only recursive permissions reach it.
      if (found.length === 0) return [{ name: target.name, target: { resource: undefined, exact: false } }];
      return found.map((resource) => ({ name: resource.name, target: { resource, exact: true } }));
    }
    case 'all':
      return [
        { name: '*', target: { resource: undefined, exact: false } },
        ...index
          .ofKind(target.resourceKind)
          .map((resource) => ({ name: resource.name, target: { resource, exact: true } })),
      ];
    case 'path': {
      const { resource, exact } = index.findPath(target.segments);
      return [{ name: target.segments.join('/'), target: { resource, exact } }];
    }
  }
}

/** The decision on a request's needs for `principal`. */
export function checkAccess(index: ACLIndex, principal: Principal, need: AccessNeed): AccessResult {
  const resources: string[] = [];
  if (need.refused) {
    if (principal.admin) {
      return {
        allow: true,
        permission: need.permission,
        resources,
        rule: 'administrator',
        resolution: resolveAdmin(),
      };
    }
    return {
      allow: false,
      permission: need.permission,
      resources,
      rule: `refused: ${need.reason}`,
      resolution: REFUSED,
    };
  }
  // A path spelt with another case than its registered resource: an allow on `pub` must not open
  // `PUB` (another directory on a case-sensitive upstream), a deny on `secret` must hold for `SECRET`
  // (the same one on a case-insensitive upstream). Neither can be told here: refused, admins aside.
  if (!principal.admin) {
    for (const t of need.targets) {
      if (t.kind === 'path' && index.findPath(t.segments).caseMismatch) {
        return {
          allow: false,
          permission: need.permission,
          resources: [t.segments.join('/')],
          rule: 'refused: the path differs from a registered path resource in case only',
          resolution: REFUSED,
        };
      }
    }
  }
  let last: Resolution | undefined;
  for (const t of need.targets) {
    for (const { name, target } of locate(index, t)) {
      if (name !== '' && name !== '*') resources.push(name);
      const r = resolve(index, principal, need.permission, target);
      last = r;
      if (!r.allow) {
        return {
          allow: false,
          permission: need.permission,
          resources,
          rule: describeResolution(index, r),
          resolution: r,
        };
      }
    }
  }
  const resolution = last ?? REFUSED;
  return {
    allow: resolution.allow,
    permission: need.permission,
    resources,
    rule: describeResolution(index, resolution),
    resolution,
  };
}

function resolveAdmin(): Resolution {
  return { allow: true, reason: 'administrator', candidates: [] };
}

/**
 * Whether `principal` may see a resource of `kind` named `name` in a capabilities document: when
 * any of `permissions` is allowed on it (one may use what one may see).
 */
export function isVisible(
  index: ACLIndex,
  principal: Principal,
  kind: ResourceKind,
  name: string,
  permissions: readonly string[],
): boolean {
  if (principal.admin) return true;
  const located = locate(index, { kind: 'named', resourceKind: kind, name });
  return permissions.some((permission) =>
    located.every(({ target }) => resolve(index, principal, permission, target).allow),
  );
}
