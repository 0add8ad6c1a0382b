import type {
  AuditPageJSON,
  AuditQuery,
  EffectiveJSON,
  GrantInput,
  GroupJSON,
  PermissionJSON,
  ResourceJSON,
  ResourceKind,
  UserJSON,
} from './authz-types.js';
import { badResponse } from './parse-answer.js';
import type { HttpAnswer, HttpCall } from './transport.js';

/** How the API object reaches the server: the client's own authenticated call (administrator). */
export type AdminCall = (call: {
  method: HttpCall['method'];
  path: string;
  body?: object;
}) => Promise<HttpAnswer & { url: string }>;

const segment = encodeURIComponent;

function object<T>(answer: HttpAnswer & { url: string }, member: string): T {
  const body = answer.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !(member in body)) {
    throw badResponse(answer.url, answer.status, `without the expected JSON object (no "${member}")`);
  }
  return body as T;
}

function array<T>(answer: HttpAnswer & { url: string }): T[] {
  if (!Array.isArray(answer.body))
    throw badResponse(answer.url, answer.status, 'without the expected JSON array');
  return answer.body as T[];
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function time(value: string | number | Date | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
}

/**
 * Fine-grained authorization on the admin API (administrator): users, groups and their members,
 * each service's resource tree, permissions, effective permissions and why, the audit log. Reached
 * as `client.authz`. Every failure is a `TwitcherClientError` with the server's stable `code`
 * (`unknown_reference`, `duplicate_grant`, `group_in_use`, `resource_cycle`, `invalid_resource`…).
 *
 * @example
 * const client = new TwitcherClient({ url: 'http://localhost:8000', password: 'secret' });
 * await client.authz.addGroup({ name: 'staff', priority: 5 });
 * await client.authz.addMember('staff', 'alice');
 * await client.authz.grant({ group: 'staff', service: 'emu', permission: 'execute' });
 * const why = await client.authz.effective('alice', { service: 'emu', resource: 'hello', permission: 'execute' });
 */
export class AuthorizationAPI {
  readonly #call: AdminCall;

  constructor(call: AdminCall) {
    this.#call = call;
  }

  // ------------------------------------------------------------------ users

  /**
   * Lists the users (`GET /users`).
   *
   * @example
   * const names = (await client.authz.listUsers()).map((u) => u.username);
   */
  async listUsers(): Promise<UserJSON[]> {
    return array(await this.#call({ method: 'GET', path: '/users' }));
  }

  /**
   * Gets a user (`GET /users/{name}`); unknown: code `not_found`.
   *
   * @example
   * const alice = await client.authz.getUser('alice');
   */
  async getUser(username: string): Promise<UserJSON> {
    return object(await this.#call({ method: 'GET', path: `/users/${segment(username)}` }), 'username');
  }

  /**
   * Adds a user (`POST /users`); the password is stored as an scrypt hash. `certificateDN`: client
   * certificates with this subject act for the user (RFC 4514 or `/one/line` form).
   *
   * @example
   * await client.authz.addUser({ username: 'alice', password: 'a long password', certificateDN: '/O=Example/CN=alice' });
   */
  async addUser(input: { username: string; password: string; certificateDN?: string }): Promise<UserJSON> {
    const body = {
      username: input.username,
      password: input.password,
      ...(input.certificateDN !== undefined && { certificate_dn: input.certificateDN }),
    };
    return object(await this.#call({ method: 'POST', path: '/users', body }), 'username');
  }

  /**
   * Changes a user's password and/or certificate DN (`PATCH /users/{name}`); `certificateDN: null` clears it.
   *
   * @example
   * await client.authz.updateUser('alice', { certificateDN: 'CN=alice,OU=Users,O=Example' });
   */
  async updateUser(
    username: string,
    changes: { password?: string; certificateDN?: string | null },
  ): Promise<void> {
    const body = {
      ...(changes.password !== undefined && { password: changes.password }),
      ...(changes.certificateDN !== undefined && { certificate_dn: changes.certificateDN }),
    };
    await this.#call({ method: 'PATCH', path: `/users/${segment(username)}`, body });
  }

  /**
   * Removes a user, its memberships and its permissions (`DELETE /users/{name}`).
   *
   * @example
   * await client.authz.deleteUser('alice');
   */
  async deleteUser(username: string): Promise<void> {
    await this.#call({ method: 'DELETE', path: `/users/${segment(username)}` });
  }

  /**
   * The groups a user is a member of (`GET /users/{name}/groups`).
   *
   * @example
   * const groups = (await client.authz.userGroups('alice')).map((g) => g.name);
   */
  async userGroups(username: string): Promise<GroupJSON[]> {
    return array(await this.#call({ method: 'GET', path: `/users/${segment(username)}/groups` }));
  }

  /**
   * The effective permissions of a user on a service or one of its resources, and why
   * (`GET /users/{name}/effective`): without `permission`, every permission of the service type.
   *
   * @example
   * const e = await client.authz.effective('alice', { service: 'emu', resource: 'hello', permission: 'execute' });
   * console.log(e.permissions[0]?.allow, e.permissions[0]?.rule);
   */
  async effective(
    username: string,
    options: { service: string; resource?: string | number; permission?: string },
  ): Promise<EffectiveJSON> {
    const q = query({ service: options.service, resource: options.resource, permission: options.permission });
    return object(
      await this.#call({ method: 'GET', path: `/users/${segment(username)}/effective${q}` }),
      'permissions',
    );
  }

  // ------------------------------------------------------------------ groups

  /**
   * Lists the groups (`GET /groups`), the built-in ones included.
   *
   * @example
   * for (const g of await client.authz.listGroups()) console.log(g.name, g.priority);
   */
  async listGroups(): Promise<GroupJSON[]> {
    return array(await this.#call({ method: 'GET', path: '/groups' }));
  }

  /**
   * Gets a group and its members (`GET /groups/{name}`).
   *
   * @example
   * const { members } = await client.authz.getGroup('staff');
   */
  async getGroup(name: string): Promise<GroupJSON> {
    return object(await this.#call({ method: 'GET', path: `/groups/${segment(name)}` }), 'name');
  }

  /**
   * Adds a group (`POST /groups`); a name taken: code `duplicate_name`.
   *
   * @example
   * await client.authz.addGroup({ name: 'staff', priority: 5, description: 'Our staff' });
   */
  async addGroup(input: { name: string; priority?: number; description?: string }): Promise<GroupJSON> {
    return object(await this.#call({ method: 'POST', path: '/groups', body: input }), 'name');
  }

  /**
   * Changes a group's priority or description (`PATCH /groups/{name}`).
   *
   * @example
   * await client.authz.updateGroup('staff', { priority: 10 });
   */
  async updateGroup(name: string, changes: { priority?: number; description?: string }): Promise<GroupJSON> {
    return object(
      await this.#call({ method: 'PATCH', path: `/groups/${segment(name)}`, body: changes }),
      'name',
    );
  }

  /**
   * Removes a group (`DELETE /groups/{name}`): refused (`group_in_use`) while it has members or permissions.
   *
   * @example
   * await client.authz.deleteGroup('staff');
   */
  async deleteGroup(name: string): Promise<void> {
    await this.#call({ method: 'DELETE', path: `/groups/${segment(name)}` });
  }

  /**
   * Adds a user to a group (`PUT /groups/{name}/members/{user}`); true when added, false when it already was.
   *
   * @example
   * await client.authz.addMember('administrators', 'alice');
   */
  async addMember(group: string, username: string): Promise<boolean> {
    const answer = await this.#call({
      method: 'PUT',
      path: `/groups/${segment(group)}/members/${segment(username)}`,
    });
    return answer.status === 201;
  }

  /**
   * Removes a user from a group (`DELETE /groups/{name}/members/{user}`).
   *
   * @example
   * await client.authz.removeMember('staff', 'alice');
   */
  async removeMember(group: string, username: string): Promise<void> {
    await this.#call({ method: 'DELETE', path: `/groups/${segment(group)}/members/${segment(username)}` });
  }

  // ------------------------------------------------------------------ resources

  /**
   * A service's resources, parents first (`GET /services/{name}/resources`).
   *
   * @example
   * for (const r of await client.authz.listResources('maps')) console.log(r.id, r.kind, r.path);
   */
  async listResources(service: string): Promise<ResourceJSON[]> {
    return array(await this.#call({ method: 'GET', path: `/services/${segment(service)}/resources` }));
  }

  /**
   * Adds a resource (`POST /services/{name}/resources`); `parent`: an id or a path of names.
   *
   * @example
   * await client.authz.addResource('emu', { kind: 'process', name: 'hello' });
   * await client.authz.addResource('thredds', { kind: 'path', name: 'cmip6', parent: 'birdhouse' });
   */
  async addResource(
    service: string,
    input: { kind: ResourceKind; name: string; parent?: number | string },
  ): Promise<ResourceJSON> {
    return object(
      await this.#call({ method: 'POST', path: `/services/${segment(service)}/resources`, body: input }),
      'id',
    );
  }

  /**
   * Renames or moves a resource (`PATCH /services/{name}/resources/{id}`); `parent: null` puts it
   * directly under the service; a move under itself: code `resource_cycle`.
   *
   * @example
   * await client.authz.updateResource('maps', 12, { parent: null });
   */
  async updateResource(
    service: string,
    resource: number | string,
    changes: { name?: string; parent?: number | string | null },
  ): Promise<ResourceJSON> {
    return object(
      await this.#call({
        method: 'PATCH',
        path: `/services/${segment(service)}/resources/${segment(String(resource))}`,
        body: changes,
      }),
      'id',
    );
  }

  /**
   * Removes a resource, its descendants and every permission on them (`DELETE /services/{name}/resources/{id}`).
   *
   * @example
   * await client.authz.deleteResource('maps', 12);
   */
  async deleteResource(service: string, resource: number | string): Promise<void> {
    await this.#call({
      method: 'DELETE',
      path: `/services/${segment(service)}/resources/${segment(String(resource))}`,
    });
  }

  // ------------------------------------------------------------------ permissions

  /**
   * Lists permissions (`GET /permissions`), filtered by user, group, service or resource.
   *
   * @example
   * const ofStaff = await client.authz.listPermissions({ group: 'staff' });
   */
  async listPermissions(
    filter: { user?: string; group?: string; service?: string; resource?: number | string } = {},
  ): Promise<PermissionJSON[]> {
    return array(await this.#call({ method: 'GET', path: `/permissions${query(filter)}` }));
  }

  /**
   * Grants a permission (`POST /permissions`). Twice the same: code `duplicate_grant`; unknown user,
   * group, service or resource: `unknown_reference`.
   *
   * @example
   * await client.authz.grant({ group: 'anonymous', service: 'emu', permission: 'getcapabilities', scope: 'match' });
   */
  async grant(input: GrantInput): Promise<PermissionJSON> {
    return object(await this.#call({ method: 'POST', path: '/permissions', body: input }), 'id');
  }

  /**
   * Revokes a permission by id (`DELETE /permissions/{id}`).
   *
   * @example
   * await client.authz.revoke(7);
   */
  async revoke(id: number): Promise<void> {
    await this.#call({ method: 'DELETE', path: `/permissions/${id}` });
  }

  // ------------------------------------------------------------------ audit

  /**
   * A page of the audit log, newest first (`GET /audit`).
   *
   * @example
   * const { records, next_cursor } = await client.authz.audit({ user: 'bob', outcome: 'deny', limit: 50 });
   */
  async audit(q: AuditQuery = {}): Promise<AuditPageJSON> {
    const path = `/audit${query({
      user: q.user,
      service: q.service,
      outcome: q.outcome,
      from: time(q.from),
      to: time(q.to),
      limit: q.limit,
      cursor: q.cursor,
    })}`;
    return object(await this.#call({ method: 'GET', path }), 'records');
  }
}
