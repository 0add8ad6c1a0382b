/** Schemas every admin route shares: the problem answer, the security scheme, name parameters. */
import { type Static, type TSchema, Type } from 'typebox';

/** RFC 9457 problem details, as src/http/problem.ts renders them. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable error code' }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details' },
);

/** The admin API's security requirement (HTTP Basic with the administrator's account). */
export const security = [{ basicAuth: [] }];

/** The problem answers of routes that can refuse, find nothing, conflict and refuse fields. */
export const errors = { 401: Problem, 404: Problem, 409: Problem, 422: Problem } as const;

/** An empty answer (201/204): nothing is sent. */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'No content' });

/** `{name}` in the path. */
export const NameParams = Type.Object({ name: Type.String() });
export type NameParams = Static<typeof NameParams>;

/** `T` or null, in an answer. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/**
 * `T` or null, in a request: one JSON type list (`["string", "null"]`), so that a wrong value is one
 * error of that field rather than one per alternative.
 */
export function OrNull<T extends TSchema & { type: string | string[] }>(schema: T) {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [...types, 'null'] });
}
