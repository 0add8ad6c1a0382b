import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TwitcherError } from '../errors.js';
import { clientNotFound, createClient, parseScopes, toClientJSON, updateClient } from '../oauth/clients.js';
import { introspection } from '../oauth/oauth-routes.js';
import { MAX_DATA_ENTRIES, MAX_DATA_TOTAL, MAX_DATA_VALUE, parseTokenData } from '../oauth/token-data.js';
import { grantScopes } from '../oauth/token-endpoint.js';
import type { TokenService } from '../oauth/token-service-types.js';
import type { ClientRecord, ClientRepository } from '../store/types.js';
import { objectBody, rejectUnknownFields } from './json-body.js';
import { problemSchema } from './service-schemas.js';

interface Options {
  clients: ClientRepository;
  tokens: TokenService;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const security = [{ basicAuth: [] }];
const tags = ['clients'];
const clientSchema = {
  type: 'object',
  properties: {
    client_id: { type: 'string' },
    name: { type: 'string' },
    redirect_uri: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: ['compute', 'register'] } },
    data: { type: 'object', additionalProperties: { type: 'string' } },
    created_at: { type: 'string', format: 'date-time' },
    user: { type: 'string', nullable: true, description: 'The user its tokens act for on acl services' },
  },
} as const;
/** Token data as the OpenAPI document shows it; token-data.ts checks it (docs/tokens.md). */
function tokenDataSchema(description: string) {
  return {
    type: 'object',
    maxProperties: MAX_DATA_ENTRIES,
    additionalProperties: {
      type: 'string',
      maxLength: MAX_DATA_VALUE,
      pattern: '^([!-~]([ -~]*[!-~])?)?$',
    },
    description:
      `${description}. Keys: 1 to 64 letters, digits and - (no _), distinct whatever their case; ` +
      `values: visible ASCII and inner spaces; keys and values total at most ${MAX_DATA_TOTAL} characters.`,
  } as const;
}
const clientInput = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    redirect_uri: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: ['compute', 'register'] }, default: ['compute'] },
    data: tokenDataSchema(
      'Key/value data passed with its tokens to upstreams registered with passTokenData, as headers',
    ),
    user: {
      type: ['string', 'null'],
      description: 'The user its tokens act for on acl services (the owner); null clears it',
    },
  },
} as const;
const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;
const noValidation = () => () => true;
const errors = { 401: problemSchema, 404: problemSchema, 422: problemSchema };
const CLIENT_FIELDS = ['name', 'redirect_uri', 'scopes', 'data', 'user'];

/** A client as the admin API shows it: with its owner. */
const clientJSON = (client: ClientRecord) => ({ ...toClientJSON(client), user: client.owner ?? null });

/** The `user` (owner) of a client body: a user name, null to clear, or absent. */
function ownerOf(body: Record<string, unknown>): string | null | undefined {
  const user = body['user'];
  if (user === undefined || user === null) return user;
  if (typeof user !== 'string' || user === '') {
    throw new TwitcherError('validation_failed', {
      description: 'user must be a user name or null',
      fields: [{ field: 'user', message: 'must be a user name or null' }],
    });
  }
  return user;
}

/** The body without `user`, for the client functions of oauth/. */
function withoutOwner(body: Record<string, unknown>): Record<string, unknown> {
  const { user: _user, ...rest } = body;
  return rest;
}

/** Admin API of OAuth2 clients and tokens (administrator only). */
export async function clientsRoutes(
  app: FastifyInstance,
  { clients, tokens, requireAdmin }: Options,
): Promise<void> {
  app.addHook('preHandler', requireAdmin);

  app.get(
    '/clients',
    {
      schema: {
        tags,
        security,
        summary: 'List the OAuth2 clients',
        response: { 200: { type: 'array', items: clientSchema } },
      },
    },
    async () => (await clients.list()).map(clientJSON),
  );

  app.post(
    '/clients',
    {
      schema: {
        tags,
        security,
        summary: 'Register a client; the secret is in this answer only',
        body: clientInput,
        response: {
          201: {
            ...clientSchema,
            properties: { ...clientSchema.properties, client_secret: { type: 'string' } },
          },
          ...errors,
        },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const body = objectBody(request.body);
      rejectUnknownFields(body, CLIENT_FIELDS);
      const owner = ownerOf(body) ?? undefined;
      // The owner is written with the client, in one insert: an unknown user leaves no client behind.
      const withOwner: ClientRepository =
        owner === undefined ? clients : { ...clients, create: (c) => clients.create({ ...c, owner }) };
      const { client, secret } = await createClient(withOwner, withoutOwner(body));
      return reply
        .code(201)
        .header('Location', `/clients/${client.clientId}`)
        .header('cache-control', 'no-store')
        .send({ ...clientJSON({ ...client, owner }), client_secret: secret });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/clients/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Get a client',
        params: idParam,
        response: { 200: clientSchema, ...errors },
      },
    },
    async (request) => {
      const client = await clients.get(request.params.id);
      if (!client) throw clientNotFound(request.params.id);
      return clientJSON(client);
    },
  );

  app.patch<{ Params: { id: string } }>(
    '/clients/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change a client (name, redirect_uri, scopes, data, user)',
        params: idParam,
        body: clientInput,
      },
      validatorCompiler: noValidation,
    },
    async (request) => {
      const body = objectBody(request.body);
      rejectUnknownFields(body, CLIENT_FIELDS);
      const owner = ownerOf(body);
      if (owner === undefined)
        return clientJSON(await updateClient(clients, request.params.id, withoutOwner(body)));
      // The owner goes with the other changes, in one update.
      const withOwner: ClientRepository = {
        ...clients,
        update: (id, changes) => clients.update(id, { ...changes, owner }),
      };
      return clientJSON(await updateClient(withOwner, request.params.id, withoutOwner(body)));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/clients/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a client: every token it was issued is refused from then on, of every kind',
        params: idParam,
      },
    },
    async (request, reply) => {
      if (!(await clients.delete(request.params.id))) throw clientNotFound(request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/clients/:id/tokens',
    {
      schema: {
        tags,
        security,
        summary: 'Issue a token for a client, with extra data (merged over the client data)',
        params: idParam,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            scope: {
              type: 'string',
              description: 'Space-separated; default: the client scopes but register',
            },
            data: tokenDataSchema('Merged over the client data (a key replaces the same header name)'),
          },
        },
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const body = request.body === undefined ? {} : objectBody(request.body);
      rejectUnknownFields(body, ['scope', 'data']);
      const client = await clients.get(request.params.id);
      if (!client) throw clientNotFound(request.params.id);
      const fieldErrors: { field: string; message: string }[] = [];
      const data = parseTokenData(body['data'], 'data', fieldErrors);
      if (body['scope'] !== undefined) parseScopes(body['scope'], 'scope', fieldErrors);
      if (fieldErrors.length > 0) {
        throw new TwitcherError('validation_failed', {
          description: fieldErrors.map((e) => `${e.field} ${e.message}`).join('; '),
          fields: fieldErrors,
        });
      }
      if (tokens.issuing === undefined) {
        throw new TwitcherError('invalid_request', {
          description: 'This Twitcher issues no tokens (token.type keycloak).',
        });
      }
      const scopes = grantScopes(client, typeof body['scope'] === 'string' ? body['scope'] : undefined);
      const issued = await tokens.issue(client, scopes, data);
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({
          access_token: issued.accessToken,
          token_type: 'Bearer',
          expires_in: issued.expiresIn,
          scope: issued.scopes.join(' '),
        });
    },
  );

  const tokenBody = {
    type: 'object',
    required: ['token'],
    additionalProperties: false,
    properties: { token: { type: 'string' } },
  } as const;
  const readToken = (body: unknown): string => {
    const b = objectBody(body);
    rejectUnknownFields(b, ['token']);
    if (typeof b['token'] !== 'string' || b['token'] === '') {
      throw new TwitcherError('validation_failed', {
        description: 'token is required',
        fields: [{ field: 'token', message: 'is required' }],
      });
    }
    return b['token'];
  };

  app.post(
    '/tokens/revoke',
    {
      schema: {
        tags: ['tokens'],
        security,
        summary: 'Revoke any token Twitcher issued (refused at once)',
        body: tokenBody,
      },
      validatorCompiler: noValidation,
    },
    async (request, reply) => {
      const revoked = await tokens.revoke(readToken(request.body));
      if (!revoked)
        throw new TwitcherError('not_found', {
          description: 'That is not a valid token issued by Twitcher.',
        });
      return reply.code(204).send();
    },
  );

  app.post(
    '/tokens/introspect',
    {
      schema: {
        tags: ['tokens'],
        security,
        summary: 'What a token grants (RFC 7662 shape)',
        body: tokenBody,
      },
      validatorCompiler: noValidation,
    },
    async (request) => {
      const info = await tokens.verify(readToken(request.body)).catch(() => undefined);
      return info ? introspection(info) : { active: false };
    },
  );
}
