import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TwitcherError } from '../errors.js';
import type { UserRepository } from '../store/types.js';
import {
  certificateDNProblem,
  changePassword,
  createUser,
  toUserJSON,
  userNotFound,
} from '../users/users.js';
import { objectBody, rejectUnknownFields } from './json-body.js';
import { problemSchema } from './service-schemas.js';

interface Options {
  users: UserRepository;
  adminUsername: string;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['users'];
const security = [{ basicAuth: [] }];
const userSchema = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    admin: { type: 'boolean' },
    created_at: { type: 'string' },
    certificate_dn: {
      type: 'string',
      nullable: true,
      description: 'Client certificates with this subject act for the user on acl services',
    },
  },
} as const;
const certificateDN = {
  type: ['string', 'null'],
  description: 'Subject DN of the user’s client certificates (RFC 4514 or /one/line form); null clears it',
} as const;
const nameParam = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } as const;
const noValidation = () => () => true;

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
export async function usersRoutes(app: FastifyInstance, { users, adminUsername, requireAdmin }: Options) {
  app.addHook('preHandler', requireAdmin);

  app.get(
    '/users',
    {
      schema: {
        tags,
        security,
        summary: 'List the users',
        response: { 200: { type: 'array', items: userSchema } },
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
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: {
            username: { type: 'string' },
            password: { type: 'string', minLength: 8 },
            certificate_dn: certificateDN,
          },
        },
        description:
          "409 `duplicate_name` for a name taken (in any case), or the administrator's (`admin.username`, in any case).",
        response: { 201: userSchema, 409: problemSchema, 422: problemSchema },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const body = objectBody(request.body);
      const username = body['username'];
      if (typeof username === 'string' && sameName(username, adminUsername)) {
        throw adminNameTaken(username);
      }
      // Names that differ in case only would pass for each other where names compare without case
      // (certificate subjects, DN patterns): one of them, as for the administrator's.
      const twin =
        typeof username === 'string'
          ? (await users.list()).find((u) => sameName(u.username, username))
          : undefined;
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

  app.get<{ Params: { name: string } }>(
    '/users/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Get a user',
        params: nameParam,
        response: { 200: userSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const user = await users.get(request.params.name);
      if (!user) throw userNotFound(request.params.name);
      return toUserJSON(user);
    },
  );

  app.patch<{ Params: { name: string } }>(
    '/users/:name',
    {
      schema: {
        tags,
        security,
        summary: "Change a user's password and/or certificate DN",
        params: nameParam,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { password: { type: 'string' }, certificate_dn: certificateDN },
        },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const name = request.params.name;
      // A user stored under the administrator's name before that was refused: not changed, only removed.
      if (sameName(name, adminUsername) && !(await users.get(name))?.isAdmin) {
        throw adminNameTaken(name);
      }
      const body = objectBody(request.body);
      rejectUnknownFields(body, ['password', 'certificate_dn']);
      const dn = body['certificate_dn'];
      const problem = dn === undefined ? undefined : certificateDNProblem(dn);
      if (problem || (dn === undefined && body['password'] === undefined)) {
        const field = problem ? 'certificate_dn' : 'password';
        const message = problem ?? 'is required (or certificate_dn)';
        throw new TwitcherError('validation_failed', {
          description: `${field} ${message}`,
          fields: [{ field, message }],
        });
      }
      if (body['password'] !== undefined) {
        await changePassword(users, request.params.name, { password: body['password'] });
      }
      if (
        dn !== undefined &&
        !(await users.setCertificateDN(request.params.name, (dn as string | null) ?? undefined))
      ) {
        throw userNotFound(request.params.name);
      }
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/users/:name',
    { schema: { tags, security, summary: 'Remove a user', params: nameParam } },
    async (request, reply) => {
      if (request.params.name === adminUsername) {
        throw new TwitcherError('conflict', { description: 'The administrator account cannot be removed.' });
      }
      if (!(await users.delete(request.params.name))) throw userNotFound(request.params.name);
      return reply.code(204).send();
    },
  );
}
