/** Records as the authorization admin API answers them (authz-schemas.ts), and the lookups its routes share. */
import {
  type GroupRecord,
  type PermissionRecord,
  type ResourceRecord,
  SPECIAL_GROUPS,
} from '../authz/model.js';
import { TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import type { GroupJSON, PermissionJSON, ResourceJSON } from './authz-schemas.js';

/** A group as answered, `builtin` for the implicit ones. */
export function toGroupJSON(g: GroupRecord): GroupJSON {
  return {
    name: g.name,
    priority: g.priority,
    description: g.description,
    builtin: SPECIAL_GROUPS.includes(g.name),
    created_at: new Date(g.createdAt).toISOString(),
  };
}

/** `all`: the service's resources, to build each one's path. */
export function toResourceJSON(r: ResourceRecord, all: readonly ResourceRecord[]): ResourceJSON {
  const byId = new Map(all.map((x) => [x.id, x]));
  const names: string[] = [];
  for (
    let at: ResourceRecord | undefined = r;
    at && names.length < 1000;
    at = at.parentId === undefined ? undefined : byId.get(at.parentId)
  ) {
    names.unshift(at.name);
  }
  return {
    id: r.id,
    service: r.service,
    parent: r.parentId ?? null,
    kind: r.kind,
    name: r.name,
    path: names.join('/'),
    created_at: new Date(r.createdAt).toISOString(),
  };
}

/** A permission as answered: its grantee as `user` or `group`. */
export function toPermissionJSON(p: PermissionRecord): PermissionJSON {
  return {
    id: p.id,
    ...(p.grantee.user !== undefined ? { user: p.grantee.user } : { group: p.grantee.group }),
    service: p.service,
    resource: p.resourceId ?? null,
    permission: p.permission,
    access: p.access,
    scope: p.scope,
    created_at: new Date(p.createdAt).toISOString(),
  };
}

/**
 * A resource of `service` named by the API: its id (a number, or digits), a path of names from the
 * service (`a/b/x.nc`), or a name that only one of its resources has.
 */
export async function findResource(
  store: Store,
  service: string,
  ref: unknown,
  field: string,
): Promise<ResourceRecord> {
  const fail = (description: string) =>
    new TwitcherError('unknown_reference', { description, fields: [{ field, message: description }] });
  if (typeof ref === 'number' || (typeof ref === 'string' && /^[0-9]{1,10}$/.test(ref))) {
    const r = await store.resources.get(Number(ref));
    if (!r) throw fail(`No resource ${ref}.`);
    if (r.service !== service) {
      throw new TwitcherError('invalid_resource', {
        description: `Resource ${ref} belongs to the service "${r.service}", not "${service}".`,
        fields: [{ field, message: `belongs to the service "${r.service}"` }],
      });
    }
    return r;
  }
  if (typeof ref !== 'string' || ref === '') throw fail(`${field} must be a resource id, name or path.`);
  const all = await store.resources.list(service);
  const segments = ref.split('/').filter((s) => s !== '');
  const key = (s: string) => s.toLowerCase();
  if (segments.length > 1) {
    let parent: number | undefined;
    let found: ResourceRecord | undefined;
    for (const segment of segments) {
      found = all.find((r) => r.parentId === parent && key(r.name) === key(segment));
      if (!found) throw fail(`No resource at "${ref}" in the service "${service}".`);
      parent = found.id;
    }
    return found as ResourceRecord;
  }
  const matches = all.filter(
    (r) => key(r.name) === key(ref) && (r.kind !== 'path' || r.parentId === undefined),
  );
  if (matches.length === 0) throw fail(`No resource named "${ref}" in the service "${service}".`);
  if (matches.length > 1) {
    throw new TwitcherError('invalid_request', {
      description: `Several resources of "${service}" are named "${ref}": give its id (${matches.map((m) => m.id).join(', ')}).`,
      fields: [{ field, message: 'is ambiguous' }],
    });
  }
  return matches[0] as ResourceRecord;
}
