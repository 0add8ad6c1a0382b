/**
 * The JSON shapes of Twitcher's authorization admin API (users, groups, resources, permissions,
 * effective permissions, audit), declared here so that the client needs nothing of the server.
 */

/**
 * A user as `GET /users/{name}` answers it.
 *
 * @example
 * const alice: UserJSON = await client.authz.getUser('alice');
 * console.log(alice.certificate_dn ?? 'no certificate');
 */
export interface UserJSON {
  username: string;
  admin: boolean;
  created_at: string;
  /** Client certificates with this subject act for the user on `acl` services. */
  certificate_dn: string | null;
}

/**
 * A group. `builtin`: `administrators`, `anonymous` (everyone) and `authenticated` (any credential).
 *
 * @example
 * const staff: GroupJSON = await client.authz.addGroup({ name: 'staff', priority: 5 });
 */
export interface GroupJSON {
  name: string;
  /** Higher wins over lower; deny wins at equal priority. */
  priority: number;
  description: string;
  builtin: boolean;
  created_at: string;
  /** `getGroup` only. */
  members?: string[];
}

/** The kinds of resource: WPS processes, WMS/WMTS layers, WFS feature types, WCS coverages, CSW records, paths. */
export type ResourceKind = 'process' | 'layer' | 'featuretype' | 'coverage' | 'record' | 'path';

/**
 * A node of a service's resource tree.
 *
 * @example
 * const layer: ResourceJSON = await client.authz.addResource('maps', { kind: 'layer', name: 'cities', parent: 'world' });
 * console.log(layer.id, layer.path); // 12 world/cities
 */
export interface ResourceJSON {
  id: number;
  service: string;
  /** The parent's id; null: directly under the service. */
  parent: number | null;
  kind: ResourceKind;
  name: string;
  /** Names from the service down, joined by `/`. */
  path: string;
  created_at: string;
}

/**
 * A permission granted to a user or a group, on a service (`resource: null`) or one of its resources.
 *
 * @example
 * const p: PermissionJSON = await client.authz.grant({ group: 'staff', service: 'emu', permission: 'execute' });
 * console.log(p.id, p.access, p.scope); // 7 allow recursive
 */
export interface PermissionJSON {
  id: number;
  user?: string;
  group?: string;
  service: string;
  resource: number | null;
  permission: string;
  access: 'allow' | 'deny';
  scope: 'match' | 'recursive';
  created_at: string;
}

/**
 * What `grant` sends: exactly one of `user` and `group`. `resource`: an id, a name or a path of
 * names; absent: the service itself. Defaults: `access` allow, `scope` recursive.
 *
 * @example
 * const input: GrantInput = { user: 'alice', service: 'emu', resource: 'hello', permission: 'execute', scope: 'match' };
 */
export interface GrantInput {
  user?: string;
  group?: string;
  service: string;
  resource?: number | string | null;
  permission: string;
  /** Omitted or null: allow. */
  access?: 'allow' | 'deny' | null;
  /** Omitted or null: recursive. */
  scope?: 'match' | 'recursive' | null;
}

/**
 * One permission name resolved for a user: allowed or not, and why.
 *
 * @example
 * const { permissions } = await client.authz.effective('alice', { service: 'emu', resource: 'hello' });
 * for (const p of permissions) console.log(p.permission, p.allow, p.rule);
 */
export interface ResolutionJSON {
  permission: string;
  allow: boolean;
  reason: 'administrator' | 'user' | 'group' | 'no-permission' | 'unknown-permission';
  /** The deciding permission in short: `group:staff:execute-allow-recursive@emu`. */
  rule: string;
  decided_by: PermissionJSON | null;
  /** Every permission that applied, the deciding one first, with its distance and group priority. */
  considered: (PermissionJSON & { depth: number; priority?: number })[];
}

/**
 * The effective permissions of a user on a service or resource (`GET /users/{name}/effective`).
 *
 * @example
 * const e: EffectiveJSON = await client.authz.effective('bob', { service: 'maps', resource: 'cities', permission: 'getmap' });
 * console.log(e.permissions[0]?.allow);
 */
export interface EffectiveJSON {
  user: string;
  service: string;
  resource: ResourceJSON | { name: string } | null;
  /** false: the resource is not in the tree (resolved from its closest registered parent). */
  registered: boolean;
  admin: boolean;
  groups: { name: string; priority: number }[];
  permissions: ResolutionJSON[];
}

/**
 * One access decision of an `acl` service.
 *
 * @example
 * const { records } = await client.authz.audit({ user: 'bob', outcome: 'deny' });
 * for (const r of records) console.log(r.time, r.operation, r.resources.join(','), r.rule);
 */
export interface AuditRecordJSON {
  id: number;
  time: string;
  subject: string;
  user: string | null;
  client_address: string;
  service: string;
  operation: string;
  permission: string;
  resources: string[];
  outcome: 'allow' | 'deny';
  /** What decided: a permission, `administrator`, `no-permission`…; `overflow` (see `count`). */
  rule: string;
  /**
   * How many decisions the record stands for: 1, or the anonymous refusals of one client address,
   * service and operation counted into it (`time`: the first).
   */
  count: number;
}

/**
 * A page of the audit log, newest first; `next_cursor` when there is more.
 *
 * @example
 * let page: AuditPageJSON = await client.authz.audit({ service: 'emu', limit: 100 });
 * while (page.next_cursor) page = await client.authz.audit({ service: 'emu', cursor: page.next_cursor });
 */
export interface AuditPageJSON {
  records: AuditRecordJSON[];
  next_cursor: string | null;
}

/**
 * Filters of `audit`. Times are ISO 8601 strings, Dates or epoch milliseconds.
 *
 * @example
 * const query: AuditQuery = { service: 'emu', outcome: 'deny', from: new Date(Date.now() - 3_600_000) };
 */
export interface AuditQuery {
  user?: string;
  service?: string;
  outcome?: 'allow' | 'deny';
  from?: string | number | Date;
  to?: string | number | Date;
  limit?: number;
  cursor?: string;
}
