/**
 * Magpie's `permissions:` section: each entry grants (or, `action: remove`, takes away) one
 * permission to a user and/or a group on a service or one of its resources.
 *
 * What cannot be carried (a resource Twitcher has no kind for, a provider not carried) is `dropped`
 * for an allow, which only narrows access, but an `error` for a deny: applying the files without it
 * would widen access.
 */
import { isPermissionName, nameKey, permissionsFor, type ResourceKind } from '../../authz/model.js';
import { sanitizeName } from '../../registry/names.js';
import type { DesiredPermission, DesiredResource, DesiredServiceResource, Note, Origin } from '../model.js';
import { parsePermission } from '../permission-text.js';
import type { ParsedSource } from '../source.js';
import { type Accounts, ensureGroup, ensureUser, groupProblem, userProblem } from './read-accounts.js';
import type { Provider } from './read-providers.js';
import { guessResourceKinds, resolveResourcePath, splitResource } from './resource-path.js';

const KEYS = new Set(['service', 'resource', 'type', 'user', 'group', 'permission', 'action']);

export interface PermissionContext {
  providers: ReadonlyMap<string, Provider>;
  accounts: Accounts;
  permissions: DesiredPermission[];
  /** Resources of services no file read provides. */
  resources: DesiredServiceResource[];
  notes: Note[];
}

export function readPermissions(source: ParsedSource, section: unknown, context: PermissionContext): void {
  if (section === undefined || section === null) return;
  if (!Array.isArray(section)) {
    context.notes.push({
      severity: 'error',
      origin: source.at(['permissions']),
      message: 'permissions must be a list',
    });
    return;
  }
  section.forEach((entry, i) => {
    readEntry((...path) => source.at(['permissions', i, ...path]), entry, context);
  });
}

function readEntry(
  at: (...path: (string | number)[]) => Origin,
  value: unknown,
  context: PermissionContext,
): void {
  const { notes } = context;
  const origin = at();
  const error = (message: string, ...path: string[]) =>
    notes.push({ severity: 'error', origin: at(...path), message });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    error('a permission entry must be a mapping (service, permission, user or group…)');
    return;
  }
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!KEYS.has(key)) {
      notes.push({
        severity: 'dropped',
        origin: at(key),
        message: `${key}: not a permission field Magpie knows; ignored`,
      });
    }
  }
  const action = entry['action'] ?? 'create';
  if (action !== 'create' && action !== 'remove') {
    // a deny whose action is misspelled (`Create`, `create `) would widen access once ignored
    const parsed = parsePermission(entry['permission']);
    const deny = !('problem' in parsed) && parsed.access === 'deny';
    notes.push({
      severity: deny ? 'error' : 'dropped',
      origin: at('action'),
      message: `action "${String(action)}" is neither create nor remove: Magpie ignores the entry, and so does Twitcher${deny ? '; for a deny that would widen access: write create or remove' : ''}`,
    });
    return;
  }
  if (typeof entry['service'] !== 'string' || entry['service'].trim() === '') {
    error('needs a service', 'service');
    return;
  }
  const permission = parsePermission(entry['permission']);
  if ('problem' in permission) {
    error(`permission ${permission.problem}`, 'permission');
    return;
  }
  const grantees = readGrantees(entry, at, notes);
  if (!grantees) return;
  const resource = entry['resource'] ?? '';
  if (typeof resource !== 'string') {
    error('resource must be a path such as /a/b', 'resource');
    return;
  }
  const segments = splitResource(resource);
  if ('problem' in segments) {
    error(segments.problem, 'resource');
    return;
  }
  const type = entry['type'];
  if (type !== undefined && type !== null && typeof type !== 'string') {
    error('type must be a resource type or a path of them', 'type');
    return;
  }
  const serviceName = sanitizeName(entry['service']);
  const provider = context.providers.get(serviceName);
  const what = `${permission.name}-${permission.access}-${permission.scope} on ${serviceName}${segments.length ? ` /${segments.join('/')}` : ''}`;
  // what cannot be carried: an allow is dropped (narrower), a deny refused (dropping it would widen access)
  const cannot = (reason: string, path: string) => {
    if (permission.access === 'deny') {
      error(
        `${what}: a deny Twitcher cannot carry (${reason}); applying the rest without it would widen access`,
        path,
      );
    } else notes.push({ severity: 'dropped', origin: at(path), message: `${what}: not carried (${reason})` });
  };

  let names: string[];
  let scope = permission.scope;
  let kinds: ResourceKind[] | undefined;
  if (provider === undefined) {
    names = [permission.name];
    if (permission.name === 'access') {
      cannot(
        `"access" is the permission of Magpie access services, and "${serviceName}" is provided by no file read`,
        'permission',
      );
      return;
    }
    if (!isPermissionName(permission.name)) {
      error(`"${permission.name}" is no permission Twitcher knows`, 'permission');
      return;
    }
    kinds =
      segments.length > 0 ? guessResourceKinds(segments, type ?? undefined, permission.name) : undefined;
    notes.push({
      severity: 'info',
      origin,
      message: `service "${serviceName}" is provided by no file read: kept for the store's service of that name${
        segments.length === 0
          ? ''
          : kinds
            ? `, its resource /${segments.join('/')} taken to be a ${kinds[kinds.length - 1]}`
            : `, whose resource /${segments.join('/')} must exist there (its kind cannot be told without the service's type)`
      }`,
    });
  } else if (provider.mapping === undefined) {
    cannot(`the provider "${provider.magpieName}" is not carried`, 'service');
    return;
  } else {
    const mapping = provider.mapping;
    if (segments.length > 0) {
      const resolved = resolveResourcePath(mapping, segments, type ?? undefined);
      if (resolved.problem !== undefined) {
        error(resolved.problem, type === undefined || type === null ? 'resource' : 'type');
        return;
      }
      if (resolved.kinds.some((k) => k === null)) {
        cannot(mapping.resourcesDropped ?? 'no Twitcher resource kind', 'resource');
        return;
      }
      kinds = resolved.kinds as ResourceKind[];
    }
    if (mapping.name === 'access') {
      if (permission.name !== 'access') {
        error(
          `a Magpie access service takes only the permission "access", not "${permission.name}"`,
          'permission',
        );
        return;
      }
      names = ['read', 'write'];
      scope = 'recursive';
      notes.push({
        severity: 'info',
        origin: at('permission'),
        message: `access-${permission.access} on ${serviceName} becomes read and write, ${permission.access}, recursive on the service (every method on every path)`,
      });
    } else {
      const allowed = permissionsFor(mapping.type);
      if (!allowed.includes(permission.name)) {
        error(
          `"${permission.name}" is no permission of a Twitcher ${mapping.type} service (${allowed.join(', ')})`,
          'permission',
        );
        return;
      }
      names = [permission.name];
    }
  }

  for (const grantee of grantees) {
    if (action === 'create') {
      if (grantee.user !== undefined) ensureUser(context.accounts, grantee.user, origin);
      else ensureGroup(context.accounts, grantee.group, origin);
    }
    for (const name of names) {
      context.permissions.push({
        service: serviceName,
        resource: segments,
        grantee,
        permission: name,
        access: permission.access,
        scope,
        action,
        origin,
      });
    }
  }
  // a removal creates nothing: a resource made only to take a permission away would be left behind
  if (action !== 'create' || !kinds) return;
  if (provider?.service) addResources(provider.service.resources, segments, kinds, origin);
  else if (!provider) {
    const own: DesiredResource[] = context.resources.filter((r) => r.service === serviceName);
    const before = own.length;
    addResources(own, segments, kinds, origin);
    context.resources.push(...own.slice(before).map((r) => ({ ...r, service: serviceName })));
  }
}

/** Adds each level of `segments` not in `resources` yet. */
function addResources(
  resources: DesiredResource[],
  segments: readonly string[],
  kinds: readonly ResourceKind[],
  origin: Origin,
): void {
  for (let n = 1; n <= segments.length; n++) {
    const path = segments.slice(0, n);
    const key = path.map(nameKey).join('/');
    if (resources.some((r) => r.path.map(nameKey).join('/') === key)) continue;
    resources.push({ path, kind: kinds[n - 1] as ResourceKind, origin });
  }
}

type Grantee = DesiredPermission['grantee'];

function readGrantees(
  entry: Record<string, unknown>,
  at: (...path: (string | number)[]) => Origin,
  notes: Note[],
): Grantee[] | undefined {
  const grantees: Grantee[] = [];
  let bad = false;
  for (const key of ['user', 'group'] as const) {
    const value = entry[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      notes.push({ severity: 'error', origin: at(key), message: `${key} must be a name` });
      bad = true;
      continue;
    }
    const problem = key === 'user' ? userProblem(value) : groupProblem(value);
    if (problem) {
      notes.push({ severity: 'error', origin: at(key), message: problem });
      bad = true;
      continue;
    }
    grantees.push(key === 'user' ? { user: value } : { group: value });
  }
  if (bad) return undefined;
  if (grantees.length === 0) {
    notes.push({ severity: 'error', origin: at(), message: 'names neither a user nor a group' });
    return undefined;
  }
  return grantees;
}
