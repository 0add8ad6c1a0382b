/**
 * Every reference of the merged files checked against themselves and the store, before anything is
 * planned: services, users, groups and resources that must exist, names the store would refuse,
 * secrets written in clear or never expanded. Problems become error notes, all of them at once.
 */
import {
  ANONYMOUS_GROUP,
  AUTHENTICATED_GROUP,
  GROUP_NAME,
  KINDS_BY_SERVICE_TYPE,
  permissionsFor,
} from '../authz/model.js';
import type { FieldError } from '../errors.js';
import { parseScopes, redirectURIProblem } from '../oauth/clients.js';
import { tokenDataProblems } from '../oauth/token-data.js';
import type { Service } from '../registry/service.js';
import { certificateDNProblem, MIN_PASSWORD, USERNAME } from '../users/users.js';
import { describePermission, type Merged } from './merge.js';
import type { Note } from './model.js';
import { formatResourcePath } from './permission-text.js';
import type { PlanOptions } from './plan-types.js';
import { pathKey, type Snapshot } from './snapshot.js';
import { holdsReference } from './source.js';

/**
 * A `${NAME}` left in a clear secret: a document sent to POST /provision as written (curl, a script)
 * is not expanded there, and the secret would be the reference itself, which the committed file shows.
 */
const unexpanded = (what: string) =>
  `${what} is a variable reference that was never expanded (the admin API expands nothing: send the files with twitcherctl apply, which expands them where they are)`;

/** Checks every reference of `m` against itself and `snap`; problems go to `notes` as errors. */
export function checkReferences(m: Merged, snap: Snapshot, options: PlanOptions, notes: Note[]): void {
  const error = (origin: string, message: string) => notes.push({ severity: 'error', origin, message });
  const serviceOf = (name: string): Service | undefined =>
    m.services.get(name)?.service ?? (options.prune ? undefined : snap.services.get(name));
  const unknownService = (name: string) =>
    snap.services.has(name)
      ? `the service "${name}" is not in the files, and --prune would remove it`
      : `no service "${name}" in the files or the store`;
  const userKnown = (u: string) => m.users.has(u) || snap.users.has(u);
  const groupKnown = (g: string) => m.groups.has(g) || snap.groups.has(g);

  for (const r of m.resources.values()) {
    const service = serviceOf(r.service);
    if (!service) {
      error(r.origin, `${formatResourcePath(r.path)}: ${unknownService(r.service)}`);
      continue;
    }
    if (!KINDS_BY_SERVICE_TYPE[service.type].includes(r.kind)) {
      error(
        r.origin,
        `${formatResourcePath(r.path)}: a ${service.type} service holds ${KINDS_BY_SERVICE_TYPE[service.type].join(' and ')} resources, not ${r.kind}`,
      );
    }
    const stored = snap.resources
      .get(r.service)
      ?.find((s) => pathKey(r.service, s.path) === pathKey(r.service, r.path));
    // a kind that differs while the type stays is a mistake; with a new type the resource is replaced
    if (stored && stored.record.kind !== r.kind && service.type === snap.services.get(r.service)?.type) {
      error(
        r.origin,
        `${formatResourcePath(r.path)} of ${r.service} is a ${stored.record.kind} in the store, not a ${r.kind}`,
      );
    }
  }
  for (const u of m.users.values()) {
    if (u.username === options.adminUsername) {
      error(u.origin, `"${u.username}" is the administrator, kept by the admin.* settings, not by files`);
    } else if (!USERNAME.test(u.username)) {
      error(
        u.origin,
        `"${u.username}": a user name is 1 to 128 letters, digits or ._@- (starting with a letter or digit)`,
      );
    }
    if (u.password?.plain !== undefined) {
      if (holdsReference(u.password.plain)) {
        error(u.origin, unexpanded(`the password of "${u.username}"`));
      } else if (u.password.literal && !options.allowPlainPasswords) {
        error(
          u.origin,
          `the password of "${u.username}" is written in clear in the file: use passwordHash (twitcher hash-password), \${VARIABLE} or passwordFile, or --allow-plain-passwords`,
        );
      } else if (u.password.plain.length < MIN_PASSWORD) {
        error(u.origin, `the password of "${u.username}" must have at least ${MIN_PASSWORD} characters`);
      }
    }
    if (u.password?.hash !== undefined && !u.password.hash.startsWith('scrypt$')) {
      error(
        u.origin,
        `the passwordHash of "${u.username}" is not a hash of twitcher hash-password (scrypt$…)`,
      );
    }
    if (typeof u.certificateDN === 'string') {
      const problem = certificateDNProblem(u.certificateDN);
      if (problem) error(u.origin, `certificateDN of "${u.username}" ${problem}`);
    }
    for (const g of u.groups) {
      if (g === ANONYMOUS_GROUP || g === AUTHENTICATED_GROUP) {
        error(
          u.origin,
          `"${u.username}" cannot be made a member of "${g}": everyone${g === AUTHENTICATED_GROUP ? ' with a credential' : ''} is`,
        );
      } else if (!groupKnown(g))
        error(u.origin, `"${u.username}" is a member of "${g}": no such group in the files or the store`);
    }
  }
  for (const g of m.groups.values()) {
    if (!GROUP_NAME.test(g.name)) {
      error(g.origin, `"${g.name}": a group name is 1 to 64 letters, digits or ._@-`);
    }
  }
  for (const c of m.clients.values()) {
    const isNew = !snap.clients.has(c.clientId);
    if (!/^[\x21-\x7e]{1,128}$/.test(c.clientId))
      error(c.origin, `"${c.clientId}": a client id is 1 to 128 printable characters without spaces`);
    if (isNew && c.secret === undefined)
      error(c.origin, `the new client "${c.clientId}" needs secretHash, secret or secretFile`);
    if (c.secret?.plain !== undefined && holdsReference(c.secret.plain)) {
      error(c.origin, unexpanded(`the secret of "${c.clientId}"`));
    } else if (c.secret?.plain !== undefined && c.secret.literal && !options.allowPlainPasswords) {
      error(
        c.origin,
        `the secret of "${c.clientId}" is written in clear in the file: use secretHash, \${VARIABLE} or secretFile, or --allow-plain-passwords`,
      );
    }
    if (c.secret?.hash !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(c.secret.hash)) {
      // no secret ever matches another value: a clear secret put there by mistake would sit in the file
      error(
        c.origin,
        `the secretHash of "${c.clientId}" is not a hash as twitcher export writes it (43 characters of SHA-256, base64url)`,
      );
    }
    if (c.owner && !userKnown(c.owner))
      error(c.origin, `the owner "${c.owner}" of "${c.clientId}" is no user of the files or the store`);
    // the admin API's rules for the same fields
    const fields: FieldError[] = [];
    if (c.scopes !== undefined) {
      parseScopes(c.scopes, 'scopes', fields);
      if (c.scopes.length === 0) fields.push({ field: 'scopes', message: 'must not be empty' });
    }
    const redirect = c.redirectURI ? redirectURIProblem(c.redirectURI) : undefined;
    if (redirect) fields.push({ field: 'redirectURI', message: redirect });
    if (c.data !== undefined) fields.push(...tokenDataProblems(c.data, 'data'));
    for (const f of fields) error(c.origin, `the ${f.field} of "${c.clientId}" ${f.message}`);
  }
  for (const p of m.grants.values()) {
    const service = serviceOf(p.service);
    if (!service) {
      error(p.origin, `${describePermission(p)}: ${unknownService(p.service)}`);
      continue;
    }
    if (!permissionsFor(service.type).includes(p.permission)) {
      error(
        p.origin,
        `${describePermission(p)}: a ${service.type} service takes ${permissionsFor(service.type).join(', ')}`,
      );
    }
    if (p.resource.length > 0) {
      const key = pathKey(p.service, p.resource);
      const stored =
        (m.services.has(p.service) || !options.prune) &&
        snap.resources.get(p.service)?.some((r) => pathKey(p.service, r.path) === key);
      if (!m.resources.has(key) && !stored) {
        error(
          p.origin,
          `${describePermission(p)}: the resource ${formatResourcePath(p.resource)} is neither in the files (services.${p.service}.resources) nor in the store`,
        );
      }
    }
    if (p.grantee.user !== undefined && !userKnown(p.grantee.user)) {
      error(p.origin, `${describePermission(p)}: no user "${p.grantee.user}" in the files or the store`);
    }
    if (p.grantee.group !== undefined && !groupKnown(p.grantee.group)) {
      error(p.origin, `${describePermission(p)}: no group "${p.grantee.group}" in the files or the store`);
    }
  }
}
