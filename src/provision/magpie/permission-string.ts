/**
 * Magpie's permission as its configuration files write it (`magpie/permissions.py`): a string
 * `name`, `name-access`, `name-scope` or `name-access-scope` (`read`, `read-deny`, `read-match`,
 * `browse-deny-recursive`), or an object `{name, access, scope}`; access defaults to allow, scope to
 * recursive. Birdhouse's Weaver file writes `read-match`.
 */
import { ACCESSES, type Access, SCOPES, type Scope } from '../../authz/model.js';

export interface MagpiePermission {
  /** Lower case, as Magpie stores it. */
  name: string;
  access: Access;
  scope: Scope;
}

/** The permission, or why it is not one. */
export function parseMagpiePermission(value: unknown): MagpiePermission | { problem: string } {
  if (typeof value === 'string') return fromParts(value.trim().toLowerCase().split('-'), value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { name, access, scope, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) return { problem: `has unknown keys: ${unknown.join(', ')}` };
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

function fromParts(parts: string[], shown: string): MagpiePermission | { problem: string } {
  if (parts.length === 2 && SCOPES.some((s) => s === parts[1])) parts.splice(1, 0, 'allow');
  const [name, access = 'allow', scope = 'recursive', ...extra] = parts;
  if (!name || extra.length > 0) return { problem: `"${shown}" is not name[-access][-scope]` };
  const a = ACCESSES.find((x) => x === access);
  if (!a) return { problem: `"${access}" is no access (${ACCESSES.join(', ')})` };
  const s = SCOPES.find((x) => x === scope);
  if (!s) return { problem: `"${scope}" is no scope (${SCOPES.join(', ')})` };
  return { name, access: a, scope: s };
}
