/** What the store holds, read once at the start of a provisioning transaction (the planner's "before"). */
import type { GroupRecord, PermissionRecord, ResourceRecord } from '../authz/model.js';
import type { Service } from '../registry/service.js';
import type { ClientRecord, StoreRepositories, UserRecord } from '../store/types.js';

export interface Snapshot {
  services: Map<string, Service>;
  /** By service: every resource, with its path of names from the service down. */
  resources: Map<string, { record: ResourceRecord; path: string[] }[]>;
  users: Map<string, UserRecord>;
  groups: Map<string, GroupRecord>;
  /** User name → names of the groups it is a member of. */
  memberships: Map<string, Set<string>>;
  clients: Map<string, ClientRecord>;
  permissions: PermissionRecord[];
}

export async function readSnapshot(repos: StoreRepositories): Promise<Snapshot> {
  const services = new Map((await repos.services.list()).map((s) => [s.name, s]));
  const resources = new Map<string, { record: ResourceRecord; path: string[] }[]>();
  for (const name of services.keys()) {
    const list = await repos.resources.list(name);
    const byId = new Map(list.map((r) => [r.id, r]));
    const pathOf = (r: ResourceRecord): string[] => {
      const names: string[] = [];
      for (
        let at: ResourceRecord | undefined = r;
        at;
        at = at.parentId === undefined ? undefined : byId.get(at.parentId)
      ) {
        names.unshift(at.name);
      }
      return names;
    };
    resources.set(
      name,
      list.map((record) => ({ record, path: pathOf(record) })),
    );
  }
  const users = new Map((await repos.users.list()).map((u) => [u.username, u]));
  const groups = new Map((await repos.groups.list()).map((g) => [g.name, g]));
  const memberships = new Map<string, Set<string>>();
  for (const group of groups.keys()) {
    for (const user of await repos.groups.members(group)) {
      const set = memberships.get(user) ?? new Set<string>();
      set.add(group);
      memberships.set(user, set);
    }
  }
  const clients = new Map((await repos.clients.list()).map((c) => [c.clientId, c]));
  const permissions = await repos.permissions.list();
  return { services, resources, users, groups, memberships, clients, permissions };
}

/** The key of a resource path: names compare case-insensitively. */
export function pathKey(service: string, path: readonly string[]): string {
  return `${service}\u0000${path.map((n) => n.toLowerCase()).join('\u0000')}`;
}
