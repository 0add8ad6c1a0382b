/**
 * The fine-grained authorization model (Magpie's, inside the proxy): users and groups, a resource
 * tree under each service, and permissions granted to a user or a group on the service or one of its
 * resources. Plain values only; the store persists them, `resolve.ts` decides with them.
 */
import { OPERATIONS } from '../ows/operations.js';
import { OWS_SERVICES } from '../ows/types.js';
import type { ServiceType } from '../registry/service.js';

/** Groups every deployment has, created by the migration and never deleted. */
export const ADMINISTRATORS = 'administrators';
/** Everyone, with or without a credential. */
export const ANONYMOUS_GROUP = 'anonymous';
/** Everyone who presented a valid credential. */
export const AUTHENTICATED_GROUP = 'authenticated';
/** A group name: 1 to 64 letters, digits or `._@-`, starting with a letter or digit (API and files). */
export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const SPECIAL_GROUPS: readonly string[] = [ADMINISTRATORS, ANONYMOUS_GROUP, AUTHENTICATED_GROUP];

/** Default priorities of the special groups (Magpie: admin ∞ > generic 0 > anonymous −1). */
export const SPECIAL_GROUP_PRIORITIES: Readonly<Record<string, number>> = {
  [ADMINISTRATORS]: 1_000_000,
  [ANONYMOUS_GROUP]: -1,
  [AUTHENTICATED_GROUP]: 0,
};

export const RESOURCE_KINDS = ['process', 'layer', 'featuretype', 'coverage', 'record', 'path'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/**
 * The kinds of resource each service type holds. `path` exists under every type: it governs the
 * requests that are not OWS requests (stored outputs, data files, OGC API resources).
 */
export const KINDS_BY_SERVICE_TYPE: Readonly<Record<ServiceType, readonly ResourceKind[]>> = {
  wps: ['process', 'path'],
  wms: ['layer', 'path'],
  wmts: ['layer', 'path'],
  wfs: ['featuretype', 'path'],
  wcs: ['coverage', 'path'],
  csw: ['record', 'path'],
  thredds: ['path'],
  ogcapi: ['path'],
  http: ['path'],
};

/** Kinds that nest: WMS layers inside layers, directories inside directories. */
export const NESTING_KINDS: ReadonlySet<ResourceKind> = new Set(['layer', 'path']);

/** Permissions on paths: `browse` THREDDS metadata, `read` data (GET/HEAD), `write` anything else. */
export const PATH_PERMISSIONS = ['browse', 'read', 'write'] as const;

/**
 * Every permission name: the lower-case name of every OWS operation Twitcher knows (the permission
 * of an OWS request is its operation), and the path permissions. A name outside this list cannot be
 * granted, so a request for it is refused to everyone but administrators.
 */
export const PERMISSION_NAMES: readonly string[] = (() => {
  const names = new Set<string>();
  for (const service of OWS_SERVICES) {
    for (const ops of Object.values(OPERATIONS[service])) for (const op of ops) names.add(op.toLowerCase());
  }
  for (const p of PATH_PERMISSIONS) names.add(p);
  return [...names].sort();
})();
const PERMISSION_SET: ReadonlySet<string> = new Set(PERMISSION_NAMES);

export function isPermissionName(value: string): boolean {
  return PERMISSION_SET.has(value);
}

export type Access = 'allow' | 'deny';
export type Scope = 'match' | 'recursive';
export const ACCESSES: readonly Access[] = ['allow', 'deny'];
export const SCOPES: readonly Scope[] = ['match', 'recursive'];

export interface GroupRecord {
  name: string;
  /** Higher wins over lower when two groups disagree (deny wins at equal priority). */
  priority: number;
  description: string;
  createdAt: number;
}

/** One node of a service's resource tree. `parentId` undefined: directly under the service. */
export interface ResourceRecord {
  id: number;
  service: string;
  parentId: number | undefined;
  kind: ResourceKind;
  name: string;
  createdAt: number;
}

/** Who a permission is granted to. */
export type Grantee = { user: string; group?: undefined } | { group: string; user?: undefined };

/** A permission as stored: on the service itself when `resourceId` is undefined. */
export interface PermissionRecord {
  id: number;
  grantee: Grantee;
  service: string;
  resourceId: number | undefined;
  permission: string;
  access: Access;
  scope: Scope;
  createdAt: number;
}

/** What the resolver needs of one service: its resources and every permission granted on it. */
export interface ServiceACL {
  service: string;
  resources: readonly ResourceRecord[];
  permissions: readonly PermissionRecord[];
}

/** A group of a principal, with its priority. */
export interface PrincipalGroup {
  name: string;
  priority: number;
}

/**
 * Whom the resolver decides for: a Twitcher user (with its own permissions), or a subject with no
 * user of its own (anonymous, or an authenticated client or certificate that maps to no user), and
 * the groups it belongs to (`anonymous` always, `authenticated` for any valid credential).
 */
export interface Principal {
  /** `user:alice`, `client:3f1c…`, `external:bob`, `dn:CN=…`, `anonymous`: for logs and the audit. */
  label: string;
  /** The Twitcher user whose own permissions apply. */
  user?: string | undefined;
  groups: readonly PrincipalGroup[];
  /** A Twitcher administrator (the `isAdmin` user flag, or a member of `administrators`). */
  admin: boolean;
  authenticated: boolean;
}

/** Resource names compare case-insensitively (upstreams such as MapServer ignore case). */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * The permission names that mean something on a service of that type: its OWS operations and the
 * path permissions (`browse` only where THREDDS catalogs are).
 */
export function permissionsFor(type: ServiceType): readonly string[] {
  const out = new Set<string>();
  if ((OWS_SERVICES as readonly string[]).includes(type)) {
    for (const ops of Object.values(OPERATIONS[type as (typeof OWS_SERVICES)[number]])) {
      for (const op of ops) out.add(op.toLowerCase());
    }
  }
  if (type === 'thredds') out.add('browse');
  out.add('read');
  out.add('write');
  return [...out].sort();
}
