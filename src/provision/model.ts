/**
 * The desired state of a store, as provisioning files describe it (src/provision/README in
 * docs/provisioning.md): what the native format, Magpie's files and the Python Twitcher's database
 * are all read into, and what the planner compares with the store. Plain values only.
 *
 * A field left undefined means "keep what the store has" (or the default when the entry is new):
 * Magpie's files name users and groups only by reference, and an entry must not reset what they do
 * not say. The native format fills every field it reads (a file states the whole entry).
 */
import type { Access, ResourceKind, Scope } from '../authz/model.js';
import type { Service } from '../registry/service.js';

/** Where an entry was read: `file.yaml:12:5`, or a description (`python-twitcher services row 3`). */
export type Origin = string;

/** A secret as a file may give it: its hash (kept as is), or the clear value (hashed when applied). */
export type SecretInput =
  | { hash: string; plain?: undefined }
  | {
      plain: string;
      hash?: undefined;
      /** Written in clear in a file (not a `${VAR}` reference, not a password file): refused unless allowed. */
      literal?: boolean | undefined;
    };

export interface DesiredResource {
  /** Names from the service down, e.g. ['outputs', '2026']; never empty. */
  path: string[];
  kind: ResourceKind;
  origin: Origin;
}

/** A resource of a service the state may not define itself (Magpie permissions name them). */
export interface DesiredServiceResource extends DesiredResource {
  service: string;
}

export interface DesiredService {
  service: Service;
  /** Resources to ensure (a parent not listed is created with its child's kind, when it nests). */
  resources: DesiredResource[];
  origin: Origin;
}

export interface DesiredUser {
  username: string;
  /** Undefined: keep the user's password (a new user gets a random one nobody knows). */
  password?: SecretInput | undefined;
  admin?: boolean | undefined;
  /** null: none. */
  certificateDN?: string | null | undefined;
  /** Groups to ensure membership of (removed from others only with prune). */
  groups: string[];
  origin: Origin;
}

export interface DesiredGroup {
  name: string;
  priority?: number | undefined;
  description?: string | undefined;
  origin: Origin;
}

export interface DesiredClient {
  clientId: string;
  name?: string | undefined;
  /** Undefined: keep the secret (a new client without one is refused: it could never authenticate). */
  secret?: SecretInput | undefined;
  redirectURI?: string | undefined;
  scopes?: string[] | undefined;
  data?: Record<string, string> | undefined;
  /** null: no owner. */
  owner?: string | null | undefined;
  origin: Origin;
}

/** One permission entry: granted (`create`) or taken away (`remove`, Magpie's `action: remove`). */
export interface DesiredPermission {
  service: string;
  /** Names from the service down; [] is the service itself. */
  resource: string[];
  grantee: { user: string; group?: undefined } | { group: string; user?: undefined };
  permission: string;
  access: Access;
  scope: Scope;
  action: 'create' | 'remove';
  origin: Origin;
}

export interface DesiredState {
  services: DesiredService[];
  users: DesiredUser[];
  groups: DesiredGroup[];
  clients: DesiredClient[];
  permissions: DesiredPermission[];
  /** Resources to ensure on any service (besides those listed under each service). */
  resources?: DesiredServiceResource[] | undefined;
}

export const emptyState = (): DesiredState => ({
  services: [],
  users: [],
  groups: [],
  clients: [],
  permissions: [],
});

/**
 * Something a reader has to say about an entry. `error`: the files cannot be applied (nothing is).
 * `dropped`: part of the source that Twitcher cannot carry (a Python hook, a Phoenix flag), applied
 * without it, an error under `--strict`. `info`: how something was carried (a type mapped).
 */
export interface Note {
  severity: 'error' | 'dropped' | 'info';
  origin: Origin;
  message: string;
}

/** What a reader gives back: the state it read and what it has to say about it. */
export interface ReadResult {
  state: DesiredState;
  notes: Note[];
}

/** One step of a plan, as `twitcher apply --dry-run` shows it. */
export interface PlannedChange {
  action: 'add' | 'change' | 'remove';
  kind: 'service' | 'resource' | 'user' | 'group' | 'membership' | 'client' | 'permission';
  /** What it is: `emu`, `emu /outputs/2026`, `alice in researchers`, `group:anonymous execute on emu /hello`. */
  key: string;
  /** For a change: `field: before → after` lines. */
  details: string[];
}
