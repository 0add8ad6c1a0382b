import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { fieldsError, TwitcherError } from '../errors.js';
import { clientNotFound, createClient, parseScopes, toClientJSON, updateClient } from '../oauth/clients.js';
import { introspection } from '../oauth/oauth-routes.js';
import { parseTokenData } from '../oauth/token-data.js';
import { grantScopes } from '../oauth/token-endpoint.js';
import type { TokenService } from '../oauth/token-service-types.js';
import type { ClientRecord, ClientRepository } from '../store/types.js';
import {
  Client,
  ClientInput,
  type ClientJSON,
  ClientParams,
  ClientWithSecret,
  Introspection,
  Token,
  TokenBody,
  TokenRequest,
} from './clients-schemas.js';
import { errors, NoContent, security } from './common-schemas.js';
import { adminPlugin } from './validation.js';

interface Options {
  clients: ClientRepository;
  tokens: TokenService;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['clients'];

/** A client as the admin API shows it: with its owner. */
const clientJSON = (client: ClientRecord): ClientJSON => ({
  ...toClientJSON(client),
  user: client.owner ?? null,
});

/** No body at all is an empty one: the token request's members are all optional. */
const noBodyIsEmpty: preValidationAsyncHookHandler = async (request) => {
  if (request.body === undefined) request.body = {};
};

/** Admin API of OAuth2 clients and tokens (administrator only). */
export async function clientsRoutes(fastify: FastifyInstance, options: Options): Promise<void> {
  adminPlugin(fastify, options.requireAdmin);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { clients, tokens } = options;
  const summary = (text: string) => ({ tags, security, summary: text });

  app.get(
    '/clients',
    { schema: { ...summary('List the OAuth2 clients'), response: { 200: Type.Array(Client), ...errors } } },
    async () => (await clients.list()).map(clientJSON),
  );

  app.post(
    '/clients',
    {
      schema: {
        ...summary('Register a client; the secret is in this answer only'),
        body: ClientInput,
        response: { 201: ClientWithSecret, ...errors },
      },
    },
    async (request, reply) => {
      const { user: owner, ...fields } = request.body;
      // The owner is written with the client, in one insert: an unknown user leaves no client behind.
      const withOwner: ClientRepository =
        owner == null ? clients : { ...clients, create: (c) => clients.create({ ...c, owner }) };
      const { client, secret } = await createClient(withOwner, fields);
      return reply
        .code(201)
        .header('Location', `/clients/${client.clientId}`)
        .header('cache-control', 'no-store')
        .send({ ...clientJSON({ ...client, owner: owner ?? undefined }), client_secret: secret });
    },
  );

  app.get(
    '/clients/:id',
    { schema: { ...summary('Get a client'), params: ClientParams, response: { 200: Client, ...errors } } },
    async (request) => {
      const client = await clients.get(request.params.id);
      if (!client) throw clientNotFound(request.params.id);
      return clientJSON(client);
    },
  );

  app.patch(
    '/clients/:id',
    {
      schema: {
        ...summary('Change a client (name, redirect_uri, scopes, data, user)'),
        params: ClientParams,
        body: ClientInput,
        response: { 200: Client, ...errors },
      },
    },
    async (request) => {
      const { user: owner, ...fields } = request.body;
      // The owner goes with the other changes, in one update.
      const withOwner: ClientRepository =
        owner === undefined
          ? clients
          : { ...clients, update: (id, changes) => clients.update(id, { ...changes, owner }) };
      return clientJSON(await updateClient(withOwner, request.params.id, fields));
    },
  );

  app.delete(
    '/clients/:id',
    {
      schema: {
        ...summary('Delete a client: every token it was issued is refused from then on, of every kind'),
        params: ClientParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      if (!(await clients.delete(request.params.id))) throw clientNotFound(request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/clients/:id/tokens',
    {
      schema: {
        ...summary('Issue a token for a client, with extra data (merged over the client data)'),
        params: ClientParams,
        body: TokenRequest,
        response: { 201: Token, ...errors },
      },
      preValidation: noBodyIsEmpty,
    },
    async (request, reply) => {
      const token = await issueToken(options, request.params.id, request.body);
      return reply.code(201).header('cache-control', 'no-store').send(token);
    },
  );

  app.post(
    '/tokens/revoke',
    {
      schema: {
        ...summary('Revoke any token Twitcher issued (refused at once)'),
        tags: ['tokens'],
        body: TokenBody,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      if (!(await tokens.revoke(request.body.token))) {
        throw new TwitcherError('not_found', {
          description: 'That is not a valid token issued by Twitcher.',
        });
      }
      return reply.code(204).send();
    },
  );

  // introspection() (oauth/) answers a loose record: the schema is the contract, fastify serialises by it
  fastify.post<{ Body: TokenBody }>(
    '/tokens/introspect',
    {
      schema: {
        ...summary('What a token grants (RFC 7662 shape)'),
        tags: ['tokens'],
        body: TokenBody,
        response: { 200: Introspection, ...errors },
      },
    },
    async (request) => {
      const info = await tokens.verify(request.body.token).catch(() => undefined);
      return info ? introspection(info) : { active: false };
    },
  );
}

/** A token for the client, its data merged over the client's: what cannot travel is refused first. */
async function issueToken({ clients, tokens }: Options, clientId: string, body: TokenRequest) {
  const client = await clients.get(clientId);
  if (!client) throw clientNotFound(clientId);
  const fieldErrors: { field: string; message: string }[] = [];
  const data = parseTokenData(body.data, 'data', fieldErrors);
  if (body.scope !== undefined) parseScopes(body.scope, 'scope', fieldErrors);
  if (fieldErrors.length > 0) throw fieldsError(fieldErrors);
  if (tokens.issuing === undefined) {
    throw new TwitcherError('invalid_request', {
      description: 'This Twitcher issues no tokens (token.type keycloak).',
    });
  }
  const issued = await tokens.issue(client, grantScopes(client, body.scope), data);
  return {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    scope: issued.scopes.join(' '),
  };
}
