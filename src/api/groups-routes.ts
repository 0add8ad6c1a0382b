import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ANONYMOUS_GROUP, AUTHENTICATED_GROUP } from '../authz/model.js';
import { type FieldError, TwitcherError } from '../errors.js';
import type { Store } from '../store/types.js';
import { failFields, groupSchema, toGroupJSON } from './authz-json.js';
import { objectBody } from './json-body.js';
import { problemSchema } from './service-schemas.js';

interface Options {
  store: Store;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['groups'];
const security = [{ basicAuth: [] }];
const noValidation = () => () => true;
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const MAX_DESCRIPTION = 1024;
const PRIORITY = 1_000_000;
const nameParam = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } as const;
const memberParams = {
  type: 'object',
  required: ['name', 'user'],
  properties: { name: { type: 'string' }, user: { type: 'string' } },
} as const;
const errors = { 401: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };

function groupNotFound(name: string): TwitcherError {
  return new TwitcherError('not_found', { description: `No group "${name}".` });
}

function parseGroupFields(body: Record<string, unknown>, creating: boolean) {
  const fields: FieldError[] = Object.keys(body)
    .filter((k) => !['name', 'priority', 'description'].includes(k) || (!creating && k === 'name'))
    .map((field) => ({ field, message: 'is not a known field' }));
  const { name, priority, description } = body;
  if (creating && (typeof name !== 'string' || !GROUP_NAME.test(name))) {
    fields.push({
      field: 'name',
      message: 'must be 1 to 64 letters, digits or ._@- (starting with a letter or digit)',
    });
  }
  if (priority !== undefined && (!Number.isInteger(priority) || Math.abs(priority as number) >= PRIORITY)) {
    fields.push({
      field: 'priority',
      message: `must be an integer between -${PRIORITY - 1} and ${PRIORITY - 1}`,
    });
  }
  if (
    description !== undefined &&
    (typeof description !== 'string' || description.length > MAX_DESCRIPTION)
  ) {
    fields.push({
      field: 'description',
      message: `must be a string of at most ${MAX_DESCRIPTION} characters`,
    });
  }
  if (fields.length > 0) failFields(fields);
  return {
    name: name as string,
    ...(priority !== undefined && { priority: priority as number }),
    ...(description !== undefined && { description: description as string }),
  };
}

/** Groups and their members (administrator only). */
export async function groupsRoutes(app: FastifyInstance, { store, requireAdmin }: Options): Promise<void> {
  app.addHook('preHandler', requireAdmin);

  app.get(
    '/groups',
    {
      schema: {
        tags,
        security,
        summary: 'List the groups',
        response: { 200: { type: 'array', items: groupSchema } },
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
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            priority: { type: 'integer', default: 0 },
            description: { type: 'string', default: '' },
          },
        },
        response: { 201: groupSchema, ...errors },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const f = parseGroupFields(objectBody(request.body), true);
      const group = await store.groups.create({
        name: f.name,
        priority: f.priority ?? 0,
        description: f.description ?? '',
      });
      return reply
        .code(201)
        .header('Location', `/groups/${encodeURIComponent(group.name)}`)
        .send(toGroupJSON(group));
    },
  );

  app.get<{ Params: { name: string } }>(
    '/groups/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Get a group and its members',
        params: nameParam,
        response: {
          200: {
            ...groupSchema,
            properties: { ...groupSchema.properties, members: { type: 'array', items: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const group = await store.groups.get(request.params.name);
      if (!group) throw groupNotFound(request.params.name);
      return { ...toGroupJSON(group), members: await store.groups.members(group.name) };
    },
  );

  app.patch<{ Params: { name: string } }>(
    '/groups/:name',
    {
      schema: {
        tags,
        security,
        summary: "Change a group's priority or description",
        params: nameParam,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { priority: { type: 'integer' }, description: { type: 'string' } },
        },
        response: { 200: groupSchema, ...errors },
      },
      validatorCompiler: noValidation,
    },
    async (request) => {
      const f = parseGroupFields(objectBody(request.body), false);
      const group = await store.groups.update(request.params.name, f);
      if (!group) throw groupNotFound(request.params.name);
      return toGroupJSON(group);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/groups/:name',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a group (refused while it has members or permissions)',
        params: nameParam,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      if (!(await store.groups.delete(request.params.name))) throw groupNotFound(request.params.name);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { name: string } }>(
    '/groups/:name/members',
    {
      schema: {
        tags,
        security,
        summary: 'List the members of a group',
        params: nameParam,
        response: { 200: { type: 'array', items: { type: 'string' } }, ...errors },
      },
    },
    async (request) => store.groups.members(request.params.name),
  );

  app.get<{ Params: { name: string } }>(
    '/users/:name/groups',
    {
      schema: {
        tags,
        security,
        summary: 'List the groups a user is a member of (besides the implicit anonymous and authenticated)',
        params: nameParam,
        response: { 200: { type: 'array', items: groupSchema }, ...errors },
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

  app.put<{ Params: { name: string; user: string } }>(
    '/groups/:name/members/:user',
    {
      schema: {
        tags,
        security,
        summary: 'Add a user to a group (201 when added, 204 when already a member)',
        params: memberParams,
        response: { 201: { type: 'null' }, 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      implicit(request.params.name);
      const added = await store.groups.addMember(request.params.name, request.params.user);
      return reply.code(added ? 201 : 204).send();
    },
  );

  app.delete<{ Params: { name: string; user: string } }>(
    '/groups/:name/members/:user',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a user from a group',
        params: memberParams,
        response: { 204: { type: 'null' }, ...errors },
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
