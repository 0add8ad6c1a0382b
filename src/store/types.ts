import type {
  Access,
  Grantee,
  GroupRecord,
  PermissionRecord,
  ResourceKind,
  ResourceRecord,
  Scope,
  ServiceACL,
} from '../authz/model.js';
import type { RandomTokenRecord } from '../oauth/tokens/types.js';
import type { Service } from '../registry/service.js';

/**
 * The store: one small interface per aggregate, implemented for SQLite (embedded default) and
 * PostgreSQL (several instances). One contract suite (test/store/contract.ts) runs against both.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly services: ServiceRepository;
  readonly users: UserRepository;
  readonly clients: ClientRepository;
  readonly tokens: TokenRepository;
  readonly certificates: CertificateRepository;
  /** Authorization: groups and memberships, resource trees, permissions, the audit log. */
  readonly groups: GroupRepository;
  readonly resources: ResourceRepository;
  readonly permissions: PermissionRepository;
  readonly audit: AuditRepository;
  /** Changes made by this or another instance; used to invalidate caches. */
  readonly changes: ChangeFeed;
  /**
   * Runs `fn` with repositories bound to one transaction: everything it writes commits together,
   * or nothing does when it throws. Changes are announced once, after the commit.
   */
  transaction<T>(fn: (tx: TransactionRepositories) => Promise<T>): Promise<T>;
  /** Resolves when the database answers, rejects otherwise. */
  ping(): Promise<void>;
  /** Database product and version, e.g. `{name: 'sqlite', version: '3.49.1'}`. */
  describe(): Promise<{ name: string; version: string }>;
  close(): Promise<void>;
}

/** The repositories of a store (what a transaction sees). */
export type StoreRepositories = Pick<
  Store,
  | 'services'
  | 'users'
  | 'clients'
  | 'tokens'
  | 'certificates'
  | 'groups'
  | 'resources'
  | 'permissions'
  | 'audit'
>;

export interface TransactionRepositories extends StoreRepositories {
  /**
   * Serialises provisioning: the first write of the transaction, waited for by any other instance's
   * provisioning until this one commits. Returns the digest and time (epoch ms) of the last files
   * applied ('' and 0 when none).
   */
  lockProvisioning(): Promise<{ digest: string; appliedAt: number }>;
  /** Records the digest of the files this transaction applies. */
  recordProvisioning(digest: string): Promise<void>;
}

export interface ServiceRepository {
  list(): Promise<Service[]>;
  get(name: string): Promise<Service | undefined>;
  /** Adds a service; throws `TwitcherError('duplicate_name')` when the name is taken. */
  create(service: Service): Promise<Service>;
  /** Replaces the service of that name, or adds it; tells which. */
  put(service: Service): Promise<{ service: Service; created: boolean }>;
  /** True when a service was deleted. */
  delete(name: string): Promise<boolean>;
  /** Deletes every service; returns how many. */
  clear(): Promise<number>;
}

export interface UserRecord {
  username: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: number;
  /** The subject DN of the user's client certificates (RFC 4514 or one-line form), if any. */
  certificateDN?: string | undefined;
}

export interface UserRepository {
  get(username: string): Promise<UserRecord | undefined>;
  /** Adds a user; throws `TwitcherError('duplicate_name')` when the user name is taken. */
  create(user: Omit<UserRecord, 'createdAt'>): Promise<UserRecord>;
  list(): Promise<UserRecord[]>;
  /** Replaces the password hash; false when the user is unknown. */
  setPasswordHash(username: string, passwordHash: string): Promise<boolean>;
  /** Sets or clears the administrator flag; false when the user is unknown. */
  setAdmin(username: string, isAdmin: boolean): Promise<boolean>;
  /** False when the user is unknown. */
  delete(username: string): Promise<boolean>;
  /**
   * Sets (or with undefined clears) the user's certificate DN; false when the user is unknown.
   * Throws `TwitcherError('duplicate_name')` when another user has that DN.
   */
  setCertificateDN(username: string, dn: string | undefined): Promise<boolean>;
  /** The user whose certificate DN has this canonical form (pki/x509/dn/key.ts). */
  findByCertificateDN(dnKey: string): Promise<UserRecord | undefined>;
}

/** An OAuth2 client as stored: the secret only as a hash. */
export interface ClientRecord {
  clientId: string;
  name: string;
  secretHash: string;
  redirectURI: string;
  /** Scopes the client may ask for. */
  scopes: string[];
  /** Key/value data passed with its tokens to upstreams that opt in. */
  data: Record<string, string>;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The user its tokens act for on `auth: acl` services (undefined: none). */
  owner?: string | undefined;
}

/** Every write (create, update, delete) is announced on the change feed as `{aggregate: 'clients', key}`. */
export interface ClientRepository {
  /** Throws `TwitcherError('duplicate_name')` when the id is taken. */
  create(client: ClientRecord): Promise<ClientRecord>;
  get(clientId: string): Promise<ClientRecord | undefined>;
  list(): Promise<ClientRecord[]>;
  /** Replaces name, redirect URI, scopes and data; undefined when unknown. */
  update(
    clientId: string,
    changes: Partial<Pick<ClientRecord, 'name' | 'redirectURI' | 'scopes' | 'data' | 'secretHash'>> & {
      /** A user name, or null to clear; an unknown user: `TwitcherError('unknown_reference')`. */
      owner?: string | null;
    },
  ): Promise<ClientRecord | undefined>;
  /**
   * Deletes the client and its random tokens; false when unknown. Its other tokens (JWTs, macaroons)
   * are refused by the token service once the deletion is announced.
   */
  delete(clientId: string): Promise<boolean>;
}

export interface TokenRepository {
  /** Random tokens, by the hash of the token. */
  insert(record: RandomTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<RandomTokenRecord | undefined>;
  /** Revokes a token id until `expiresAt` (epoch seconds); deletes its random-token row if any. */
  revoke(jti: string, clientId: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
  /** Removes expired random tokens and revocations; returns how many rows went. */
  purgeExpired(nowSeconds: number): Promise<number>;
}

/** A certificate issued by the built-in CA (epoch milliseconds). */
export interface IssuedCertificateRecord {
  serial: string;
  username: string;
  subject: string;
  notBefore: number;
  notAfter: number;
  issuedAt: number;
  clientAddress: string;
}

export interface CertificateRepository {
  /** Records an issued certificate; throws `TwitcherError('duplicate_name')` on a serial already used. */
  record(cert: IssuedCertificateRecord): Promise<void>;
  listByUser(username: string): Promise<IssuedCertificateRecord[]>;
}

export type ChangeEvent =
  | { aggregate: 'services'; key?: string | undefined }
  | { aggregate: 'tokens'; key: string }
  | { aggregate: 'clients'; key: string }
  | { aggregate: 'authz' }
  | { aggregate: 'all' };

export interface ChangeFeed {
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;
}

export interface GroupRepository {
  list(): Promise<GroupRecord[]>;
  get(name: string): Promise<GroupRecord | undefined>;
  /** Throws `TwitcherError('duplicate_name')` when the name is taken. */
  create(group: { name: string; priority: number; description: string }): Promise<GroupRecord>;
  /** undefined when the group is unknown. */
  update(
    name: string,
    changes: { priority?: number; description?: string },
  ): Promise<GroupRecord | undefined>;
  /**
   * False when unknown. Throws `TwitcherError('group_in_use')` while it has members or permissions,
   * and `conflict` for the special groups.
   */
  delete(name: string): Promise<boolean>;
  /** Adds a member; false when it already was one. Unknown group or user: `TwitcherError('not_found')`. */
  addMember(group: string, username: string): Promise<boolean>;
  /** False when it was not a member. Unknown group or user: `TwitcherError('not_found')`. */
  removeMember(group: string, username: string): Promise<boolean>;
  /** User names, sorted. Unknown group: `TwitcherError('not_found')`. */
  members(group: string): Promise<string[]>;
  /** The groups a user is a member of (not the implicit `anonymous`/`authenticated`), by name. */
  groupsOf(username: string): Promise<GroupRecord[]>;
}

export interface ResourceRepository {
  /** The resources of a service, parents before children. */
  list(service: string): Promise<ResourceRecord[]>;
  get(id: number): Promise<ResourceRecord | undefined>;
  /**
   * Adds a resource. Unknown service: `service_not_found`; unknown parent: `unknown_reference`; a
   * kind the service type does not hold, or a parent in another service or of a kind that does not
   * nest: `invalid_resource`; a name taken: `duplicate_name`.
   */
  create(resource: {
    service: string;
    parentId?: number | undefined;
    kind: ResourceKind;
    name: string;
  }): Promise<ResourceRecord>;
  /** Renames or moves; a move under itself or a descendant: `resource_cycle`. undefined when unknown. */
  update(
    id: number,
    changes: { name?: string; parentId?: number | null },
  ): Promise<ResourceRecord | undefined>;
  /** Deletes the resource, its descendants and every permission on them; false when unknown. */
  delete(id: number): Promise<boolean>;
}

export interface PermissionFilter {
  user?: string | undefined;
  group?: string | undefined;
  service?: string | undefined;
  resourceId?: number | undefined;
}

export interface GrantInput {
  grantee: Grantee;
  service: string;
  /** undefined: the service itself. */
  resourceId?: number | undefined;
  permission: string;
  access: Access;
  scope: Scope;
}

export interface PermissionRepository {
  list(filter?: PermissionFilter): Promise<PermissionRecord[]>;
  get(id: number): Promise<PermissionRecord | undefined>;
  /**
   * Grants, in one transaction. Unknown user, group, service or resource: `unknown_reference`; a
   * resource of another service: `invalid_resource`; a permission name the service type does not
   * have: `validation_failed`; the same grantee, resource and permission twice: `duplicate_grant`.
   */
  grant(input: GrantInput): Promise<PermissionRecord>;
  /** False when unknown. */
  revoke(id: number): Promise<boolean>;
  /** Everything the resolver needs of one service (empty lists for an unknown service). */
  forService(service: string): Promise<ServiceACL>;
}

/** One access decision of an `auth: acl` service. */
export interface AuditRecord {
  /** Set by the store. */
  id?: number;
  /** Epoch milliseconds. */
  at: number;
  /** The principal's label: `user:alice`, `client:…`, `anonymous`. */
  subject: string;
  username?: string | undefined;
  clientAddress: string;
  service: string;
  operation: string;
  permission: string;
  resources: string[];
  outcome: 'allow' | 'deny';
  /** The rule that decided (resolve.ts describeResolution). */
  rule: string;
  /** How many decisions the record stands for: 1 (the default), or the refusals counted into it. */
  count?: number | undefined;
  /**
   * Set on aggregated records (authz/audit-log.ts): records inserted with the same key are stored
   * as one, their counts added, whichever instance or batch writes them. Not read back.
   */
  aggregateKey?: string | undefined;
}

export interface AuditQuery {
  user?: string | undefined;
  service?: string | undefined;
  outcome?: 'allow' | 'deny' | undefined;
  /** Epoch milliseconds, inclusive. */
  from?: number | undefined;
  /** Epoch milliseconds, exclusive. */
  to?: number | undefined;
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

export interface AuditRepository {
  /** Appends the records; one with the `aggregateKey` of a stored one adds its count to it. */
  insert(records: readonly AuditRecord[]): Promise<void>;
  /** Newest first; `nextCursor` when more records match. */
  query(q: AuditQuery): Promise<{ records: AuditRecord[]; nextCursor?: string | undefined }>;
  /** Deletes the records older than `before` (epoch ms); returns how many went. */
  prune(before: number): Promise<number>;
}
