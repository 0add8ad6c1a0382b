import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ANONYMOUS_GROUP, AUTHENTICATED_GROUP } from '../authz/model.js';
import { TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import { toGroupJSON } from './authz-json.js';
import { Group, GroupCreate, GroupPatch, GroupWithMembers, MemberParams } from './authz-schemas.js';
import { errors, NameParams, NoContent, security } from './common-schemas.js';
import { adminPlugin } from './validation.js';

interface Options {
  store: Store;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['groups'];

function groupNotFound(name: string): TwitcherError {
  return new TwitcherError('not_found', { description: `No group "${name}".` });
}

/** Groups and their members (administrator only). */
export async function groupsRoutes(
  fastify: FastifyInstance,
  { store, requireAdmin }: Options,
): Promise<void> {
  adminPlugin(fastify, requireAdmin);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/groups',
    {
      schema: {
        tags,
        security,
        summary: 'List the groups',
        response: { 200: Type.Array(Group), ...errors },
      },
    },
    async () => (await store.groups.list()).map(toGroupJSON),
  );

  app.post(
    '/groups',
    {
      schema: {
        tags,
        security,
        summary: 'Add a group',
        description: 'priority defaults to 0, description to an empty one.',
        body: GroupCreate,
        response: { 201: Group, ...errors },
      },
    },
    async (request, reply) => {
      const { name, priority = 0, description = '' } = request.body;
      const group = await store.groups.create({ name, priority, description });
      return reply
        .code(201)
        .header('Location', `/groups/${encodeURIComponent(group.name)}`)
        .send(toGroupJSON(group));
    },
  );

  app.get(
    '/groups/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Get a group and its members',
        params: NameParams,
        response: { 200: GroupWithMembers, ...errors },
      },
    },
    async (request) => {
      const group = await store.groups.get(request.params.name);
      if (!group) throw groupNotFound(request.params.name);
      return { ...toGroupJSON(group), members: await store.groups.members(group.name) };
    },
  );

  app.patch(
    '/groups/:name',
    {
      schema: {
        tags,
        security,
        summary: "Change a group's priority or description",
        params: NameParams,
        body: GroupPatch,
        response: { 200: Group, ...errors },
      },
    },
    async (request) => {
      const group = await store.groups.update(request.params.name, request.body);
      if (!group) throw groupNotFound(request.params.name);
      return toGroupJSON(group);
    },
  );

  app.delete(
    '/groups/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a group (refused while it has members or permissions)',
        params: NameParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      if (!(await store.groups.delete(request.params.name))) throw groupNotFound(request.params.name);
      return reply.code(204).send();
    },
  );

  app.get(
    '/groups/:name/members',
    {
      schema: {
        tags,
        security,
        summary: 'List the members of a group',
        params: NameParams,
        response: { 200: Type.Array(Type.String()), ...errors },
      },
    },
    async (request) => store.groups.members(request.params.name),
  );

  app.get(
    '/users/:name/groups',
    {
      schema: {
        tags,
        security,
        summary: 'List the groups a user is a member of (besides the implicit anonymous and authenticated)',
        params: NameParams,
        response: { 200: Type.Array(Group), ...errors },
      },
    },
    async (request) => {
      if (!(await store.users.get(request.params.name))) {
        throw new TwitcherError('not_found', { description: `No user "${request.params.name}".` });
      }
      return (await store.groups.groupsOf(request.params.name)).map(toGroupJSON);
    },
  );

  const implicit = (group: string) => {
    if (group === ANONYMOUS_GROUP || group === AUTHENTICATED_GROUP) {
      throw new TwitcherError('conflict', {
        description: `Everyone ${group === ANONYMOUS_GROUP ? '' : 'with a valid credential '}is in "${group}": it takes no members.`,
      });
    }
  };

  app.put(
    '/groups/:name/members/:user',
    {
      schema: {
        tags,
        security,
        summary: 'Add a user to a group (201 when added, 204 when already a member)',
        params: MemberParams,
        response: { 201: NoContent, 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      implicit(request.params.name);
      const added = await store.groups.addMember(request.params.name, request.params.user);
      return reply.code(added ? 201 : 204).send();
    },
  );

  app.delete(
    '/groups/:name/members/:user',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a user from a group',
        params: MemberParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      if (!(await store.groups.removeMember(request.params.name, request.params.user))) {
        throw new TwitcherError('not_found', {
          description: `"${request.params.user}" is not a member of "${request.params.name}".`,
        });
      }
      return reply.code(204).send();
    },
  );
}
