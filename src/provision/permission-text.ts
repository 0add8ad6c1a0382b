/**
 * A permission as files write it (Magpie's spellings, `magpie/permissions.py`): `name`,
 * `name-access`, `name-scope` or `name-access-scope` (`read`, `read-deny`, `read-match`,
 * `browse-deny-recursive`), or `{name, access, scope}`; allow and recursive by default.
 */
import { ACCESSES, type Access, SCOPES, type Scope } from '../authz/model.js';

export interface PermissionText {
  name: string;
  access: Access;
  scope: Scope;
}

/** The permission, or a message saying what is wrong. */
export function parsePermission(value: unknown): PermissionText | { problem: string } {
  if (typeof value === 'string') return fromParts(value.trim().toLowerCase().split('-'), value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { name, access, scope, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0)
      return { problem: `has unknown keys: ${unknown.join(', ')} (name, access, scope)` };
    if (typeof name !== 'string' || name.trim() === '') return { problem: 'needs a name' };
    for (const [key, given] of [
      ['access', access],
      ['scope', scope],
    ] as const) {
      if (given !== undefined && given !== null && typeof given !== 'string') {
        return { problem: `${key} must be a string` };
      }
    }
    const parts = [
      name,
      (access as string | undefined) ?? 'allow',
      (scope as string | undefined) ?? 'recursive',
    ];
    return fromParts(
      parts.map((p) => p.trim().toLowerCase()),
      JSON.stringify(value),
    );
  }
  return { problem: 'must be a string such as "read-allow-recursive" or an object {name, access, scope}' };
}

function fromParts(parts: string[], shown: string): PermissionText | { problem: string } {
  // `read-match` (Weaver's Birdhouse file): a scope right after the name, access allow
  if (parts.length === 2 && SCOPES.some((s) => s === parts[1])) parts.splice(1, 0, 'allow');
  const [name, access = 'allow', scope = 'recursive', ...extra] = parts;
  if (!name || extra.length > 0) return { problem: `"${shown}" is not name[-access][-scope]` };
  const a = ACCESSES.find((x) => x === access);
  if (!a) return { problem: `"${access}" is no access (${ACCESSES.join(', ')})` };
  const s = SCOPES.find((x) => x === scope);
  if (!s) return { problem: `"${scope}" is no scope (${SCOPES.join(', ')})` };
  return { name, access: a, scope: s };
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
    // a request path never reaches a resource named so (`..` is refused before it is judged)
    if (name === '.' || name === '..')
      return { problem: `"${text}" has a segment "${name}": a resource path names each resource` };
    out.push(name);
  }
  return out;
}

export function formatResourcePath(path: readonly string[]): string {
  return `/${path.map((n) => n.replaceAll('%', '%25').replaceAll('/', '%2F')).join('/')}`;
}
