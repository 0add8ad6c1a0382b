/**
 * A Magpie permission's `resource` (`/birdhouse/testdata/secure`) and optional `type` (one resource
 * type for the last segment, or a path of types `/directory/directory/file`), checked against the
 * resource tree of the Magpie service type and turned into Twitcher resources.
 */
import { PATH_PERMISSIONS, type ResourceKind } from '../../authz/model.js';
import type { MagpieServiceType } from './service-types.js';

export type ResolvedPath =
  /** Each segment's Twitcher kind (null: Twitcher has no such resource). */
  { kinds: (ResourceKind | null)[]; problem?: undefined } | { problem: string; kinds?: undefined };

/** Splits `/a/b/c` into its names; an empty name (`/a//c`, an empty variable) is a problem. */
export function splitResource(resource: string): string[] | { problem: string } {
  const trimmed = resource.trim().replace(/^\//, '').replace(/\/$/, '');
  if (trimmed === '') return [];
  const segments = trimmed.split('/');
  if (segments.some((s) => s.trim() === '')) {
    return { problem: `resource "${resource}" has an empty name between slashes (an empty variable?)` };
  }
  const dots = segments.find((s) => s.trim() === '.' || s.trim() === '..');
  if (dots !== undefined) {
    return {
      problem: `resource "${resource}" has a segment "${dots.trim()}": a resource path names each resource`,
    };
  }
  return segments;
}

/** The kind of each segment of `segments` under a service of Magpie type `mapping`. */
export function resolveResourcePath(
  mapping: MagpieServiceType,
  segments: readonly string[],
  type: string | undefined,
): ResolvedPath {
  const known = Object.keys(mapping.children).filter((t) => t !== '');
  let given: (string | undefined)[] = segments.map(() => undefined);
  if (type !== undefined) {
    const types = type
      .split('/')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    const unknown = types.find((t) => !known.includes(t));
    if (unknown !== undefined) {
      return {
        problem: `type "${unknown}" is no resource type of a Magpie ${mapping.name} service (${known.join(', ') || 'it has none'})`,
      };
    }
    if (types.length === 1) given[given.length - 1] = types[0];
    else if (types.length === segments.length) given = types;
    else
      return { problem: `type "${type}" names ${types.length} types for ${segments.length} resource names` };
  }
  const kinds: (ResourceKind | null)[] = [];
  let parent = '';
  for (const [i, segment] of segments.entries()) {
    const allowed = mapping.children[parent] ?? [];
    const last = i === segments.length - 1;
    let chosen = given[i];
    if (chosen !== undefined && !allowed.includes(chosen)) {
      return {
        problem: `"${segment}" cannot be a ${chosen} ${parent ? `inside a ${parent}` : 'directly under the service'} of a Magpie ${mapping.name} service`,
      };
    }
    if (chosen === undefined) {
      // a parent must be able to hold the next segment
      const candidates = last ? allowed : allowed.filter((t) => (mapping.children[t] ?? []).length > 0);
      const candidateKinds = new Set(candidates.map((t) => mapping.kinds[t]));
      if (candidates.length === 0) {
        return {
          problem: `"${segment}" cannot be ${parent ? `inside a ${parent}` : 'a resource'} of a Magpie ${mapping.name} service`,
        };
      }
      if (candidateKinds.size > 1) {
        return { problem: `the type of "${segment}" is ambiguous (${candidates.join(' or ')}): give type` };
      }
      chosen = candidates[0] as string;
    }
    kinds.push(mapping.kinds[chosen] ?? null);
    parent = chosen;
  }
  return { kinds };
}

/**
 * Magpie resource types whose Twitcher kind is the same whatever the service type: what a resource
 * of a service no file provides is taken to be.
 */
const KIND_ANYWHERE: Readonly<Record<string, ResourceKind>> = {
  directory: 'path',
  file: 'path',
  route: 'path',
  process: 'process',
};

/**
 * The kinds of a resource path on a service of unknown type: from `type` when each Magpie type has
 * one Twitcher kind anywhere, else `path` for the path permissions (read, write, browse), which
 * every service type's paths take; undefined when it cannot be told.
 */
export function guessResourceKinds(
  segments: readonly string[],
  type: string | undefined,
  permission: string,
): ResourceKind[] | undefined {
  if (type !== undefined) {
    const types = type
      .split('/')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    const kinds = types.map((t) => KIND_ANYWHERE[t]);
    if (kinds.some((k) => k === undefined)) return undefined;
    if (kinds.length === segments.length) return kinds as ResourceKind[];
    if (kinds.length === 1 && kinds[0] === 'path') return segments.map(() => 'path');
    if (kinds.length === 1 && segments.length === 1) return kinds as ResourceKind[];
    return undefined;
  }
  return (PATH_PERMISSIONS as readonly string[]).includes(permission)
    ? segments.map(() => 'path')
    : undefined;
}
