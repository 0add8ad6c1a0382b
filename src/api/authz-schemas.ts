/**
 * The authorization admin API's JSON, declared once: fastify's ajv checks requests against these,
 * the OpenAPI document shows them, and `Static<>` of them types the routes and the client's tests.
 */
import { type Static, Type } from 'typebox';
import { GROUP_NAME, RESOURCE_KINDS } from '../authz/model.js';
import { Nullable } from './common-schemas.js';
import { withMessages } from './validation.js';

const AccessEnum = Type.Enum(['allow', 'deny']);
const ScopeEnum = Type.Enum(['match', 'recursive']);
const time = () => Type.String({ format: 'date-time' });
/** A resource named in a request: its id, or its name or path of names. */
const ResourceRef = (description: string) =>
  Type.Unsafe<number | string | null>({ type: ['integer', 'string', 'null'], description });

export const Group = Type.Object({
  name: Type.String(),
  priority: Type.Integer({ description: 'Higher wins over lower; deny wins at equal priority.' }),
  description: Type.String(),
  builtin: Type.Boolean({ description: 'administrators, anonymous and authenticated' }),
  created_at: time(),
});
export type GroupJSON = Static<typeof Group>;

export const GroupWithMembers = Type.Object({ ...Group.properties, members: Type.Array(Type.String()) });

/** Priorities are below a million either way. */
export const PRIORITY = 1_000_000;
const priority = () => Type.Integer({ minimum: -(PRIORITY - 1), maximum: PRIORITY - 1 });
const groupDescription = () =>
  withMessages(Type.String({ maxLength: 1024 }), 'must be a string of at most 1024 characters');

export const GroupCreate = Type.Object(
  {
    name: withMessages(
      Type.String({ pattern: GROUP_NAME.source }),
      'must be 1 to 64 letters, digits or ._@- (starting with a letter or digit)',
    ),
    priority: Type.Optional(priority()),
    description: Type.Optional(groupDescription()),
  },
  { additionalProperties: false },
);
export type GroupCreate = Static<typeof GroupCreate>;

export const GroupPatch = Type.Object(
  { priority: Type.Optional(priority()), description: Type.Optional(groupDescription()) },
  { additionalProperties: false },
);
export type GroupPatch = Static<typeof GroupPatch>;

export const MemberParams = Type.Object({ name: Type.String(), user: Type.String() });
export type MemberParams = Static<typeof MemberParams>;

const ResourceKindEnum = Type.Enum([...RESOURCE_KINDS]);

export const Resource = Type.Object({
  id: Type.Integer(),
  service: Type.String(),
  parent: Nullable(Type.Integer()),
  kind: ResourceKindEnum,
  name: Type.String(),
  path: Type.String({ description: 'Names from the service down, joined by /' }),
  created_at: time(),
});
export type ResourceJSON = Static<typeof Resource>;

export const ResourceParams = Type.Object({
  name: Type.String(),
  id: Type.String({ description: 'Resource id, or its path of names' }),
});
export type ResourceParams = Static<typeof ResourceParams>;

export const ResourceCreate = Type.Object(
  {
    kind: ResourceKindEnum,
    name: Type.String({ description: 'Process id, layer or feature type name, one path segment…' }),
    parent: Type.Optional(
      ResourceRef('Parent resource: its id or its path of names (layers nest in layers, paths in paths)'),
    ),
  },
  { additionalProperties: false },
);
export type ResourceCreate = Static<typeof ResourceCreate>;

export const ResourcePatch = Type.Object(
  {
    name: Type.Optional(Type.String()),
    parent: Type.Optional(ResourceRef('Its id or path of names; null: directly under the service')),
  },
  { additionalProperties: false },
);
export type ResourcePatch = Static<typeof ResourcePatch>;

export const Permission = Type.Object({
  id: Type.Integer(),
  user: Type.Optional(Type.String()),
  group: Type.Optional(Type.String()),
  service: Type.String(),
  resource: Nullable(Type.Integer({ description: 'null: the service itself' })),
  permission: Type.String({ examples: ['execute'] }),
  access: AccessEnum,
  scope: ScopeEnum,
  created_at: time(),
});
export type PermissionJSON = Static<typeof Permission>;

export const PermissionParams = Type.Object({ id: Type.String({ description: 'The permission id' }) });
export type PermissionParams = Static<typeof PermissionParams>;

export const PermissionsQuery = Type.Object({
  user: Type.Optional(Type.String()),
  group: Type.Optional(Type.String()),
  service: Type.Optional(Type.String()),
  resource: Type.Optional(Type.String({ description: 'id, name or path (needs service)' })),
});
export type PermissionsQuery = Static<typeof PermissionsQuery>;

/** One of `words`, or null for `fallback` (a request member). */
function orNullWord<W extends string>(words: readonly W[], fallback: W) {
  return Type.Unsafe<W | null>({
    type: ['string', 'null'],
    enum: [...words, null],
    description: `null or absent: ${fallback}`,
  });
}

export const Grant = Type.Object(
  {
    user: Type.Optional(Type.String()),
    group: Type.Optional(Type.String()),
    service: Type.String(),
    resource: Type.Optional(ResourceRef('id, name or path of names')),
    permission: Type.String({ examples: ['execute'] }),
    // null: the default, as the hand checks before the schemas read it
    access: Type.Optional(withMessages(orNullWord(['allow', 'deny'], 'allow'), 'must be allow or deny')),
    scope: Type.Optional(
      withMessages(orNullWord(['match', 'recursive'], 'recursive'), 'must be match or recursive'),
    ),
  },
  { additionalProperties: false },
);
export type Grant = Static<typeof Grant>;

export const Considered = Type.Object({
  ...Permission.properties,
  depth: Type.Integer({ description: '0: on the resource itself, 1: its parent, …' }),
  priority: Type.Optional(Type.Integer({ description: 'The group priority (absent for the user’s own)' })),
});

export const Resolution = Type.Object({
  permission: Type.String(),
  allow: Type.Boolean(),
  reason: Type.Enum(['administrator', 'user', 'group', 'no-permission', 'unknown-permission'], {
    description:
      'administrator; a permission of the user or of a group decided; nothing applied (default deny)',
  }),
  rule: Type.String({ description: 'The deciding permission, e.g. group:staff:execute-allow-recursive@emu' }),
  decided_by: Nullable(Permission),
  considered: Type.Array(Considered, {
    description: 'Every permission that applied, the deciding one first',
  }),
});

export const EffectiveQuery = Type.Object({
  service: Type.String(),
  resource: Type.Optional(
    Type.String({ description: 'id, name or path of names; omitted: the service itself' }),
  ),
  permission: Type.Optional(Type.String()),
});
export type EffectiveQuery = Static<typeof EffectiveQuery>;

export const Effective = Type.Object({
  user: Type.String(),
  service: Type.String(),
  resource: Type.Union([Resource, Type.Object({ name: Type.String() }), Type.Null()], {
    description: 'The resource; only its name when it is not registered; null: the service itself',
  }),
  registered: Type.Boolean({ description: 'false: the resource is not in the tree' }),
  admin: Type.Boolean({ description: 'An administrator is allowed everything' }),
  groups: Type.Array(Type.Object({ name: Type.String(), priority: Type.Integer() }), {
    description: 'The groups of the user, the implicit ones included',
  }),
  permissions: Type.Array(Resolution),
});
export type EffectiveJSON = Static<typeof Effective>;
