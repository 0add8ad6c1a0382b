import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl } from '../authz/access-control.js';
import { TwitcherError } from '../errors.js';
import type { Decision } from '../policy/decide.js';
import { buildPublicOperations } from '../policy/public-operations.js';
import type { ServiceRegistry } from '../registry/registry.js';
import { logError } from '../util/log-error.js';
import { toTwitcherError } from '../util/to-twitcher-error.js';
import type { UpstreamAgents } from './agents.js';
import {
  type AuthorizeContext,
  type AuthorizeRequest,
  createAuthorizer,
  verifyMethods,
} from './authorize.js';
import { bearerChallenge, CHALLENGES, type CredentialDeps, createCredentials } from './credentials.js';
import { createForward } from './forward.js';
import { readLimitedBody } from './read-body.js';
import { sendProxyError, sendVerify } from './render-proxy-error.js';
import { cameThrough, viaPseudonym } from './via.js';

export interface ProxyDeps extends CredentialDeps {
  registry: ServiceRegistry;
  agents: UpstreamAgents;
  /** Fine-grained authorization of `auth: acl` services (absent: they are refused). */
  accessControl?: AccessControl | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    twitcherProxy?: AuthorizeContext;
  }
}

/**
 * `{protectedPath}/proxy/{name}[/{path}]` (every method) and `{protectedPath}/verify/{name}[/{path}]`:
 * one `authorize` step for both (src/proxy/authorize.ts), then the proxy forwards (src/proxy/forward.ts)
 * and `/verify` answers yes or no.
 */
export async function proxyRoutes(app: FastifyInstance, deps: ProxyDeps): Promise<void> {
  const { config } = deps;
  const credentials = createCredentials(deps);
  const authorizer = createAuthorizer({
    registry: deps.registry,
    credentials,
    publicOperations: buildPublicOperations(config.proxy.publicOperations),
    limits: { maxBytes: config.proxy.maxXmlBytes, maxDepth: config.proxy.maxXmlDepth },
    accessControl: deps.accessControl,
  });
  const delegationHeader = config.clientCerts.delegationHeader?.toLowerCase();
  const proxyPrefix = `${config.protectedPath}/proxy`;
  const verifyPrefix = `${config.protectedPath}/verify`;
  const forward = createForward(deps, proxyPrefix);
  const via = viaPseudonym(config);

  // Bodies stay in the request stream: only an OWS body that must be decided on is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.setErrorHandler((error, request, reply) => {
    const err = toTwitcherError(error);
    logError(request.log, err);
    const surface = request.url.startsWith(`${verifyPrefix}/`) ? 'verify' : 'proxy';
    return sendProxyError(reply, err, surface, request.twitcherProxy);
  });

  /** The plain values `authorize` judges; `withBody`: the proxy reads the body, `/verify` never sees it. */
  function authorizeRequest(request: FastifyRequest, withBody: boolean): AuthorizeRequest {
    return {
      method: request.method,
      url: request.url,
      headers: request.headers,
      ip: request.ip,
      socket: request.raw.socket,
      log: request.log,
      readBody: withBody ? (maxBytes: number) => readLimitedBody(request.raw, maxBytes) : undefined,
    };
  }

  async function judge(
    request: FastifyRequest,
    prefix: string,
    withBody: boolean,
    method = request.method,
    originalFraming = false,
  ) {
    const context: AuthorizeContext = {};
    request.twitcherProxy = context;
    const auth = await authorizer.authorize(
      { ...authorizeRequest(request, withBody), method, originalFraming },
      prefix,
      context,
    );
    if (request.log.level === 'debug' || request.log.level === 'trace')
      request.log.debug(
        {
          service: auth.service.name,
          operation: auth.ows.operation,
          kind: auth.ows.kind,
          reason: auth.ows.reason,
          decision: auth.decision,
          principal: auth.acl?.principal.label,
        },
        'decision',
      );
    return auth;
  }

  const proxyHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Before anything is read or decided: a request that came through this Twitcher already loops.
    if (cameThrough(request.headers.via, via)) throw loopDetected();
    const auth = await judge(request, proxyPrefix, true);
    const { decision, subject, service } = auth;
    if (!decision.allow) throw deny(decision);
    const data = service.passTokenData && subject.kind === 'token' ? subject.token.data : undefined;
    const delegated =
      delegationHeader !== undefined && subject.kind === 'certificate'
        ? { [delegationHeader]: encodeURIComponent(subject.certificate.chainPEM) }
        : undefined;
    return forward(request, reply, auth, { data, extraHeaders: delegated, visible: auth.acl?.visible });
  };

  // Every method the original request may have had must be allowed (see verifyMethods).
  const verifyHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    for (const { method, named, unknown } of verifyMethods(request.method, request.headers)) {
      let decision: Decision;
      try {
        ({ decision } = await judge(request, verifyPrefix, false, method, named === true));
      } catch (err) {
        throw unknown ? explainUnknownMethod(toTwitcherError(err)) : err;
      }
      if (!decision.allow) {
        const err = unknown ? explainUnknownMethod(deny(decision)) : deny(decision);
        return sendVerify(reply, err.status, err.description, err.headers, err.code);
      }
    }
    return sendVerify(reply, 200, 'Access to service is allowed.', {}, undefined);
  };

  const routeOptions = { exposeHeadRoute: false };
  app.all(`${proxyPrefix}/:name`, routeOptions, proxyHandler);
  app.all(`${proxyPrefix}/:name/*`, routeOptions, proxyHandler);
  app.all(`${verifyPrefix}/:name`, routeOptions, verifyHandler);
  app.all(`${verifyPrefix}/:name/*`, routeOptions, verifyHandler);
}

function loopDetected(): TwitcherError {
  return new TwitcherError('loop_detected', {
    description:
      'The request has been through this Twitcher already (its own Via entry): the service URL leads back ' +
      'to the proxy.',
  });
}

/** A refusal of the policy as the error the routes render (401 with its challenge, or 403). */
function deny(decision: Extract<Decision, { allow: false }>): TwitcherError {
  let challenge: string | undefined;
  if (decision.code === 'insufficient_scope') {
    challenge = bearerChallenge('insufficient_scope', decision.description, decision.scope);
  } else if (decision.status === 401) challenge = CHALLENGES[decision.auth];
  return new TwitcherError(decision.code, {
    status: decision.status,
    description: decision.description,
    headers: challenge ? { 'WWW-Authenticate': challenge } : {},
  });
}

/** A refusal of a GET /verify that did not name the original method says so: the fix is in the front proxy. */
function explainUnknownMethod(err: TwitcherError): TwitcherError {
  if (err.status !== 401 && err.status !== 403) return err;
  return new TwitcherError(err.code, {
    status: err.status,
    description:
      `${err.description} /ows/verify was not told the original method (X-Original-Method), so the ` +
      'request may carry a body it cannot see; see docs/deployment.md.',
    headers: err.headers,
    ...(err.detail !== undefined && { detail: err.detail }),
  });
}
