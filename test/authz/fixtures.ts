import { ACLIndex } from '../../src/authz/acl-index.js';
import type {
  Access,
  PermissionRecord,
  Principal,
  ResourceKind,
  ResourceRecord,
  Scope,
} from '../../src/authz/model.js';

/** A small builder of one service's ACL, for table tests. */
export class ACLBuilder {
  readonly resources: ResourceRecord[] = [];
  readonly permissions: PermissionRecord[] = [];
  #id = 1;

  constructor(readonly service = 'svc') {}

  /** Adds a resource; `parent` is the name of an earlier one. Returns its id. */
  add(kind: ResourceKind, name: string, parent?: string): number {
    const parentId = parent === undefined ? undefined : this.id(parent);
    const id = this.#id++;
    this.resources.push({ id, service: this.service, parentId, kind, name, createdAt: 0 });
    return id;
  }

  id(name: string): number {
    const r = this.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name}`);
    return r.id;
  }

  /** `who` is `user:alice` or `group:staff`; `on` a resource name or undefined for the service. */
  grant(who: string, permission: string, access: Access, scope: Scope, on?: string): this {
    const [kind, name = ''] = who.split(':');
    this.permissions.push({
      id: this.#id++,
      grantee: kind === 'user' ? { user: name } : { group: name },
      service: this.service,
      resourceId: on === undefined ? undefined : this.id(on),
      permission,
      access,
      scope,
      createdAt: 0,
    });
    return this;
  }

  index(): ACLIndex {
    return new ACLIndex({ service: this.service, resources: this.resources, permissions: this.permissions });
  }
}

/** `principal('alice', ['staff:5'])`: user alice in group staff of priority 5 (and the special ones). */
export function principal(user: string | undefined, groups: string[] = [], admin = false): Principal {
  const parsed = groups.map((g) => {
    const [name = '', priority = '0'] = g.split(':');
    return { name, priority: Number(priority) };
  });
  const authenticated = user !== undefined;
  return {
    label: user === undefined ? 'anonymous' : `user:${user}`,
    user,
    groups: [
      { name: 'anonymous', priority: -1 },
      ...(authenticated ? [{ name: 'authenticated', priority: 0 }] : []),
      ...parsed,
    ],
    admin,
    authenticated,
  };
}
