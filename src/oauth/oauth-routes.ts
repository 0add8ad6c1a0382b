import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TwitcherError } from '../errors.js';
import { formBodyAsText, renderErrorsAs } from '../http/surface.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ClientRepository } from '../store/types.js';
import { authenticateClient } from './authenticate-client.js';
import { createClient } from './clients.js';
import { readOAuthParams, requireParam } from './oauth-params.js';
import { sendOAuthError } from './render-oauth-error.js';
import { clientCredentialsGrant } from './token-endpoint.js';
import type { TokenService } from './token-service-types.js';
import type { AccessTokenInfo } from './tokens/types.js';

interface Options {
  clients: ClientRepository;
  tokens: TokenService;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
  /** Refused token requests are counted by reason. */
  metrics?: Metrics | undefined;
}

const tags = ['oauth'];
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function rawQuery(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q < 0 ? '' : request.url.slice(q + 1);
}

function formBody(request: FastifyRequest): string | undefined {
  return typeof request.body === 'string' ? request.body : undefined;
}

/**
 * The OAuth 2.0 endpoints: `/oauth/token` (client credentials, RFC 6749 §4.4), `/oauth/client`
 * (the Python Twitcher's client registration), `/oauth/revoke` (RFC 7009), `/oauth/introspect`
 * (RFC 7662) and `/.well-known/jwks.json`. Errors are RFC 6749 §5.2 JSON.
 */
export async function oauthRoutes(app: FastifyInstance, options: Options): Promise<void> {
  formBodyAsText(app);
  renderErrorsAs(app, sendOAuthError);

  const token = tokenHandler(options);
  const tokenSchema = {
    tags,
    summary: 'Token endpoint: client credentials grant (RFC 6749 §4.4)',
    description:
      'Client authentication by HTTP Basic or the client_id and client_secret parameters; the parameters may ' +
      'come as a form body or, for compatibility with the Python Twitcher, as a query string.',
  };
  app.post('/oauth/token', { schema: tokenSchema }, token);
  app.get('/oauth/token', { schema: { ...tokenSchema, hide: true } }, token);

  const registerClient = registerClientHandler(options);
  const clientSchema = {
    tags,
    summary: "Register an OAuth2 client (the Python Twitcher's /oauth/client; administrator only)",
    description: 'Parameters name, redirect_uri and scope (default compute). The secret is shown once.',
    security: [{ basicAuth: [] }],
  };
  app.post('/oauth/client', { schema: clientSchema }, registerClient);
  app.get('/oauth/client', { schema: { ...clientSchema, hide: true } }, registerClient);

  app.post(
    '/oauth/revoke',
    { schema: { tags, summary: 'Token revocation (RFC 7009)' } },
    revokeHandler(options),
  );
  app.post(
    '/oauth/introspect',
    { schema: { tags, summary: 'Token introspection (RFC 7662)' } },
    introspectHandler(options),
  );
  const { tokens } = options;
  app.get(
    '/.well-known/jwks.json',
    { schema: { tags, summary: 'Public keys of signed tokens (RFC 7517)' } },
    async (_r, reply) => {
      return reply.header('cache-control', 'public, max-age=300').send(tokens.jwks() ?? { keys: [] });
    },
  );
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** RFC 6749 §4.4: a token for the authenticated client. */
function tokenHandler({ clients, tokens, metrics }: Options): Handler {
  return async (request, reply) => {
    let issued: Awaited<ReturnType<typeof clientCredentialsGrant>>;
    try {
      const params = readOAuthParams(rawQuery(request), formBody(request));
      const client = await authenticateClient(request.headers.authorization, params, clients);
      issued = await clientCredentialsGrant(params, client, tokens);
    } catch (err) {
      if (err instanceof TwitcherError && err.status < 500) metrics?.tokenRequestRefused(err.code);
      throw err;
    }
    return reply.headers(NO_STORE).send({
      access_token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: issued.scopes.join(' '),
    });
  };
}

/** The Python Twitcher's client registration, by an administrator: the secret is shown once. */
function registerClientHandler({ clients, requireAdmin }: Options): Handler {
  return async (request, reply) => {
    await requireAdmin(request);
    const params = readOAuthParams(rawQuery(request), formBody(request));
    const json =
      request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    const { client, secret } = await createClient(clients, {
      name: params.get('name') ?? json['name'] ?? 'client',
      redirect_uri: params.get('redirect_uri') ?? json['redirect_uri'],
      scopes: params.get('scope') ?? json['scopes'] ?? json['scope'],
      data: json['data'],
    });
    return reply.code(201).headers(NO_STORE).send({
      name: client.name,
      client_id: client.clientId,
      client_secret: secret,
      redirect_uri: client.redirectURI,
      scope: client.scopes,
    });
  };
}

/** RFC 7009: a client revokes one of its own tokens. */
function revokeHandler({ clients, tokens }: Options): Handler {
  return async (request, reply) => {
    const params = readOAuthParams('', formBody(request));
    const client = await authenticateClient(request.headers.authorization, params, clients);
    const presented = requireParam(params, 'token');
    const hint = params.get('token_type_hint');
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new TwitcherError('unsupported_token_type', {
        description: `Unknown token_type_hint "${hint.slice(0, 32)}".`,
      });
    }
    // RFC 7009 §2.2: an invalid or unknown token is not an error.
    const info = await tokens.verify(presented).catch(() => undefined);
    if (info && info.clientId !== client.clientId) {
      throw new TwitcherError('unauthorized_client', {
        description: 'The token was not issued to this client.',
      });
    }
    if (info) await tokens.revoke(presented, client.clientId);
    return reply.headers(NO_STORE).send();
  };
}

/** RFC 7662: what a token is, told only to the client it was issued to. */
function introspectHandler({ clients, tokens }: Options): Handler {
  return async (request, reply) => {
    const params = readOAuthParams('', formBody(request));
    const client = await authenticateClient(request.headers.authorization, params, clients);
    const info = await tokens.verify(requireParam(params, 'token')).catch(() => undefined);
    // A client learns only about its own tokens.
    return reply
      .headers(NO_STORE)
      .send(info && info.clientId === client.clientId ? introspection(info) : { active: false });
  };
}

/** RFC 7662 §2.2 response of an active token. */
export function introspection(info: AccessTokenInfo): Record<string, unknown> {
  return {
    active: true,
    scope: info.scopes.join(' '),
    client_id: info.clientId,
    token_type: 'Bearer',
    exp: info.expiresAt,
    iat: info.issuedAt,
    jti: info.jti,
    ...(info.issuer && { iss: info.issuer }),
    ...(info.subject && { sub: info.subject }),
    kind: info.kind,
  };
}
