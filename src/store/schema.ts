import type { Generated } from 'kysely';

/** Tables as the database sees them (both dialects). Times are epoch milliseconds. */
export interface Database {
  services: ServicesTable;
  users: UsersTable;
  clients: ClientsTable;
  access_tokens: AccessTokensTable;
  revoked_tokens: RevokedTokensTable;
  issued_certificates: IssuedCertificatesTable;
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
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  is_admin: number | boolean;
  created_at: number;
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
