import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl } from '../authz/access-control.js';
import { TwitcherError } from '../errors.js';
import { renderErrorsAs } from '../http/surface.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Decision } from '../policy/decide.js';
import { buildPublicOperations } from '../policy/public-operations.js';
import type { RateLimitMeter, RateLimits } from '../ratelimit/rate-limits.js';
import { rateLimitSubject } from '../ratelimit/subject-keys.js';
import type { ServiceRegistry } from '../registry/registry.js';
import { toTwitcherError } from '../util/to-twitcher-error.js';
import type { UpstreamAgents } from './agents.js';
import {
  type Authorization,
  type AuthorizeContext,
  type AuthorizeRequest,
  type Authorizer,
  createAuthorizer,
  verifyMethods,
} from './authorize.js';
import { bearerChallenge, CHALLENGES, type CredentialDeps, createCredentials } from './credentials.js';
import { createForward, type Forward } from './forward.js';
import { measureProxy } from './measure-proxy.js';
import { readLimitedBody } from './read-body.js';
import { sendProxyError, sendVerify } from './render-proxy-error.js';
import { cameThrough, viaPseudonym } from './via.js';

/** What the proxy routes are built from. */
export interface ProxyDeps extends CredentialDeps {
  registry: ServiceRegistry;
  agents: UpstreamAgents;
  /** Requests, latencies, bytes and upstream failures are counted (absent: nothing is). */
  metrics?: Metrics | undefined;
  /** Fine-grained authorization of `auth: acl` services (absent: they are refused). */
  accessControl?: AccessControl | undefined;
  /** The rate limits (`ratelimit.*`); none configured: nothing is counted. */
  rateLimits?: RateLimits | undefined;
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
  const authorizer = createAuthorizer({
    registry: deps.registry,
    credentials: createCredentials(deps),
    publicOperations: buildPublicOperations(config.proxy.publicOperations),
    limits: { maxBytes: config.proxy.maxXmlBytes, maxDepth: config.proxy.maxXmlDepth },
    accessControl: deps.accessControl,
  });
  const proxyPrefix = `${config.protectedPath}/proxy`;
  const verifyPrefix = `${config.protectedPath}/verify`;

  // Bodies stay in the request stream: only an OWS body that must be decided on is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  renderErrorsAs(app, (reply, err, request) => {
    const surface = request.url.startsWith(`${verifyPrefix}/`) ? 'verify' : 'proxy';
    return sendProxyError(reply, err, surface, request.twitcherProxy);
  });

  const unmeasured = createProxyHandler({
    authorizer,
    forward: createForward(deps, proxyPrefix),
    prefix: proxyPrefix,
    via: viaPseudonym(config),
    delegationHeader: config.clientCerts.delegationHeader?.toLowerCase(),
    rateLimits: deps.rateLimits,
  });
  const proxyHandler = deps.metrics ? measureProxy(unmeasured, deps.metrics) : unmeasured;
  const verifyHandler = createVerifyHandler(authorizer, verifyPrefix, deps.rateLimits);
  const routeOptions = { exposeHeadRoute: false };
  app.all(`${proxyPrefix}/:name`, routeOptions, proxyHandler);
  app.all(`${proxyPrefix}/:name/*`, routeOptions, proxyHandler);
  app.all(`${verifyPrefix}/:name`, routeOptions, verifyHandler);
  app.all(`${verifyPrefix}/:name/*`, routeOptions, verifyHandler);
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** `/ows/proxy`: judged (the body read where it decides), then forwarded. */
function createProxyHandler(options: {
  authorizer: Authorizer;
  forward: Forward;
  prefix: string;
  via: string;
  delegationHeader: string | undefined;
  rateLimits: RateLimits | undefined;
}): Handler {
  const { authorizer, forward, prefix, via, delegationHeader, rateLimits } = options;
  return async (request, reply) => {
    // Before anything is read or decided: a request that came through this Twitcher already loops.
    if (cameThrough(request.headers.via, via)) throw loopDetected();
    const meter = await admit(rateLimits, request, reply);
    const auth = await judge(authorizer, request, prefix, true, request.method, false);
    const { decision, subject, service } = auth;
    if (!decision.allow) throw deny(decision);
    if (meter) await charge(meter, auth, reply);
    const data = service.passTokenData && subject.kind === 'token' ? subject.token.data : undefined;
    const delegated =
      delegationHeader !== undefined && subject.kind === 'certificate'
        ? { [delegationHeader]: encodeURIComponent(subject.certificate.chainPEM) }
        : undefined;
    return forward(request, reply, auth, { data, extraHeaders: delegated, visible: auth.acl?.visible });
  };
}

/** `/ows/verify`: every method the original request may have had must be allowed (see verifyMethods). */
function createVerifyHandler(
  authorizer: Authorizer,
  prefix: string,
  rateLimits: RateLimits | undefined,
): Handler {
  return async (request, reply) => {
    const meter = await admit(rateLimits, request, reply);
    let auth: Authorization | undefined;
    for (const { method, named, unknown } of verifyMethods(request.method, request.headers)) {
      let decision: Decision;
      try {
        auth = await judge(authorizer, request, prefix, false, method, named === true);
        decision = auth.decision;
      } catch (err) {
        throw unknown ? explainUnknownMethod(toTwitcherError(err)) : err;
      }
      if (!decision.allow) {
        const err = unknown ? explainUnknownMethod(deny(decision)) : deny(decision);
        return sendVerify(reply, err.status, err.description, err.headers, err.code);
      }
    }
    // charged once, as the proxy would be for the request it stands for
    if (meter && auth) await charge(meter, auth, reply);
    return sendVerify(reply, 200, 'Access to service is allowed.', {}, undefined);
  };
}

/**
 * The rate limits' first step, the same for both routes: the client address, before anything is read
 * or decided (a flood of bad tokens costs too). Its fields go on every answer from here on.
 */
async function admit(
  rateLimits: RateLimits | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<RateLimitMeter | undefined> {
  if (!rateLimits) return undefined;
  const meter = rateLimits.meter(request.ip, (request.params as { name: string }).name);
  await meter.admit();
  reply.headers(meter.fields());
  return meter;
}

/** The second step, once the request is allowed: its client, user and service (see rate-limits.ts). */
async function charge(meter: RateLimitMeter, auth: Authorization, reply: FastifyReply): Promise<void> {
  await meter.charge({ service: auth.service.name, ...rateLimitSubject(auth.subject, auth.acl?.principal) });
  reply.headers(meter.fields());
}

/**
 * Authorizes the request as plain values (`withBody`: the proxy reads the body, `/verify` never
 * sees it), keeping what was learnt on the request for the error's dialect; logs the decision.
 */
async function judge(
  authorizer: Authorizer,
  request: FastifyRequest,
  prefix: string,
  withBody: boolean,
  method: string,
  originalFraming: boolean,
): Promise<Authorization> {
  const context: AuthorizeContext = {};
  request.twitcherProxy = context;
  const plain: AuthorizeRequest = {
    method,
    url: request.url,
    headers: request.headers,
    ip: request.ip,
    socket: request.raw.socket,
    log: request.log,
    readBody: withBody ? (maxBytes: number) => readLimitedBody(request.raw, maxBytes) : undefined,
    originalFraming,
  };
  const auth = await authorizer.authorize(plain, prefix, context);
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
