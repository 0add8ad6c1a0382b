/**
 * The plan: what applying the merged files would change in the store, as steps that each say what
 * they do (`+ service emu`) and how (run in the transaction). Nothing is planned while a problem
 * remains: references are checked against the files and the store together first.
 */

import { generatePassword, hashPassword, verifyPassword } from '../auth/password.js';
import type { ResourceRecord } from '../authz/model.js';
import {
  ANONYMOUS_GROUP,
  AUTHENTICATED_GROUP,
  KINDS_BY_SERVICE_TYPE,
  permissionsFor,
  SPECIAL_GROUP_PRIORITIES,
  SPECIAL_GROUPS,
} from '../authz/model.js';
import type { FieldError } from '../errors.js';
import { hashSecret, secretMatches } from '../oauth/client-secret.js';
import { KNOWN_SCOPES } from '../oauth/clients.js';
import { tokenDataProblems } from '../oauth/token-data.js';
import { type Service, toServiceJSON } from '../registry/service.js';
import type { TransactionRepositories } from '../store/types.js';
import { certificateDNProblem, MIN_PASSWORD, USERNAME } from '../users/users.js';
import { describePermission, granteeLabel, type Merged, permissionKey } from './merge.js';
import type { DesiredPermission, Note, PlannedChange, SecretInput } from './model.js';
import { formatResourcePath } from './permission-text.js';
import { pathKey, type Snapshot } from './snapshot.js';

export interface PlanOptions {
  prune: boolean;
  allowPlainPasswords: boolean;
  adminUsername: string;
}

/** Resource ids by pathKey: those of the store, and those created by earlier steps. */
export type ResourceIds = Map<string, number>;

export interface Step {
  change: PlannedChange;
  run(tx: TransactionRepositories, ids: ResourceIds): Promise<void>;
}

/**
 * A `${NAME}` left in a clear secret: a document sent to POST /provision as written (curl, a script)
 * is not expanded there, and the secret would be the reference itself, which the committed file shows.
 */
const UNEXPANDED = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;
const unexpanded = (what: string) =>
  `${what} is a variable reference that was never expanded (the admin API expands nothing: send the files with twitcherctl apply, which expands them where they are)`;

/** Checks every reference of `m` against itself and `snap`; problems go to `notes` as errors. */
export function checkReferences(m: Merged, snap: Snapshot, options: PlanOptions, notes: Note[]): void {
  const error = (origin: string, message: string) => notes.push({ severity: 'error', origin, message });
  const serviceOf = (name: string): Service | undefined =>
    m.services.get(name)?.service ?? (options.prune ? undefined : snap.services.get(name));
  const unknownService = (name: string) =>
    snap.services.has(name)
      ? `the service "${name}" is not in the files, and --prune would remove it`
      : `no service "${name}" in the files or the store`;
  const userKnown = (u: string) => m.users.has(u) || snap.users.has(u);
  const groupKnown = (g: string) => m.groups.has(g) || snap.groups.has(g);

  for (const r of m.resources.values()) {
    const service = serviceOf(r.service);
    if (!service) {
      error(r.origin, `${formatResourcePath(r.path)}: ${unknownService(r.service)}`);
      continue;
    }
    if (!KINDS_BY_SERVICE_TYPE[service.type].includes(r.kind)) {
      error(
        r.origin,
        `${formatResourcePath(r.path)}: a ${service.type} service holds ${KINDS_BY_SERVICE_TYPE[service.type].join(' and ')} resources, not ${r.kind}`,
      );
    }
    const stored = snap.resources
      .get(r.service)
      ?.find((s) => pathKey(r.service, s.path) === pathKey(r.service, r.path));
    // a kind that differs while the type stays is a mistake; with a new type the resource is replaced
    if (stored && stored.record.kind !== r.kind && service.type === snap.services.get(r.service)?.type) {
      error(
        r.origin,
        `${formatResourcePath(r.path)} of ${r.service} is a ${stored.record.kind} in the store, not a ${r.kind}`,
      );
    }
  }
  for (const u of m.users.values()) {
    if (u.username === options.adminUsername) {
      error(u.origin, `"${u.username}" is the administrator, kept by the admin.* settings, not by files`);
    } else if (!USERNAME.test(u.username)) {
      error(
        u.origin,
        `"${u.username}": a user name is 1 to 128 letters, digits or ._@- (starting with a letter or digit)`,
      );
    }
    if (u.password?.plain !== undefined) {
      if (UNEXPANDED.test(u.password.plain)) {
        error(u.origin, unexpanded(`the password of "${u.username}"`));
      } else if (u.password.literal && !options.allowPlainPasswords) {
        error(
          u.origin,
          `the password of "${u.username}" is written in clear in the file: use passwordHash (twitcher hash-password), \${VARIABLE} or passwordFile, or --allow-plain-passwords`,
        );
      } else if (u.password.plain.length < MIN_PASSWORD) {
        error(u.origin, `the password of "${u.username}" must have at least ${MIN_PASSWORD} characters`);
      }
    }
    if (u.password?.hash !== undefined && !u.password.hash.startsWith('scrypt$')) {
      error(
        u.origin,
        `the passwordHash of "${u.username}" is not a hash of twitcher hash-password (scrypt$…)`,
      );
    }
    if (typeof u.certificateDN === 'string') {
      const problem = certificateDNProblem(u.certificateDN);
      if (problem) error(u.origin, `certificateDN of "${u.username}" ${problem}`);
    }
    for (const g of u.groups) {
      if (g === ANONYMOUS_GROUP || g === AUTHENTICATED_GROUP) {
        error(
          u.origin,
          `"${u.username}" cannot be made a member of "${g}": everyone${g === AUTHENTICATED_GROUP ? ' with a credential' : ''} is`,
        );
      } else if (!groupKnown(g))
        error(u.origin, `"${u.username}" is a member of "${g}": no such group in the files or the store`);
    }
  }
  for (const g of m.groups.values()) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(g.name)) {
      error(g.origin, `"${g.name}": a group name is 1 to 64 letters, digits or ._@-`);
    }
  }
  for (const c of m.clients.values()) {
    const isNew = !snap.clients.has(c.clientId);
    if (!/^[\x21-\x7e]{1,128}$/.test(c.clientId))
      error(c.origin, `"${c.clientId}": a client id is 1 to 128 printable characters without spaces`);
    if (isNew && c.secret === undefined)
      error(c.origin, `the new client "${c.clientId}" needs secretHash, secret or secretFile`);
    if (c.secret?.plain !== undefined && UNEXPANDED.test(c.secret.plain)) {
      error(c.origin, unexpanded(`the secret of "${c.clientId}"`));
    } else if (c.secret?.plain !== undefined && c.secret.literal && !options.allowPlainPasswords) {
      error(
        c.origin,
        `the secret of "${c.clientId}" is written in clear in the file: use secretHash, \${VARIABLE} or secretFile, or --allow-plain-passwords`,
      );
    }
    if (c.secret?.hash !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(c.secret.hash)) {
      // no secret ever matches another value: a clear secret put there by mistake would sit in the file
      error(
        c.origin,
        `the secretHash of "${c.clientId}" is not a hash as twitcher export writes it (43 characters of SHA-256, base64url)`,
      );
    }
    if (c.owner && !userKnown(c.owner))
      error(c.origin, `the owner "${c.owner}" of "${c.clientId}" is no user of the files or the store`);
    if (c.scopes !== undefined) {
      const unknown = c.scopes.filter((s) => !(KNOWN_SCOPES as readonly string[]).includes(s));
      if (unknown.length > 0)
        error(c.origin, `unknown scope(s) ${unknown.join(', ')} (known: ${KNOWN_SCOPES.join(', ')})`);
      if (c.scopes.length === 0) error(c.origin, `the scopes of "${c.clientId}" must not be empty`);
    }
    if (c.redirectURI) {
      try {
        if (new URL(c.redirectURI).hash) throw new Error('fragment');
      } catch {
        error(c.origin, `the redirectURI of "${c.clientId}" must be an absolute URL without a fragment`);
      }
    }
    if (c.data !== undefined)
      for (const p of tokenDataProblems(c.data, 'data')) error(c.origin, `${p.field} ${p.message}`);
  }
  for (const p of m.grants.values()) {
    const service = serviceOf(p.service);
    if (!service) {
      error(p.origin, `${describePermission(p)}: ${unknownService(p.service)}`);
      continue;
    }
    if (!permissionsFor(service.type).includes(p.permission)) {
      error(
        p.origin,
        `${describePermission(p)}: a ${service.type} service takes ${permissionsFor(service.type).join(', ')}`,
      );
    }
    if (p.resource.length > 0) {
      const key = pathKey(p.service, p.resource);
      const stored =
        (m.services.has(p.service) || !options.prune) &&
        snap.resources.get(p.service)?.some((r) => pathKey(p.service, r.path) === key);
      if (!m.resources.has(key) && !stored) {
        error(
          p.origin,
          `${describePermission(p)}: the resource ${formatResourcePath(p.resource)} is neither in the files (services.${p.service}.resources) nor in the store`,
        );
      }
    }
    if (p.grantee.user !== undefined && !userKnown(p.grantee.user)) {
      error(p.origin, `${describePermission(p)}: no user "${p.grantee.user}" in the files or the store`);
    }
    if (p.grantee.group !== undefined && !groupKnown(p.grantee.group)) {
      error(p.origin, `${describePermission(p)}: no group "${p.grantee.group}" in the files or the store`);
    }
  }
}

const fieldChange = (field: string, before: unknown, after: unknown): string =>
  `${field}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`;

async function passwordDiffers(secret: SecretInput, storedHash: string): Promise<boolean> {
  return secret.hash !== undefined
    ? secret.hash !== storedHash
    : !(await verifyPassword(secret.plain, storedHash));
}

const hashOfPassword = (secret: SecretInput): Promise<string> =>
  secret.hash !== undefined ? Promise.resolve(secret.hash) : hashPassword(secret.plain);

/** The steps that make the store match `m` (references already checked). */
export async function planSteps(m: Merged, snap: Snapshot, options: PlanOptions): Promise<Step[]> {
  const steps: Step[] = [];
  const add = (change: Omit<PlannedChange, 'details'> & { details?: string[] }, run: Step['run']) =>
    steps.push({ change: { details: [], ...change }, run });

  // groups
  for (const g of m.groups.values()) {
    const stored = snap.groups.get(g.name);
    if (!stored) {
      const priority = g.priority ?? SPECIAL_GROUP_PRIORITIES[g.name] ?? 0;
      add({ action: 'add', kind: 'group', key: g.name, details: [`priority ${priority}`] }, async (tx) => {
        await tx.groups.create({ name: g.name, priority, description: g.description ?? '' });
      });
      continue;
    }
    const details: string[] = [];
    if (g.priority !== undefined && g.priority !== stored.priority)
      details.push(fieldChange('priority', stored.priority, g.priority));
    if (g.description !== undefined && g.description !== stored.description)
      details.push(fieldChange('description', stored.description, g.description));
    if (details.length > 0) {
      add({ action: 'change', kind: 'group', key: g.name, details }, async (tx) => {
        await tx.groups.update(g.name, {
          ...(g.priority !== undefined && { priority: g.priority }),
          ...(g.description !== undefined && { description: g.description }),
        });
      });
    }
  }
  // users
  for (const u of m.users.values()) {
    const stored = snap.users.get(u.username);
    if (!stored) {
      add(
        {
          action: 'add',
          kind: 'user',
          key: u.username,
          details: [
            u.password ? 'password from the files' : 'a random password nobody knows',
            ...(u.admin ? ['administrator'] : []),
          ],
        },
        async (tx) => {
          await tx.users.create({
            username: u.username,
            passwordHash: u.password
              ? await hashOfPassword(u.password)
              : await hashPassword(generatePassword()),
            isAdmin: u.admin ?? false,
            ...(typeof u.certificateDN === 'string' && { certificateDN: u.certificateDN }),
          });
        },
      );
      continue;
    }
    const details: string[] = [];
    const newPassword = u.password !== undefined && (await passwordDiffers(u.password, stored.passwordHash));
    if (newPassword) details.push('password: changed');
    if (u.admin !== undefined && u.admin !== stored.isAdmin)
      details.push(fieldChange('admin', stored.isAdmin, u.admin));
    const dn = u.certificateDN === undefined ? undefined : (u.certificateDN ?? undefined);
    const dnChanged = u.certificateDN !== undefined && dn !== stored.certificateDN;
    if (dnChanged) details.push(fieldChange('certificateDN', stored.certificateDN ?? null, dn ?? null));
    if (details.length > 0) {
      add({ action: 'change', kind: 'user', key: u.username, details }, async (tx) => {
        if (newPassword && u.password)
          await tx.users.setPasswordHash(u.username, await hashOfPassword(u.password));
        if (u.admin !== undefined && u.admin !== stored.isAdmin) await tx.users.setAdmin(u.username, u.admin);
        if (dnChanged) await tx.users.setCertificateDN(u.username, dn);
      });
    }
  }
  // memberships
  for (const u of m.users.values()) {
    const current = snap.memberships.get(u.username) ?? new Set<string>();
    for (const g of u.groups) {
      if (current.has(g)) continue;
      add({ action: 'add', kind: 'membership', key: `${u.username} in ${g}` }, async (tx) => {
        await tx.groups.addMember(g, u.username);
      });
    }
  }
  // services
  for (const { service } of m.services.values()) {
    const stored = snap.services.get(service.name);
    if (!stored) {
      add(
        {
          action: 'add',
          kind: 'service',
          key: service.name,
          details: [`${service.type}, auth ${service.auth}, ${service.url}`],
        },
        async (tx) => {
          await tx.services.create(service);
        },
      );
      continue;
    }
    const before = toServiceJSON(stored) as unknown as Record<string, unknown>;
    const after = toServiceJSON(service) as unknown as Record<string, unknown>;
    const details = Object.keys(after)
      .filter((k) => k !== 'public' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      .map((k) => fieldChange(k, before[k], after[k]));
    if (details.length > 0) {
      add({ action: 'change', kind: 'service', key: service.name, details }, async (tx) => {
        await tx.services.put(service);
      });
    }
  }
  // resources the files give another kind (the service's type changed): removed, with what is
  // under them and their permissions, then added again as the files say
  const gone = replacedResources(m, snap);
  for (const { service, path, record, top, kind } of gone.values()) {
    if (!top) continue;
    add(
      {
        action: 'remove',
        kind: 'resource',
        key: `${service} ${formatResourcePath(path)}`,
        details: [
          `a ${record.kind} of the former type, with what is under it and its permissions; added again as a ${kind}`,
        ],
      },
      async (tx, ids) => {
        await tx.resources.delete(record.id);
        for (const g of gone.values()) if (g.service === service) ids.delete(pathKey(service, g.path));
      },
    );
  }
  // resources, parents first
  const storedPaths = new Set<string>();
  for (const [service, list] of snap.resources)
    for (const r of list) if (!gone.has(r.record.id)) storedPaths.add(pathKey(service, r.path));
  const newResources = [...m.resources.values()]
    .filter((r) => !storedPaths.has(pathKey(r.service, r.path)))
    .sort((a, b) => a.path.length - b.path.length);
  for (const r of newResources) {
    add(
      {
        action: 'add',
        kind: 'resource',
        key: `${r.service} ${formatResourcePath(r.path)}`,
        details: [r.kind],
      },
      async (tx, ids) => {
        const parentId = r.path.length > 1 ? ids.get(pathKey(r.service, r.path.slice(0, -1))) : undefined;
        const created = await tx.resources.create({
          service: r.service,
          ...(parentId !== undefined && { parentId }),
          kind: r.kind,
          name: r.path[r.path.length - 1] as string,
        });
        ids.set(pathKey(r.service, r.path), created.id);
      },
    );
  }
  // clients
  for (const c of m.clients.values()) {
    const stored = snap.clients.get(c.clientId);
    const secretHash = c.secret === undefined ? undefined : (c.secret.hash ?? hashSecret(c.secret.plain));
    if (!stored) {
      add(
        {
          action: 'add',
          kind: 'client',
          key: c.clientId,
          details: [
            `"${c.name ?? 'client'}", scopes ${(c.scopes ?? ['compute']).join(' ')}${c.owner ? `, owner ${c.owner}` : ''}`,
          ],
        },
        async (tx) => {
          await tx.clients.create({
            clientId: c.clientId,
            name: c.name ?? 'client',
            secretHash: secretHash as string,
            redirectURI: c.redirectURI ?? '',
            scopes: c.scopes ?? ['compute'],
            data: c.data ?? {},
            createdAt: Date.now(),
            ...(c.owner && { owner: c.owner }),
          });
        },
      );
      continue;
    }
    const details: string[] = [];
    const changes: Parameters<TransactionRepositories['clients']['update']>[1] = {};
    if (c.name !== undefined && c.name !== stored.name) {
      details.push(fieldChange('name', stored.name, c.name));
      changes.name = c.name;
    }
    if (c.redirectURI !== undefined && c.redirectURI !== stored.redirectURI) {
      details.push(fieldChange('redirectURI', stored.redirectURI, c.redirectURI));
      changes.redirectURI = c.redirectURI;
    }
    if (c.scopes !== undefined && c.scopes.join(' ') !== stored.scopes.join(' ')) {
      details.push(fieldChange('scopes', stored.scopes, c.scopes));
      changes.scopes = c.scopes;
    }
    if (c.data !== undefined && JSON.stringify(sortKeys(c.data)) !== JSON.stringify(sortKeys(stored.data))) {
      details.push(fieldChange('data', stored.data, c.data));
      changes.data = c.data;
    }
    if (c.owner !== undefined && (c.owner ?? undefined) !== stored.owner) {
      details.push(fieldChange('owner', stored.owner ?? null, c.owner));
      changes.owner = c.owner;
    }
    const secretChanged =
      c.secret !== undefined &&
      (c.secret.hash !== undefined
        ? c.secret.hash !== stored.secretHash
        : !secretMatches(c.secret.plain, stored.secretHash));
    if (secretChanged) {
      details.push('secret: changed');
      changes.secretHash = secretHash as string;
    }
    if (details.length > 0) {
      add({ action: 'change', kind: 'client', key: c.clientId, details }, async (tx) => {
        await tx.clients.update(c.clientId, changes);
      });
    }
  }
  // permissions
  const storedByKey = new Map<string, { id: number; access: string; scope: string }>();
  for (const p of snap.permissions) {
    if (p.resourceId !== undefined && gone.has(p.resourceId)) continue; // deleted with its resource
    const key = storedPermissionKey(p, snap);
    if (key) storedByKey.set(key, p);
  }
  const grant =
    (p: DesiredPermission): Step['run'] =>
    async (tx, ids) => {
      const resourceId = p.resource.length > 0 ? ids.get(pathKey(p.service, p.resource)) : undefined;
      await tx.permissions.grant({
        grantee: p.grantee,
        service: p.service,
        ...(resourceId !== undefined && { resourceId }),
        permission: p.permission,
        access: p.access,
        scope: p.scope,
      });
    };
  for (const [key, p] of m.removals) {
    const stored = storedByKey.get(key);
    if (!stored || !removalTakes(p, stored)) continue;
    add(
      {
        action: 'remove',
        kind: 'permission',
        key: describePermission({ ...p, access: stored.access as never, scope: stored.scope as never }),
      },
      async (tx) => {
        await tx.permissions.revoke(stored.id);
      },
    );
  }
  for (const [key, p] of m.grants) {
    const stored = storedByKey.get(key);
    if (!stored) {
      add({ action: 'add', kind: 'permission', key: describePermission(p) }, grant(p));
    } else if (stored.access !== p.access || stored.scope !== p.scope) {
      add(
        {
          action: 'change',
          kind: 'permission',
          key: describePermission(p),
          details: [`was ${p.permission}-${stored.access}-${stored.scope}`],
        },
        async (tx, ids) => {
          await tx.permissions.revoke(stored.id);
          await grant(p)(tx, ids);
        },
      );
    }
  }
  if (options.prune) prune(m, snap, options, storedByKey, add, gone);
  return steps;
}

/**
 * Whether a removal entry takes away the stored permission of its key: an allow removal takes any
 * allow (whatever its scope: the file wants no allow left), a deny removal only the deny of its own
 * scope. Never a deny for an allow removal: the file would widen access while its text narrows it.
 */
function removalTakes(p: DesiredPermission, stored: { access: string; scope: string }): boolean {
  if (p.access !== stored.access) return false;
  return p.access === 'allow' || p.scope === stored.scope;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

interface Replaced {
  service: string;
  path: string[];
  record: ResourceRecord;
  /** The resource the files give another kind (not one only under it). */
  top: boolean;
  /** The kind the files give it (top ones). */
  kind: string;
}

/**
 * Stored resources at a path the files give another kind, on a service whose type the files change
 * (a wms service's layer /data, now a thredds directory): kept, the files' permissions would go on
 * the old resource, which the new type's requests never reach. By record id, with those under them.
 */
function replacedResources(m: Merged, snap: Snapshot): Map<number, Replaced> {
  const out = new Map<number, Replaced>();
  for (const r of m.resources.values()) {
    const type = m.services.get(r.service)?.service.type;
    if (type === undefined || type === snap.services.get(r.service)?.type) continue;
    const list = snap.resources.get(r.service) ?? [];
    const stored = list.find((s) => pathKey(r.service, s.path) === pathKey(r.service, r.path));
    if (!stored || stored.record.kind === r.kind || out.has(stored.record.id)) continue;
    out.set(stored.record.id, {
      service: r.service,
      path: stored.path,
      record: stored.record,
      top: true,
      kind: r.kind,
    });
    const prefix = pathKey(r.service, stored.path);
    for (const s of list) {
      if (s.path.length <= stored.path.length || out.has(s.record.id)) continue;
      if (pathKey(r.service, s.path.slice(0, stored.path.length)) !== prefix) continue;
      out.set(s.record.id, {
        service: r.service,
        path: s.path,
        record: s.record,
        top: false,
        kind: s.record.kind,
      });
    }
  }
  // a top one under another top one goes with it
  for (const g of out.values()) {
    if (!g.top) continue;
    for (const other of out.values()) {
      if (other === g || !other.top || other.service !== g.service || other.path.length >= g.path.length)
        continue;
      if (pathKey(g.service, g.path.slice(0, other.path.length)) === pathKey(other.service, other.path))
        g.top = false;
    }
  }
  return out;
}

/** The merge key of a stored permission (undefined when its resource is not in the snapshot). */
function storedPermissionKey(p: Snapshot['permissions'][number], snap: Snapshot): string | undefined {
  let resource: string[] = [];
  if (p.resourceId !== undefined) {
    const r = snap.resources.get(p.service)?.find((x) => x.record.id === p.resourceId);
    if (!r) return undefined;
    resource = r.path;
  }
  return permissionKey({ grantee: p.grantee, service: p.service, resource, permission: p.permission });
}

/** Removal steps for what the files do not name (the administrator and special groups stay). */
function prune(
  m: Merged,
  snap: Snapshot,
  options: PlanOptions,
  storedByKey: Map<string, { id: number; access: string; scope: string }>,
  add: (change: Omit<PlannedChange, 'details'> & { details?: string[] }, run: Step['run']) => void,
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

export function fieldsOf(notes: readonly Note[]): FieldError[] {
  return notes.map((n) => ({ field: n.origin, message: n.message }));
}

export { granteeLabel };
