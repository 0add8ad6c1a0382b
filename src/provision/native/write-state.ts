/**
 * A desired state written back as a native document in the partial mode (`readNative` with
 * `partial: true`): how `twitcherctl apply` sends what it read where the files are to the admin API.
 * Only the fields the state defines are written, so that "keep what the store has" (a field Magpie's
 * files do not give) survives the trip. A clear secret travels in clear (`password`, `secret`), as
 * `PUT /users/{name}/password` takes one, and is hashed by the server; a hash stays a hash.
 */
import { toServiceJSON } from '../../registry/service.js';
import type { DesiredGroup, DesiredResource, DesiredState, DesiredUser, SecretInput } from '../model.js';
import { formatResourcePath } from '../permission-text.js';
import { NATIVE_FORMAT } from './read-native.js';

/** The document: plain values, ready for JSON. Origins are not carried (the server gives its own). */
export function stateToDocument(state: DesiredState): { format: string; [section: string]: unknown } {
  const services = Object.fromEntries(
    state.services.map((s) => {
      const { name: _name, public: _public, ...fields } = toServiceJSON(s.service);
      return [s.service.name, { ...fields, ...resourcesOf(s.resources) }];
    }),
  );
  const groups = Object.fromEntries(
    byName(state.groups, (g) => g.name, mergeGroups).map((g) => [
      g.name,
      defined({ priority: g.priority, description: g.description }),
    ]),
  );
  const users = Object.fromEntries(
    byName(state.users, (u) => u.username, mergeUsers).map((u) => [
      u.username,
      defined({
        ...secretOf(u.password, 'password', 'passwordHash'),
        admin: u.admin,
        certificateDN: u.certificateDN,
        ...(u.groups.length > 0 && { groups: [...u.groups] }),
      }),
    ]),
  );
  const clients = Object.fromEntries(
    state.clients.map((c) => [
      c.clientId,
      defined({
        name: c.name,
        ...secretOf(c.secret, 'secret', 'secretHash'),
        redirectURI: c.redirectURI,
        scopes: c.scopes && [...c.scopes],
        data: c.data && { ...c.data },
        owner: c.owner,
      }),
    ]),
  );
  const resources: Record<string, Record<string, string>> = {};
  for (const r of state.resources ?? []) {
    resources[r.service] = { ...resources[r.service], [formatResourcePath(r.path)]: r.kind };
  }
  const permissions = state.permissions.map((p) => ({
    service: p.service,
    ...(p.resource.length > 0 && { resource: formatResourcePath(p.resource) }),
    ...(p.grantee.user !== undefined ? { user: p.grantee.user } : { group: p.grantee.group }),
    // the object form: a name is never split at a '-'
    permission: { name: p.permission, access: p.access, scope: p.scope },
    ...(p.action === 'remove' && { action: 'remove' }),
  }));
  return {
    format: NATIVE_FORMAT,
    services,
    groups,
    users,
    clients,
    ...(Object.keys(resources).length > 0 && { resources }),
    permissions,
  };
}

/**
 * One entry per name: several files may name the same user or group (a native file its password,
 * Magpie's its groups), which a document by name cannot hold twice. The first defined value of a
 * field wins; mergeStates (run on the same state before sending) reports two that disagree.
 */
function byName<T>(list: readonly T[], nameOf: (x: T) => string, merge: (a: T, b: T) => T): T[] {
  const out = new Map<string, T>();
  for (const x of list) {
    const before = out.get(nameOf(x));
    out.set(nameOf(x), before === undefined ? x : merge(before, x));
  }
  return [...out.values()];
}

const mergeGroups = (a: DesiredGroup, b: DesiredGroup): DesiredGroup => ({
  ...a,
  priority: a.priority ?? b.priority,
  description: a.description ?? b.description,
});

const mergeUsers = (a: DesiredUser, b: DesiredUser): DesiredUser => ({
  ...a,
  password: a.password ?? b.password,
  admin: a.admin ?? b.admin,
  certificateDN: a.certificateDN === undefined ? b.certificateDN : a.certificateDN,
  groups: [...new Set([...a.groups, ...b.groups])],
});

function resourcesOf(list: readonly DesiredResource[]): { resources?: Record<string, string> } {
  if (list.length === 0) return {};
  return { resources: Object.fromEntries(list.map((r) => [formatResourcePath(r.path), r.kind])) };
}

function secretOf(secret: SecretInput | undefined, plain: string, hash: string): Record<string, string> {
  if (secret === undefined) return {};
  return secret.plain !== undefined ? { [plain]: secret.plain } : { [hash]: secret.hash };
}

/** The object without its undefined members (JSON would drop them anyway; tests compare objects). */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * Where each entry of `stateToDocument(state)` was read, by its path in the document as the server
 * names it (`users.alice`, `permissions.3`, `services.emu.resources./hello`): so that twitcherctl can
 * print a refusal of the server at the files' lines.
 */
export function documentOrigins(state: DesiredState): Map<string, string> {
  const origins = new Map<string, string>();
  for (const s of state.services) {
    origins.set(`services.${s.service.name}`, s.origin);
    for (const r of s.resources)
      origins.set(`services.${s.service.name}.resources.${formatResourcePath(r.path)}`, r.origin);
  }
  // a name given twice: its first place (the document's entry merges them)
  for (const g of [...state.groups].reverse()) origins.set(`groups.${g.name}`, g.origin);
  for (const u of [...state.users].reverse()) origins.set(`users.${u.username}`, u.origin);
  for (const c of state.clients) origins.set(`clients.${c.clientId}`, c.origin);
  for (const r of state.resources ?? [])
    origins.set(`resources.${r.service}.${formatResourcePath(r.path)}`, r.origin);
  for (const [i, p] of state.permissions.entries()) origins.set(`permissions.${i}`, p.origin);
  return origins;
}
