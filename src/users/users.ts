import { hashPassword } from '../auth/password.js';
import { type FieldError, fieldsError, TwitcherError } from '../errors.js';
import { tryDNKey } from '../pki/x509/dn/index.js';
import type { UserRecord, UserRepository } from '../store/types.js';

/**
 * User names appear in HTTP Basic (no ':'), in certificate subjects (CN=<name>) and on the MyProxy
 * wire, where CR, LF and NUL would inject fields: letters, digits and `._@-` only.
 */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
export const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

export interface UserJSON {
  username: string;
  admin: boolean;
  created_at: string;
  /** The subject DN of the user's client certificates (authorization), or null. */
  certificate_dn: string | null;
}

export function toUserJSON(u: UserRecord): UserJSON {
  return {
    username: u.username,
    admin: u.isAdmin,
    created_at: new Date(u.createdAt).toISOString(),
    certificate_dn: u.certificateDN ?? null,
  };
}

/** A certificate DN field: a string that parses as a DN (RFC 4514 or one-line form), or null to clear. */
export function certificateDNProblem(value: unknown): string | undefined {
  if (value === null) return undefined;
  if (
    typeof value !== 'string' ||
    value.length > 1024 ||
    tryDNKey(value) === undefined ||
    value.trim() === ''
  ) {
    return 'must be a DN such as CN=alice,OU=Users,O=Example or /O=Example/OU=Users/CN=alice';
  }
  return undefined;
}

function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'must be a string';
  if (password.length < MIN_PASSWORD) return `must have at least ${MIN_PASSWORD} characters`;
  if (password.length > MAX_PASSWORD) return `must have at most ${MAX_PASSWORD} characters`;
  return undefined;
}

function fail(errors: FieldError[]): never {
  throw fieldsError(errors);
}

/** Adds a user; the password is stored only as an scrypt hash. */
export async function createUser(users: UserRepository, body: Record<string, unknown>): Promise<UserRecord> {
  const errors: FieldError[] = Object.keys(body)
    .filter((k) => !['username', 'password', 'certificate_dn'].includes(k))
    .map((field) => ({ field, message: 'is not a known field' }));
  const { username, password } = body;
  if (typeof username !== 'string' || !USERNAME.test(username)) {
    errors.push({
      field: 'username',
      message: 'must be 1 to 128 letters, digits or ._@- (starting with a letter or digit)',
    });
  }
  const problem = passwordProblem(password);
  if (problem) errors.push({ field: 'password', message: problem });
  const dn = body['certificate_dn'];
  const dnProblem = dn === undefined ? undefined : certificateDNProblem(dn);
  if (dnProblem) errors.push({ field: 'certificate_dn', message: dnProblem });
  if (errors.length > 0) fail(errors);
  return users.create({
    username: username as string,
    passwordHash: await hashPassword(password as string),
    isAdmin: false,
    ...(typeof dn === 'string' && { certificateDN: dn }),
  });
}

export async function changePassword(
  users: UserRepository,
  username: string,
  body: Record<string, unknown>,
): Promise<void> {
  const errors: FieldError[] = Object.keys(body)
    .filter((k) => k !== 'password')
    .map((field) => ({ field, message: 'is not a known field' }));
  const problem = passwordProblem(body['password']);
  if (problem) errors.push({ field: 'password', message: problem });
  if (errors.length > 0) fail(errors);
  if (!(await users.setPasswordHash(username, await hashPassword(body['password'] as string)))) {
    throw userNotFound(username);
  }
}

export function userNotFound(username: string): TwitcherError {
  return new TwitcherError('not_found', { description: `No user "${username}".` });
}
