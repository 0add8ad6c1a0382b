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
  /** Changes made by this or another instance; used to invalidate caches. */
  readonly changes: ChangeFeed;
  /** Resolves when the database answers, rejects otherwise. */
  ping(): Promise<void>;
  /** Database product and version, e.g. `{name: 'sqlite', version: '3.49.1'}`. */
  describe(): Promise<{ name: string; version: string }>;
  close(): Promise<void>;
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
}

export interface UserRepository {
  get(username: string): Promise<UserRecord | undefined>;
  /** Adds a user; throws `TwitcherError('duplicate_name')` when the user name is taken. */
  create(user: Omit<UserRecord, 'createdAt'>): Promise<UserRecord>;
  list(): Promise<UserRecord[]>;
  /** Replaces the password hash; false when the user is unknown. */
  setPasswordHash(username: string, passwordHash: string): Promise<boolean>;
  /** False when the user is unknown. */
  delete(username: string): Promise<boolean>;
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
}

export interface ClientRepository {
  create(client: ClientRecord): Promise<ClientRecord>;
  get(clientId: string): Promise<ClientRecord | undefined>;
  list(): Promise<ClientRecord[]>;
  /** Replaces name, redirect URI, scopes and data; undefined when unknown. */
  update(
    clientId: string,
    changes: Partial<Pick<ClientRecord, 'name' | 'redirectURI' | 'scopes' | 'data'>>,
  ): Promise<ClientRecord | undefined>;
  /** Deletes the client and its random tokens; false when unknown. */
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
  | { aggregate: 'all' };

export interface ChangeFeed {
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;
}
