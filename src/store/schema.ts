import type { Generated } from 'kysely';

/** Tables as the database sees them (both dialects). Times are epoch milliseconds. */
export interface Database {
  services: ServicesTable;
  users: UsersTable;
  clients: ClientsTable;
  access_tokens: AccessTokensTable;
  revoked_tokens: RevokedTokensTable;
  issued_certificates: IssuedCertificatesTable;
  groups: GroupsTable;
  user_groups: UserGroupsTable;
  resources: ResourcesTable;
  permissions: PermissionsTable;
  audit: AuditTable;
  provisioning: ProvisioningTable;
}

/** One row (id 1): the provisioning lock and the digest of the files last applied. */
export interface ProvisioningTable {
  id: number;
  digest: string;
  applied_at: number;
}

export interface ServicesTable {
  id: Generated<number>;
  name: string;
  url: string;
  type: string;
  purl: string;
  auth: string;
  /** SQLite has no boolean: 0/1 there, true/false on PostgreSQL. */
  verify: number | boolean;
  pass_token_data: number | boolean;
  /** JSON list of DN patterns. */
  cert_subjects: string;
  /** JSON object of the per-service limits (ServiceLimits); null: none. */
  limits: string | null;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  is_admin: number | boolean;
  created_at: number;
  /** RFC 4514 DN of the user's client certificates, as given (authorization). */
  certificate_dn: string | null;
  /** Its canonical form (pki/x509/dn/key.ts), unique. */
  certificate_dn_key: string | null;
}

export interface ClientsTable {
  client_id: string;
  name: string;
  /** base64url SHA-256 of the secret (a high-entropy random value: a fast hash is right). */
  secret_hash: string;
  redirect_uri: string;
  /** Space-separated scopes the client may ask for. */
  scopes: string;
  /** JSON object of strings. */
  data: string;
  created_at: number;
  /** The user the client's tokens act for (authorization); null: none. */
  owner: string | null;
}

export interface AccessTokensTable {
  jti: string;
  token_hash: string;
  client_id: string;
  scopes: string;
  data: string;
  /** Epoch seconds. */
  issued_at: number;
  expires_at: number;
}

export interface RevokedTokensTable {
  jti: string;
  client_id: string;
  /** Epoch seconds: the row may go once the token would have expired. */
  expires_at: number;
  revoked_at: number;
}

export interface IssuedCertificatesTable {
  /** Hex, lower case. */
  serial: string;
  username: string;
  subject: string;
  /** Epoch milliseconds. */
  not_before: number;
  not_after: number;
  issued_at: number;
  client_address: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  priority: number;
  description: string;
  created_at: number;
}

export interface UserGroupsTable {
  user_id: number;
  group_id: number;
  created_at: number;
}

export interface ResourcesTable {
  id: Generated<number>;
  service: string;
  parent_id: number | null;
  kind: string;
  name: string;
  /** Lower-case name: names compare case-insensitively. */
  name_key: string;
  created_at: number;
}

export interface PermissionsTable {
  id: Generated<number>;
  /** Exactly one of user_id and group_id is set. */
  user_id: number | null;
  group_id: number | null;
  service: string;
  /** null: the service itself. */
  resource_id: number | null;
  permission: string;
  access: string;
  scope: string;
  created_at: number;
}

export interface AuditTable {
  id: Generated<number>;
  /** Epoch milliseconds. */
  at: number;
  subject: string;
  username: string | null;
  client_address: string;
  service: string;
  operation: string;
  permission: string;
  /** JSON list of resource names. */
  resources: string;
  outcome: string;
  rule: string;
  /** How many decisions the row stands for (aggregated anonymous refusals); 1 otherwise. */
  count: number;
  /** Set on aggregated rows: unique, rows written with the same key are merged (counts added). */
  aggregate_key: string | null;
}
