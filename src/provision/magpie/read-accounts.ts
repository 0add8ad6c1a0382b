/**
 * Users and groups of Magpie's files: the ones permissions name (ensured to exist, nothing else
 * changed), and Magpie's `users:` and `groups:` sections (config.yml), which add a password, a
 * membership and a description.
 *
 * Magpie's special groups: `administrators` and `anonymous` are Twitcher's own (never created);
 * `users` (MAGPIE_USERS_GROUP) stays a plain group, since Magpie lists its members while Twitcher's
 * `authenticated` holds everyone with a valid credential (a client, a certificate, an external
 * token) — reading one as the other would widen what its permissions allow. A Magpie group named
 * `authenticated` is refused for the same reason.
 */
import { ADMINISTRATORS, ANONYMOUS_GROUP, AUTHENTICATED_GROUP } from '../../authz/model.js';
import type { DesiredGroup, DesiredUser, Note, Origin } from '../model.js';
import type { ParsedSource } from '../source.js';

export interface Accounts {
  users: Map<string, DesiredUser>;
  groups: Map<string, DesiredGroup>;
}

export const emptyAccounts = (): Accounts => ({ users: new Map(), groups: new Map() });

/** Twitcher's own groups, which every store has. */
const TWITCHER_GROUPS: ReadonlySet<string> = new Set([ADMINISTRATORS, ANONYMOUS_GROUP]);

/**
 * Why `name` cannot be a Magpie group carried to Twitcher, or undefined. `authenticated` is
 * Twitcher's group of everyone with a credential: a Magpie group of that name lists its members.
 */
export function groupProblem(name: string): string | undefined {
  if (name === AUTHENTICATED_GROUP) {
    return `group "${AUTHENTICATED_GROUP}" is Twitcher's group of everyone with a valid credential, not the members Magpie listed; rename the group`;
  }
  return undefined;
}

/** Why `name` cannot be a Magpie user carried to Twitcher, or undefined. */
export function userProblem(name: string): string | undefined {
  if (name === ANONYMOUS_GROUP) {
    return 'Twitcher has no anonymous user; grant to the anonymous group (which logged-in users are in too)';
  }
  return undefined;
}

/** Ensures the group exists (Twitcher's own groups are not created). */
export function ensureGroup(accounts: Accounts, name: string, origin: Origin): void {
  if (TWITCHER_GROUPS.has(name) || accounts.groups.has(name)) return;
  accounts.groups.set(name, { name, origin });
}

export function ensureUser(accounts: Accounts, username: string, origin: Origin): DesiredUser {
  let user = accounts.users.get(username);
  if (!user) {
    user = { username, groups: [], origin };
    accounts.users.set(username, user);
  }
  return user;
}

/**
 * Magpie's `users:` section: a list of `{username, password, email, group}`. `fromVariable` says
 * whether the value at an origin was a `${VAR}` reference in the file before expansion: a password
 * written in clear is marked `literal` (refused unless clear passwords are allowed).
 */
export function readUsers(
  source: ParsedSource,
  section: unknown,
  accounts: Accounts,
  notes: Note[],
  fromVariable: (origin: Origin, value: string) => 'variable' | 'altered' | 'file',
): void {
  for (const [, entry, at] of entries(source, 'users', section, notes)) {
    const username = entry['username'];
    if (typeof username !== 'string' || username.trim() === '') {
      notes.push({ severity: 'error', origin: at(), message: 'a user needs a username' });
      continue;
    }
    const problem = userProblem(username);
    if (problem) {
      notes.push({ severity: 'error', origin: at('username'), message: problem });
      continue;
    }
    const user = ensureUser(accounts, username, at());
    user.origin = at();
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'username') continue;
      if (key === 'password') {
        const source = typeof value === 'string' && value !== '' ? fromVariable(at(key), value) : undefined;
        if (source === 'altered') {
          notes.push({
            severity: 'error',
            origin: at(key),
            message: `the password of "${username}" is not the value of its variable as it is (text of the file joined to it, or a value YAML reads otherwise, cut at " #" or ": "): quote the reference, or use a password file`,
          });
        } else if (typeof value === 'string' && source !== undefined) {
          user.password = { plain: value, literal: source === 'file' };
        } else
          notes.push({ severity: 'error', origin: at(key), message: 'password must be a non-empty string' });
      } else if (key === 'group') {
        readMembership(value, user, accounts, () => at(key), notes);
      } else {
        notes.push({
          severity: 'dropped',
          origin: at(key),
          message:
            key === 'email'
              ? 'email: Twitcher users have no e-mail address'
              : `${key}: not a user field Magpie or Twitcher knows`,
        });
      }
    }
  }
}

function readMembership(
  value: unknown,
  user: DesiredUser,
  accounts: Accounts,
  at: () => Origin,
  notes: Note[],
): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string' || value === '') {
    notes.push({ severity: 'error', origin: at(), message: 'group must be a group name' });
    return;
  }
  const problem = groupProblem(value);
  if (problem) {
    notes.push({ severity: 'error', origin: at(), message: problem });
    return;
  }
  if (value === ANONYMOUS_GROUP) {
    // Magpie's default for a new user: in Twitcher everyone is in anonymous already
    notes.push({
      severity: 'info',
      origin: at(),
      message: `${user.username} in anonymous: everyone is, nothing to add`,
    });
    return;
  }
  ensureGroup(accounts, value, at());
  if (!user.groups.includes(value)) user.groups.push(value);
}

/** Magpie's `groups:` section: a list of `{name, description, discoverable}`. */
export function readGroups(source: ParsedSource, section: unknown, accounts: Accounts, notes: Note[]): void {
  for (const [, entry, at] of entries(source, 'groups', section, notes)) {
    const name = entry['name'];
    if (typeof name !== 'string' || name.trim() === '') {
      notes.push({ severity: 'error', origin: at(), message: 'a group needs a name' });
      continue;
    }
    const problem = groupProblem(name);
    if (problem) {
      notes.push({ severity: 'error', origin: at('name'), message: problem });
      continue;
    }
    const special = TWITCHER_GROUPS.has(name);
    if (!special) ensureGroup(accounts, name, at());
    const group = accounts.groups.get(name);
    if (group) group.origin = at();
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'name') continue;
      if (key === 'description' && group && typeof value === 'string') group.description = value;
      else {
        notes.push({
          severity: 'dropped',
          origin: at(key),
          message:
            key === 'discoverable'
              ? 'discoverable: Twitcher has no self-service group registration'
              : key === 'description'
                ? `description of Twitcher's own group "${name}" is left as it is`
                : `${key}: not a group field Magpie or Twitcher knows`,
        });
      }
    }
  }
}

type Entry = [number, Record<string, unknown>, (...path: (string | number)[]) => Origin];

function entries(source: ParsedSource, key: string, section: unknown, notes: Note[]): Entry[] {
  if (section === undefined || section === null) return [];
  if (!Array.isArray(section)) {
    notes.push({ severity: 'error', origin: source.at([key]), message: `${key} must be a list` });
    return [];
  }
  const out: Entry[] = [];
  section.forEach((entry, i) => {
    const at = (...path: (string | number)[]) => source.at([key, i, ...path]);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      notes.push({ severity: 'error', origin: at(), message: `each of ${key} must be a mapping` });
    } else out.push([i, entry as Record<string, unknown>, at]);
  });
  return out;
}
