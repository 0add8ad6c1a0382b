/**
 * A permission as files write it: `name`, `name-access` or `name-access-scope` (Magpie's three
 * spellings, e.g. `read-deny-match`), or `{name, access, scope}`; allow and recursive by default.
 */
import { ACCESSES, type Access, SCOPES, type Scope } from '../authz/model.js';

export interface PermissionText {
  name: string;
  access: Access;
  scope: Scope;
}

/** The permission, or a message saying what is wrong. */
export function parsePermission(value: unknown): PermissionText | { problem: string } {
  if (typeof value === 'string') {
    const parts = value.trim().toLowerCase().split('-');
    const [name, access = 'allow', scope = 'recursive', ...rest] = parts;
    if (!name || rest.length > 0)
      return { problem: `"${value}" is not name, name-access or name-access-scope` };
    return check(name, access, scope, value);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { name, access = 'allow', scope = 'recursive', ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) return { problem: `unknown field(s) ${extra.join(', ')} (name, access, scope)` };
    if (typeof name !== 'string' || name.trim() === '') return { problem: 'name must be a permission name' };
    if (typeof access !== 'string' || typeof scope !== 'string') {
      return { problem: 'access and scope must be strings' };
    }
    return check(name.trim().toLowerCase(), access.toLowerCase(), scope.toLowerCase(), JSON.stringify(value));
  }
  return { problem: 'must be a string such as read-allow-recursive, or {name, access, scope}' };
}

function check(
  name: string,
  access: string,
  scope: string,
  shown: string,
): PermissionText | { problem: string } {
  if (!(ACCESSES as readonly string[]).includes(access)) {
    return { problem: `${shown}: access must be ${ACCESSES.join(' or ')}, not "${access}"` };
  }
  if (!(SCOPES as readonly string[]).includes(scope)) {
    return { problem: `${shown}: scope must be ${SCOPES.join(' or ')}, not "${scope}"` };
  }
  return { name, access: access as Access, scope: scope as Scope };
}

/** `name-access-scope`, the one spelling `twitcher export` writes. */
export function formatPermission(p: PermissionText): string {
  return `${p.name}-${p.access}-${p.scope}`;
}

/** `/a/b%2Fc` → ['a', 'b/c'] ('/' and '%' in a name are percent-encoded); '' or '/' → []. */
export function parseResourcePath(text: string): string[] | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '/') return [];
  if (!trimmed.startsWith('/')) return { problem: `"${text}" must start with "/"` };
  const segments = trimmed.slice(1).replace(/\/$/, '').split('/');
  const out: string[] = [];
  for (const s of segments) {
    let name: string;
    try {
      name = decodeURIComponent(s);
    } catch {
      return { problem: `"${text}" has a bad percent-encoding` };
    }
    if (name === '') return { problem: `"${text}" has an empty segment` };
    out.push(name);
  }
  return out;
}

export function formatResourcePath(path: readonly string[]): string {
  return `/${path.map((n) => n.replaceAll('%', '%25').replaceAll('/', '%2F')).join('/')}`;
}
