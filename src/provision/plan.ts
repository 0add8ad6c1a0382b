/**
 * The plan: what applying the merged files would change in the store, as steps that each say what
 * they do (`+ service emu`) and how (run in the transaction). Nothing is planned while a problem
 * remains: check-references.ts checks the files against the store first; prune.ts adds removals.
 */

import { generatePassword, hashPassword, verifyPassword } from '../auth/password.js';
import type { Access, ResourceRecord, Scope } from '../authz/model.js';
import { SPECIAL_GROUP_PRIORITIES } from '../authz/model.js';
import { hashSecret, secretMatches } from '../oauth/client-secret.js';
import { DEFAULT_CLIENT_SCOPES } from '../oauth/clients.js';
import { toServiceJSON } from '../registry/service.js';
import type { TransactionRepositories } from '../store/types.js';
import { describePermission, type Merged } from './merge.js';
import type { DesiredPermission, PlannedChange, SecretInput } from './model.js';
import { formatPermission, formatResourcePath } from './permission-text.js';
import type { PlanOptions, ResourceIds, Step } from './plan-types.js';
import { prune, removalTakes, storedPermissionKey } from './prune.js';
import { pathKey, type Snapshot } from './snapshot.js';

export type { PlanOptions, ResourceIds, Step };

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
            `"${c.name ?? 'client'}", scopes ${(c.scopes ?? DEFAULT_CLIENT_SCOPES).join(' ')}${c.owner ? `, owner ${c.owner}` : ''}`,
          ],
        },
        async (tx) => {
          await tx.clients.create({
            clientId: c.clientId,
            name: c.name ?? 'client',
            secretHash: secretHash as string,
            redirectURI: c.redirectURI ?? '',
            scopes: c.scopes ?? DEFAULT_CLIENT_SCOPES,
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
          details: [
            `was ${formatPermission({ name: p.permission, access: stored.access as Access, scope: stored.scope as Scope })}`,
          ],
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
