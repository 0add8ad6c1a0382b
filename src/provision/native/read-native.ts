/**
 * Twitcher's own provisioning format (`format: twitcher/v1`, docs/provisioning.md): services with
 * their resources, groups, users, OAuth clients and permissions, every field stated. Read into the
 * desired state; every problem becomes a note at its file:line:column, all of them at once.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  KINDS_BY_SERVICE_TYPE,
  RESOURCE_KINDS,
  type ResourceKind,
  SPECIAL_GROUP_PRIORITIES,
} from '../../authz/model.js';
import { TwitcherError } from '../../errors.js';
import { DEFAULT_CLIENT_SCOPES } from '../../oauth/clients.js';
import { parseServiceInput } from '../../registry/parse-service.js';
import type { Service } from '../../registry/service.js';
import type {
  DesiredClient,
  DesiredGroup,
  DesiredPermission,
  DesiredResource,
  DesiredState,
  DesiredUser,
  Note,
  SecretInput,
} from '../model.js';
import { emptyState } from '../model.js';
import { parsePermission, parseResourcePath } from '../permission-text.js';
import { expandVariables, isVariableReference, type ParsedSource } from '../source.js';

export const NATIVE_FORMAT = 'twitcher/v1';

export interface NativeReadOptions {
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Expand `$VAR`, `${VAR}` and read `passwordFile`/`secretFile` (files on disk). Off for a document
   * that came over the admin API, already expanded by twitcherctl where the files are.
   */
  expand: boolean;
  /**
   * A state sent over the admin API (`twitcherctl apply`, src/provision/native/write-state.ts): a field
   * left out stays undefined ("keep what the store has", as Magpie's files mean it) instead of taking
   * its default, and a top-level `resources: {SERVICE: {/path: kind}}` names resources of services
   * the document may not define. Services are whole either way.
   */
  partial?: boolean | undefined;
}

type Path = (string | number)[];

const TOP_KEYS = ['format', 'services', 'groups', 'users', 'clients', 'permissions'];
const GROUP_KEYS = ['priority', 'description'];
const USER_KEYS = [
  'password',
  'passwordHash',
  'passwordFile',
  'password_file',
  'admin',
  'certificateDN',
  'groups',
];
const CLIENT_KEYS = ['name', 'secret', 'secretHash', 'secretFile', 'redirectURI', 'scopes', 'data', 'owner'];
const PERMISSION_KEYS = ['service', 'resource', 'user', 'group', 'permission', 'action'];

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads a parsed native file into a state; problems go to `notes` as errors. */
export function readNative(source: ParsedSource, notes: Note[], options: NativeReadOptions): DesiredState {
  const state = emptyState();
  const missing = new Map<string, Path>();
  const error = (path: Path, message: string) =>
    notes.push({ severity: 'error', origin: source.at(path), message });
  let at: Path = [];
  const expand = (value: string): string =>
    options.expand
      ? expandVariables(value, options.env, (name) => missing.has(name) || missing.set(name, at), {
          braced: true,
        })
      : value;
  const doc = source.value;
  if (!isMapping(doc)) {
    error([], 'must be a mapping with format, services, groups, users, clients and permissions');
    return state;
  }
  unknownKeys(doc, options.partial ? [...TOP_KEYS, 'resources'] : TOP_KEYS, [], error);
  if (doc['format'] !== NATIVE_FORMAT) error(['format'], `must be ${NATIVE_FORMAT}`);
  const section = (key: string): Record<string, unknown> => {
    const v = doc[key];
    if (v === undefined || v === null) return {};
    if (!isMapping(v)) {
      error([key], 'must be a mapping by name');
      return {};
    }
    return v;
  };
  const ctx: Ctx = { source, error, expand, options, state };
  for (const [name, v] of Object.entries(section('services'))) {
    at = ['services', name];
    readService(ctx, name, v);
  }
  for (const [name, v] of Object.entries(section('groups'))) {
    at = ['groups', name];
    readGroup(ctx, name, v);
  }
  for (const [name, v] of Object.entries(section('users'))) {
    at = ['users', name];
    readUser(ctx, name, v);
  }
  for (const [id, v] of Object.entries(section('clients'))) {
    at = ['clients', id];
    readClient(ctx, id, v);
  }
  if (options.partial) {
    for (const [service, v] of Object.entries(section('resources'))) {
      at = ['resources', service];
      readServiceResources(ctx, service, v);
    }
  }
  const perms = doc['permissions'];
  if (perms !== undefined && perms !== null) {
    if (!Array.isArray(perms)) error(['permissions'], 'must be a list');
    else
      for (const [i, p] of perms.entries()) {
        at = ['permissions', i];
        readPermission(ctx, i, p);
      }
  }
  for (const [name, where] of [...missing].sort()) {
    error(where, `the environment variable ${name} is not set (set it, empty if that is meant)`);
  }
  return state;
}

interface Ctx {
  source: ParsedSource;
  error: (path: Path, message: string) => void;
  expand: (value: string) => string;
  options: NativeReadOptions;
  state: DesiredState;
}

function unknownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  path: Path,
  error: Ctx['error'],
): void {
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) error([...path, k], `"${k}" is not a known field (known: ${known.join(', ')})`);
  }
}

/** Every string inside `value` expanded (service fields, lists of DN patterns…). */
function expandAll(value: unknown, expand: (s: string) => string): unknown {
  if (typeof value === 'string') return expand(value);
  if (Array.isArray(value)) return value.map((v) => expandAll(v, expand));
  if (isMapping(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandAll(v, expand)]));
  return value;
}

function readService(ctx: Ctx, name: string, value: unknown): void {
  const path = ['services', name];
  if (!isMapping(value)) {
    ctx.error(path, 'must be a mapping of the service fields (url, type, auth…)');
    return;
  }
  const { resources, ...fields } = value;
  let service: Service | undefined;
  try {
    const parsed = parseServiceInput({ ...(expandAll(fields, ctx.expand) as object), name });
    service = { ...parsed, name: parsed.name as string };
    if (service.name !== name) {
      ctx.error(path, `"${name}" is not a service name Twitcher keeps as is (it would be "${service.name}")`);
    }
  } catch (err) {
    if (!(err instanceof TwitcherError)) throw err;
    const fieldErrors = err.fields ?? [{ field: '', message: err.description }];
    for (const f of fieldErrors) {
      const known = f.field !== '' && f.field in fields;
      ctx.error(known ? [...path, f.field] : path, `${f.field === '' ? '' : `${f.field} `}${f.message}`);
    }
  }
  const list = readResources(ctx, [...path, 'resources'], resources, service);
  if (service) ctx.state.services.push({ service, resources: list, origin: ctx.source.at(path) });
}

/** `/path: kind` entries at `path`; the kinds checked against the service's type when it is known. */
function readResources(ctx: Ctx, path: Path, resources: unknown, service?: Service): DesiredResource[] {
  const list: DesiredResource[] = [];
  if (resources === undefined || resources === null) return list;
  if (!isMapping(resources)) {
    ctx.error(path, 'must be a mapping of /path: kind');
    return list;
  }
  for (const [text, kind] of Object.entries(resources)) {
    const at = [...path, text];
    const parsed = parseResourcePath(text);
    if ('problem' in parsed) ctx.error(at, parsed.problem);
    else if (parsed.length === 0) ctx.error(at, 'must name a resource under the service, not "/"');
    else if (typeof kind !== 'string' || !(RESOURCE_KINDS as readonly string[]).includes(kind)) {
      ctx.error(at, `kind must be one of ${RESOURCE_KINDS.join(', ')}`);
    } else if (service && !KINDS_BY_SERVICE_TYPE[service.type].includes(kind as ResourceKind)) {
      ctx.error(
        at,
        `a ${service.type} service holds ${KINDS_BY_SERVICE_TYPE[service.type].join(' and ')} resources, not ${kind}`,
      );
    } else list.push({ path: parsed, kind: kind as ResourceKind, origin: ctx.source.at(at) });
  }
  return list;
}

/** The partial format's `resources: {SERVICE: {/path: kind}}`: resources of any service, defined here or not. */
function readServiceResources(ctx: Ctx, service: string, value: unknown): void {
  const list = readResources(ctx, ['resources', service], value);
  if (list.length === 0) return;
  ctx.state.resources = [...(ctx.state.resources ?? []), ...list.map((r) => ({ ...r, service }))];
}

function readGroup(ctx: Ctx, name: string, value: unknown): void {
  const path = ['groups', name];
  const v = value ?? {};
  if (!isMapping(v)) {
    ctx.error(path, 'must be a mapping (priority, description)');
    return;
  }
  unknownKeys(v, GROUP_KEYS, path, ctx.error);
  // A special group's defaults are its own: anonymous named only to describe it keeps −1 (at 0 it
  // would tie with every group, and its allow on a closer resource would beat a group's deny).
  const group: DesiredGroup = {
    name,
    ...(!ctx.options.partial && { priority: SPECIAL_GROUP_PRIORITIES[name] ?? 0, description: '' }),
    origin: ctx.source.at(path),
  };
  if (v['priority'] !== undefined) {
    if (!Number.isInteger(v['priority'])) ctx.error([...path, 'priority'], 'must be an integer');
    else group.priority = v['priority'] as number;
  }
  if (v['description'] !== undefined) {
    if (typeof v['description'] !== 'string') ctx.error([...path, 'description'], 'must be a string');
    else group.description = ctx.expand(v['description']);
  }
  ctx.state.groups.push(group);
}

/** `password` / `passwordHash` / `passwordFile` (one of them), or undefined. */
function readSecret(
  ctx: Ctx,
  v: Record<string, unknown>,
  path: Path,
  keys: { plain: string; hash: string; file: string[] },
): SecretInput | undefined | null {
  const given = [keys.plain, keys.hash, ...keys.file].filter((k) => v[k] !== undefined);
  if (given.length > 1) {
    ctx.error([...path, given[1] as string], `give one of ${given.join(', ')}`);
    return null;
  }
  const key = given[0];
  if (key === undefined) return undefined;
  const raw = v[key];
  if (typeof raw !== 'string' || raw === '') {
    ctx.error([...path, key], 'must be a non-empty string');
    return null;
  }
  if (key === keys.hash) return { hash: raw.startsWith('${') ? ctx.expand(raw) : raw };
  if (key === keys.plain) {
    return {
      plain: ctx.expand(raw),
      literal: ctx.options.expand && !isVariableReference(raw, { braced: true }),
    };
  }
  if (!ctx.options.expand) {
    ctx.error([...path, key], 'a file on the server is not read: twitcherctl reads it where the files are');
    return null;
  }
  const file = resolve(dirname(ctx.source.name), ctx.expand(raw));
  try {
    const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (text === '') throw Object.assign(new Error('empty'), { code: 'empty' });
    return { plain: text };
  } catch (err) {
    ctx.error([...path, key], `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return null;
  }
}

function readUser(ctx: Ctx, name: string, value: unknown): void {
  const path = ['users', name];
  const v = value ?? {};
  if (!isMapping(v)) {
    ctx.error(path, 'must be a mapping (passwordHash or password, admin, certificateDN, groups)');
    return;
  }
  unknownKeys(v, USER_KEYS, path, ctx.error);
  const password = readSecret(ctx, v, path, {
    plain: 'password',
    hash: 'passwordHash',
    file: ['passwordFile', 'password_file'],
  });
  const user: DesiredUser = {
    username: name,
    ...(password && { password }),
    ...(!ctx.options.partial && { admin: false, certificateDN: null }),
    groups: [],
    origin: ctx.source.at(path),
  };
  if (v['admin'] !== undefined) {
    if (typeof v['admin'] !== 'boolean') ctx.error([...path, 'admin'], 'must be true or false');
    else user.admin = v['admin'];
  }
  const dn = v['certificateDN'];
  if (dn === null) user.certificateDN = null;
  else if (dn !== undefined) {
    if (typeof dn !== 'string') ctx.error([...path, 'certificateDN'], 'must be a DN string or null');
    else user.certificateDN = ctx.expand(dn);
  }
  user.groups = stringList(ctx, v['groups'], [...path, 'groups']);
  ctx.state.users.push(user);
}

function stringList(ctx: Ctx, value: unknown, path: Path): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
    ctx.error(path, 'must be a list of names');
    return [];
  }
  return value.map((s) => ctx.expand(s));
}

function readClient(ctx: Ctx, clientId: string, value: unknown): void {
  const path = ['clients', clientId];
  if (!isMapping(value)) {
    ctx.error(path, 'must be a mapping (name, secretHash or secret, scopes…)');
    return;
  }
  unknownKeys(value, CLIENT_KEYS, path, ctx.error);
  const secret = readSecret(ctx, value, path, { plain: 'secret', hash: 'secretHash', file: ['secretFile'] });
  const client: DesiredClient = {
    clientId,
    ...(secret && { secret }),
    ...(!ctx.options.partial && {
      name: 'client',
      redirectURI: '',
      scopes: [...DEFAULT_CLIENT_SCOPES],
      data: {},
      owner: null,
    }),
    origin: ctx.source.at(path),
  };
  const str = (key: 'name' | 'redirectURI' | 'owner'): string | undefined => {
    const s = value[key];
    if (s === undefined || s === null) return undefined;
    if (typeof s !== 'string') {
      ctx.error([...path, key], 'must be a string');
      return undefined;
    }
    return ctx.expand(s);
  };
  const name = str('name');
  if (name !== undefined) client.name = name;
  const redirectURI = str('redirectURI');
  if (redirectURI !== undefined) client.redirectURI = redirectURI;
  const owner = str('owner');
  if (owner !== undefined) client.owner = owner;
  else if (value['owner'] === null || !ctx.options.partial) client.owner = null;
  if (value['scopes'] !== undefined) client.scopes = stringList(ctx, value['scopes'], [...path, 'scopes']);
  const data = value['data'];
  if (data !== undefined && data !== null) {
    if (!isMapping(data) || !Object.values(data).every((d) => typeof d === 'string')) {
      ctx.error([...path, 'data'], 'must be a mapping of strings');
    } else
      client.data = Object.fromEntries(Object.entries(data).map(([k, d]) => [k, ctx.expand(d as string)]));
  }
  ctx.state.clients.push(client);
}

function readPermission(ctx: Ctx, index: number, value: unknown): void {
  const path = ['permissions', index];
  if (!isMapping(value)) {
    ctx.error(path, 'must be a mapping (service, resource, user or group, permission)');
    return;
  }
  unknownKeys(value, PERMISSION_KEYS, path, ctx.error);
  const service = value['service'];
  if (typeof service !== 'string' || service === '') ctx.error([...path, 'service'], 'must name a service');
  let resource: string[] = [];
  if (value['resource'] !== undefined && value['resource'] !== null) {
    const parsed =
      typeof value['resource'] === 'string'
        ? parseResourcePath(ctx.expand(value['resource']))
        : { problem: 'must be a path such as /outputs/2026' };
    if ('problem' in parsed) ctx.error([...path, 'resource'], parsed.problem);
    else resource = parsed;
  }
  const action = value['action'] ?? 'create';
  if (action !== 'create' && action !== 'remove') ctx.error([...path, 'action'], 'must be create or remove');
  const perm = parsePermission(value['permission']);
  if ('problem' in perm) ctx.error([...path, 'permission'], perm.problem);
  const grantees: DesiredPermission['grantee'][] = [];
  for (const key of ['user', 'group'] as const) {
    const g = value[key];
    if (g === undefined || g === null) continue;
    if (typeof g !== 'string' || g === '') ctx.error([...path, key], 'must be a name');
    else grantees.push(key === 'user' ? { user: ctx.expand(g) } : { group: ctx.expand(g) });
  }
  if (grantees.length === 0) ctx.error(path, 'needs a user or a group');
  if (typeof service !== 'string' || 'problem' in perm || (action !== 'create' && action !== 'remove'))
    return;
  for (const grantee of grantees) {
    ctx.state.permissions.push({
      service: ctx.expand(service),
      resource,
      grantee,
      permission: perm.name,
      access: perm.access,
      scope: perm.scope,
      action,
      origin: ctx.source.at(path),
    });
  }
}

/**
 * A document given as plain values (JSON over the admin API), as a source whose origins are the
 * document's paths: `request:services.emu`, `request:permissions.3`.
 */
export function valueSource(name: string, value: unknown): ParsedSource {
  return { name, value, at: (path) => (path.length === 0 ? name : `${name}:${path.join('.')}`) };
}
