import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { fieldsError, TwitcherError } from '../errors.js';
import type { UserRepository } from '../store/types.js';
import {
  certificateDNProblem,
  changePassword,
  createUser,
  MIN_PASSWORD,
  toUserJSON,
  userNotFound,
} from '../users/users.js';
import { errors, NameParams, NoContent, Nullable, OrNull, security } from './common-schemas.js';
import { adminPlugin } from './validation.js';

interface Options {
  users: UserRepository;
  adminUsername: string;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['users'];

/** A user as answered: never its password. */
export const User = Type.Object({
  username: Type.String(),
  admin: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  certificate_dn: Nullable(
    Type.String({ description: 'Client certificates with this subject act for the user on acl services' }),
  ),
});
export type UserJSON = Static<typeof User>;

const certificateDN = () =>
  Type.Optional(
    OrNull(
      Type.String({
        description:
          'Subject DN of the user’s client certificates (RFC 4514 or /one/line form); null clears it',
      }),
    ),
  );

/** users.ts checks the name's characters, the password's length and the DN. */
export const UserCreate = Type.Object(
  {
    username: Type.String({
      description: '1 to 128 letters, digits or ._@- (starting with a letter or digit)',
    }),
    password: Type.String({ minLength: MIN_PASSWORD }),
    certificate_dn: certificateDN(),
  },
  { additionalProperties: false },
);
export type UserCreate = Static<typeof UserCreate>;

export const UserPatch = Type.Object(
  { password: Type.Optional(Type.String()), certificate_dn: certificateDN() },
  { additionalProperties: false },
);
export type UserPatch = Static<typeof UserPatch>;

/**
 * A user named like the administrator (`admin.username`, in any case: certificate subjects and DN
 * patterns compare names case-insensitively, RFC 5280 §7.1) would pass for it in logs, audit records
 * and issued certificates, and makes the next start refuse to run: 409, as for a taken name.
 */
function adminNameTaken(username: string): TwitcherError {
  return new TwitcherError('duplicate_name', {
    description: `"${username}" is the administrator's user name (admin.username); choose another.`,
  });
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Twitcher's own users (the certificate service's logon checks their passwords). Administrator only. */
export async function usersRoutes(fastify: FastifyInstance, { users, adminUsername, requireAdmin }: Options) {
  adminPlugin(fastify, requireAdmin);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/users',
    {
      schema: {
        tags,
        security,
        summary: 'List the users',
        response: { 200: Type.Array(User), ...errors },
      },
    },
    async () => (await users.list()).map(toUserJSON),
  );

  app.post(
    '/users',
    {
      schema: {
        tags,
        security,
        summary: 'Add a user (the password is stored as an scrypt hash)',
        body: UserCreate,
        description:
          "409 `duplicate_name` for a name taken (in any case), or the administrator's (`admin.username`, in any case).",
        response: { 201: User, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const username = body.username;
      if (sameName(username, adminUsername)) {
        throw adminNameTaken(username);
      }
      // Names that differ in case only would pass for each other where names compare without case
      // (certificate subjects, DN patterns): one of them, as for the administrator's.
      const twin = (await users.list()).find((u) => sameName(u.username, username));
      if (twin !== undefined && twin.username !== username) {
        throw new TwitcherError('duplicate_name', {
          description: `A user "${twin.username}" exists: names differing in case only are one name.`,
        });
      }
      const user = await createUser(users, body);
      return reply
        .code(201)
        .header('Location', `/users/${encodeURIComponent(user.username)}`)
        .send(toUserJSON(user));
    },
  );

  app.get(
    '/users/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Get a user',
        params: NameParams,
        response: { 200: User, ...errors },
      },
    },
    async (request) => {
      const user = await users.get(request.params.name);
      if (!user) throw userNotFound(request.params.name);
      return toUserJSON(user);
    },
  );

  app.patch(
    '/users/:name',
    {
      schema: {
        tags,
        security,
        summary: "Change a user's password and/or certificate DN",
        params: NameParams,
        body: UserPatch,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      const name = request.params.name;
      // A user stored under the administrator's name before that was refused: not changed, only removed.
      if (sameName(name, adminUsername) && !(await users.get(name))?.isAdmin) {
        throw adminNameTaken(name);
      }
      const { password, certificate_dn: dn } = request.body;
      const problem = dn === undefined ? undefined : certificateDNProblem(dn);
      if (problem) throw fieldsError([{ field: 'certificate_dn', message: problem }]);
      if (dn === undefined && password === undefined) {
        throw fieldsError([{ field: 'password', message: 'is required (or certificate_dn)' }]);
      }
      if (password !== undefined) await changePassword(users, request.params.name, { password });
      if (dn !== undefined && !(await users.setCertificateDN(request.params.name, dn ?? undefined))) {
        throw userNotFound(request.params.name);
      }
      return reply.code(204).send();
    },
  );

  app.delete(
    '/users/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a user',
        params: NameParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      if (request.params.name === adminUsername) {
        throw new TwitcherError('conflict', { description: 'The administrator account cannot be removed.' });
      }
      if (!(await users.delete(request.params.name))) throw userNotFound(request.params.name);
      return reply.code(204).send();
    },
  );
}
