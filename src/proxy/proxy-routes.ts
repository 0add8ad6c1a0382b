import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { pipeline, type Transform, Writable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { AccessControl } from '../authz/access-control.js';
import { type ACLGrant, decideACL } from '../authz/decide-acl.js';
import { TwitcherError } from '../errors.js';
import { logError } from '../http/log-error.js';
import { toTwitcherError } from '../http/to-twitcher-error.js';
import { assertTokenRestrictions } from '../oauth/tokens/macaroon-restrictions.js';
import { createResponseRewriter, isRewritableContentType } from '../ows/capabilities/content.js';
import { addCapabilitiesFilter, mustFilter } from '../ows/capabilities/filter-response.js';
import type { RewriteRules } from '../ows/capabilities/rewrite-rules.js';
import { rewriteBuffer } from '../ows/capabilities/rewrite-stream.js';
import { renderOWSError } from '../ows/exception-report.js';
import { isOWSService } from '../ows/operations.js';
import { bodyNeeded, parseOWSRequest } from '../ows/parse-request.js';
import type { OWSRequest, OWSRequestInput } from '../ows/types.js';
import { type Decision, decide } from '../policy/decide.js';
import { buildPublicOperations } from '../policy/public-operations.js';
import { ANONYMOUS, type Subject } from '../policy/subject.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Service } from '../registry/service.js';
import type { UpstreamAgents } from './agents.js';
import { bearerChallenge, CHALLENGES, type CredentialDeps, createCredentials } from './credentials.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { mapUpstreamError } from './map-upstream-error.js';
import { type ProxyPath, parseProxyPath } from './parse-proxy-path.js';
import { publicSide } from './proxy-url.js';
import { readLimitedBody } from './read-body.js';
import { RewriteRulesCache } from './rewrite-cache.js';
import { buildUpstreamTarget, stripQueryParams } from './upstream-url.js';

export interface ProxyDeps extends CredentialDeps {
  registry: ServiceRegistry;
  agents: UpstreamAgents;
  /** Fine-grained authorization of `auth: acl` services (absent: they are refused). */
  accessControl?: AccessControl | undefined;
}

/** The client went away: undici listens for 'abort' on it, as on an AbortSignal. */
class ClientGone extends EventEmitter {
  aborted = false;
  abort(): void {
    this.aborted = true;
    this.emit('abort');
  }
}

/** What forward() sends besides the client's request. */
interface ForwardOptions {
  /** The body, when it was read to decide on it (else the request stream is piped). */
  readBody?: Buffer | undefined;
  /** Token data for an upstream registered with passTokenData. */
  data?: Record<string, string> | undefined;
  /** Headers Twitcher sets for the upstream (certificate delegation). */
  extraHeaders?: Record<string, string> | undefined;
  /** GetCapabilities of an acl service: what the document may list. */
  visible?: ((name: string) => boolean) | undefined;
}

/** What the route learnt of the request, for the error renderer (the exception dialect). */
interface ProxyContext {
  path?: ProxyPath;
  service?: Service;
  ows?: OWSRequest;
}

declare module 'fastify' {
  interface FastifyRequest {
    twitcherProxy?: ProxyContext;
  }
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);
/** Rewritable bodies up to this size with a known length are rewritten in one go (cheaper than a stream). */
const SMALL_BODY = 1024 * 1024;
/**
 * `{protectedPath}/proxy/{name}[/{path}]` (every method) and `{protectedPath}/verify/{name}[/{path}]`:
 * parse, decide, forward (streamed both ways), rewrite upstream URLs in the response.
 */
export async function proxyRoutes(app: FastifyInstance, deps: ProxyDeps): Promise<void> {
  const { config, registry, agents } = deps;
  const credentials = createCredentials(deps);
  // the front proxy's client certificate header is for Twitcher; the delegation header is Twitcher's
  const certificateHeaders = new Set(
    [config.clientCerts.header, config.clientCerts.delegationHeader].flatMap((h) =>
      h ? [h.toLowerCase()] : [],
    ),
  );
  const delegationHeader = config.clientCerts.delegationHeader?.toLowerCase();
  const dataPrefix = config.token.dataHeaderPrefix.toLowerCase();
  const publicOperations = buildPublicOperations(config.proxy.publicOperations);
  const rulesCache = new RewriteRulesCache(config, registry);
  const side = publicSide(config);
  const limits = { maxBytes: config.proxy.maxXmlBytes, maxDepth: config.proxy.maxXmlDepth };
  const proxyPrefix = `${config.protectedPath}/proxy`;
  const verifyPrefix = `${config.protectedPath}/verify`;

  // Bodies stay in the request stream: only an OWS body that must be decided on is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.setErrorHandler((error, request, reply) => {
    const err = toTwitcherError(error);
    logError(request.log, err);
    const isVerify = request.url.startsWith(`${verifyPrefix}/`);
    if (isVerify) return sendVerify(reply, err.status, err.description, err.headers, err.code);
    const ctx = request.twitcherProxy;
    const rendered = renderOWSError(err, exceptionContext(ctx));
    return reply.code(err.status).headers(err.headers).type(rendered.contentType).send(rendered.body);
  });

  /** Steps 1–4 of ARCHITECTURE: look up, parse, authenticate, decide. */
  async function inspect(
    request: FastifyRequest,
    prefix: string,
  ): Promise<{ service: Service; body?: Buffer; decision: Decision; subject: Subject; acl?: ACLGrant }> {
    const ctx: ProxyContext = {};
    request.twitcherProxy = ctx;
    const path = parseProxyPath(request.url, prefix);
    ctx.path = path;
    const service = await registry.lookup(path.name);
    if (!service) {
      throw new TwitcherError('service_not_found', {
        description: `No service named "${path.name}" is registered.`,
      });
    }
    ctx.service = service;
    const input: OWSRequestInput = {
      method: request.method,
      query: path.query,
      path: path.extra,
      contentType: request.headers['content-type'],
      serviceType: service.type,
    };
    let body: Buffer | undefined;
    if (bodyNeeded(input)) {
      body = await readLimitedBody(request.raw, limits.maxBytes);
      input.body = body;
    }
    const ows = parseOWSRequest(input, limits);
    ctx.ows = ows;
    const sources = {
      query: path.query,
      form: body !== undefined && isForm(input.contentType) ? body.toString('latin1') : undefined,
    };
    let subject: Subject = ANONYMOUS;
    let decision: Decision;
    let acl: ACLGrant | undefined;
    if (service.auth === 'acl') {
      // Fine-grained authorization (src/authz/): every credential presented is checked first;
      // a refusal is thrown, with its own challenge.
      subject = await credentials.presented(request, sources);
      acl = await decideACL(
        deps.accessControl,
        { service, request: ows, subject, clientAddress: request.ip },
        credentials.aclChallenge,
      );
      decision = { allow: true, rule: 'acl' };
    } else {
      decision = decide({ service, request: ows, subject, publicOperations });
      // Credentials are looked at only when the decision needs one: public services and public
      // operations cost no token validation, and a stale token does not break GetCapabilities.
      if (!decision.allow && decision.status === 401 && service.auth === 'token') {
        const token = await credentials.token(request, sources);
        if (token) {
          subject = { kind: 'token', token };
          decision = decide({ service, request: ows, subject, publicOperations });
        }
      } else if (!decision.allow && decision.status === 401 && service.auth === 'cert') {
        const certificate = credentials.certificate(request);
        if (certificate) {
          subject = { kind: 'certificate', certificate };
          decision = decide({ service, request: ows, subject, publicOperations });
        }
      }
    }
    // a narrowed token (macaroon caveats) must allow this very request: 403 naming the unmet caveat
    if (decision.allow && subject.kind === 'token') {
      assertTokenRestrictions(subject.token, { service: service.name, ows, clientAddress: request.ip });
    }
    request.log.debug(
      {
        service: service.name,
        operation: ows.operation,
        kind: ows.kind,
        decision,
        principal: acl?.principal.label,
      },
      'decision',
    );
    return { service, decision, subject, ...(acl && { acl }), ...(body && { body }) };
  }

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

  const proxyHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { service, body, decision, subject, acl } = await inspect(request, proxyPrefix);
    if (!decision.allow) throw deny(decision);
    const data = service.passTokenData && subject.kind === 'token' ? subject.token.data : undefined;
    const delegated =
      delegationHeader !== undefined && subject.kind === 'certificate'
        ? { [delegationHeader]: encodeURIComponent(subject.certificate.chainPEM) }
        : undefined;
    return forward(request, reply, service, {
      readBody: body,
      data,
      extraHeaders: delegated,
      visible: acl?.visible,
    });
  };

  const verifyHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { decision } = await inspect(request, verifyPrefix);
    if (!decision.allow) {
      const err = deny(decision);
      return sendVerify(reply, err.status, err.description, err.headers, err.code);
    }
    return sendVerify(reply, 200, 'Access to service is allowed.', {}, undefined);
  };

  async function forward(
    request: FastifyRequest,
    reply: FastifyReply,
    service: Service,
    { readBody, data, extraHeaders, visible }: ForwardOptions,
  ) {
    const path = request.twitcherProxy?.path;
    if (!path) throw new TypeError('forward() before inspect()');
    const target = buildUpstreamTarget(service.url, path.extra, path.query);
    const method = request.method;
    let body: Dispatcher.DispatchOptions['body'] | undefined;
    if (readBody !== undefined) {
      // A form body may carry the client's access_token: it is for Twitcher, not the upstream.
      body = isForm(request.headers['content-type'])
        ? Buffer.from(
            stripQueryParams(readBody.toString('latin1'), (k) => k === 'access_token'),
            'latin1',
          )
        : readBody;
    } else if (!BODYLESS.has(method) || hasBody(request)) {
      body = request.raw;
    }
    const headers = upstreamRequestHeaders(
      request.headers,
      {
        forwardedFor: [...(request.ips ?? [request.ip])].reverse().join(', ') || request.ip,
        proto: side.proto,
        host: side.host,
        port: side.port,
        prefix: `${side.basePath}${proxyPrefix}/${service.name}`,
      },
      {
        bodyReplaced: readBody !== undefined,
        dataPrefix,
        data,
        drop: certificateHeaders,
        extra: extraHeaders,
      },
    );

    // Rules are resolved before the request so that the response path stays synchronous (a warm
    // cache answers without I/O).
    const xmlRules = await rulesCache.get(service, 'xml');
    const jsonRules = await rulesCache.get(service, 'json');
    // The upstream request is aborted when the client goes away. An EventEmitter, which undici takes
    // as a signal, costs a fraction of an AbortController (5 % of the CPU of a small request).
    const raw = reply.raw;
    const abort = new ClientGone();
    raw.once('close', () => {
      if (!raw.writableFinished) abort.abort();
    });
    const agent = service.verify ? agents.verified : agents.unverified;

    // undici's stream(): the response body is written straight into what the factory returns —
    // the client's response itself when nothing is rewritten — with backpressure, without an
    // intermediate Readable (the bench showed fastify's stream sending path costing half the CPU).
    const factory: Dispatcher.StreamFactory = ({ statusCode, headers: upstreamHeaders }) => {
      const noBody = method === 'HEAD' || statusCode === 204 || statusCode === 304;
      const kind = noBody ? false : isRewritableContentType(headerString(upstreamHeaders['content-type']));
      const rules = kind === 'json' ? jsonRules : xmlRules;
      const encoding = headerString(upstreamHeaders['content-encoding']);
      const length = Number(headerString(upstreamHeaders['content-length']) ?? Number.NaN);
      const filtered = visible !== undefined && mustFilter(statusCode, noBody, kind);
      const small =
        !filtered && kind !== false && !encoding && Number.isFinite(length) && length <= SMALL_BODY;
      const rewriter = kind && !small ? createResponseRewriter({ contentEncoding: encoding, rules }) : null;
      if (filtered) addCapabilitiesFilter(rewriter, visible);
      const rewritten = small || rewriter !== null;
      const out = clientResponseHeaders(upstreamHeaders, {
        rewritten,
        ...(upstreamHeaders['location'] !== undefined && {
          location: (v: string) => rewriteString(xmlRules, v),
        }),
      });
      reply.hijack();
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined && !(name in out)) raw.setHeader(name, value as string);
      }
      raw.statusCode = statusCode;
      for (const [name, value] of Object.entries(out)) raw.setHeader(name, value);
      if (small) return collectAndRewrite(raw, rules);
      if (!rewriter) return raw;
      const [first, ...rest] = rewriter.streams;
      pipeline([first as Transform, ...rest, raw], (err) => {
        if (err)
          request.log.warn(
            { err: err.message, service: service.name },
            'upstream body failed while rewriting',
          );
      });
      return first as Transform;
    };
    try {
      await agent.stream(
        {
          origin: target.origin,
          path: target.path,
          method: method as Dispatcher.HttpMethod,
          headers,
          body: body ?? null,
          signal: abort,
        },
        factory,
      );
    } catch (err) {
      // After the headers went out nothing can be said to the client but a cut connection.
      if (reply.sent || abort.aborted) {
        if (!abort.aborted)
          request.log.warn({ err: (err as Error).message }, 'upstream response failed midway');
        raw.destroy();
        return reply;
      }
      throw mapUpstreamError(err);
    }
    return reply;
  }

  const routeOptions = { exposeHeadRoute: false };
  app.all(`${proxyPrefix}/:name`, routeOptions, proxyHandler);
  app.all(`${proxyPrefix}/:name/*`, routeOptions, proxyHandler);
  app.all(`${verifyPrefix}/:name`, routeOptions, verifyHandler);
  app.all(`${verifyPrefix}/:name/*`, routeOptions, verifyHandler);
}

function exceptionContext(ctx: ProxyContext | undefined) {
  if (ctx?.ows?.service)
    return { service: ctx.ows.service, version: ctx.ows.version, exceptions: ctx.ows.exceptions };
  const type = ctx?.service?.type;
  return type && isOWSService(type) ? { service: type } : {};
}

/** Twitcher's `/verify` body (for nginx auth_request), with our status codes and error code. */
function sendVerify(
  reply: FastifyReply,
  status: number,
  description: string,
  headers: Record<string, string>,
  code?: string,
) {
  return reply
    .code(status)
    .headers(headers)
    .type('application/json; charset=utf-8')
    .send({ description, access: status === 200, ...(code && { code }) });
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function hasBody(request: FastifyRequest): boolean {
  const len = request.headers['content-length'];
  return (len !== undefined && len !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** Gathers a small body, rewrites it whole and sends it with its new length. */
function collectAndRewrite(res: ServerResponse, rules: RewriteRules): Writable {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      size += chunk.length;
      callback();
    },
    final(callback) {
      const body = rewriteBuffer(
        rules,
        chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
      );
      res.setHeader('content-length', body.length);
      res.end(body, () => callback());
    },
    destroy(err, callback) {
      if (err && !res.writableEnded) res.destroy(err);
      callback(err);
    },
  });
}

function rewriteString(rules: RewriteRules, value: string): string {
  return rewriteBuffer(rules, Buffer.from(value, 'latin1')).toString('latin1');
}
