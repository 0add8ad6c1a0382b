/**
 * Forwarding an authorized request (ARCHITECTURE steps 5–6): undici streamed both ways, the client's
 * credentials and untrusted headers stripped, X-Forwarded-* set, upstream URLs in the answer rewritten
 * to the proxy's (streamed), capabilities filtered per principal on acl services.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import { type Metrics, NO_METRICS } from '../metrics/metrics.js';
import type { ServiceRegistry } from '../registry/registry.js';
import { logError } from '../util/log-error.js';
import type { UpstreamAgents, UpstreamPool } from './agents.js';
import { type AnswerPlan, openAnswerSink } from './answer-sink.js';
import { type Authorization, carriesBody } from './authorize.js';
import type { Headers } from './headers.js';
import { errorCode, mapUpstreamError, upstreamFailureKind } from './map-upstream-error.js';
import { type PublicSide, publicSide } from './proxy-url.js';
import { type Answer, Relay, StalledClient } from './relay.js';
import { sendRawProxyError } from './render-proxy-error.js';
import { RewriteRulesCache } from './rewrite-cache.js';
import { upstreamRequestHeaders } from './upstream-request-headers.js';
import { buildUpstreamTarget } from './upstream-url.js';
import { viaPseudonym } from './via.js';

/** What forwarding is built from. */
export interface ForwardDeps {
  config: Config;
  registry: ServiceRegistry;
  agents: UpstreamAgents;
  /** Upstream latency, failures and 503s of the per-service limit are counted. */
  metrics?: Metrics | undefined;
}

/** What forward() sends besides the client's request. */
export interface ForwardOptions {
  /** Token data for an upstream registered with passTokenData. */
  data?: Record<string, string> | undefined;
  /** Headers Twitcher sets for the upstream (certificate delegation). */
  extraHeaders?: Record<string, string> | undefined;
  /** GetCapabilities of an acl service: what the document may list. */
  visible?: ((name: string) => boolean) | undefined;
}

/** Sends an authorized request upstream and relays the answer to the client. */
export type Forward = (
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Authorization,
  options: ForwardOptions,
) => Promise<FastifyReply>;

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);
/** Safe methods (RFC 9110 §9.2.1) with no body or the one already read: sent again after a stale connection. */
const REPLAYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** OWS operations that only read (GetCapabilities, GetMap, GetFeature, DescribeProcess, GetStatus…). */
const READING_OPERATION = /^(get|describe)/i;

/**
 * Whether a request may be sent twice: a safe method with nothing to stream again, and an answer
 * that only reads. A GET is not enough on OWS services: WPS runs an Execute by GET, so only the
 * reading operations qualify, and a request Twitcher could not identify never does.
 */
function safeToRepeat(method: string, body: unknown, auth: Authorization): boolean {
  if (!REPLAYABLE.has(method) || !(body === undefined || Buffer.isBuffer(body))) return false;
  const { kind, operation } = auth.ows;
  if (kind === 'other') return true;
  return kind === 'ows' && operation !== undefined && READING_OPERATION.test(operation);
}
/** Failures of a connection the server closed or reset, before any byte of the answer. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** What every forwarded request shares: made once, by createForward. */
interface ForwardContext {
  proxyPrefix: string;
  /** The front proxy's client certificate header is for Twitcher; the delegation header is Twitcher's. */
  certificateHeaders: ReadonlySet<string>;
  dataPrefix: string;
  rulesCache: RewriteRulesCache;
  side: PublicSide;
  via: string;
  metrics: Metrics;
}

/** The proxy's forwarding step: one upstream slot per request, held while the answer is relayed. */
export function createForward(deps: ForwardDeps, proxyPrefix: string): Forward {
  const { config, registry, agents } = deps;
  const metrics = deps.metrics ?? NO_METRICS;
  const context: ForwardContext = {
    proxyPrefix,
    certificateHeaders: new Set(
      [config.clientCerts.header, config.clientCerts.delegationHeader].flatMap((h) =>
        h ? [h.toLowerCase()] : [],
      ),
    ),
    dataPrefix: config.token.dataHeaderPrefix.toLowerCase(),
    rulesCache: new RewriteRulesCache(config, registry),
    side: publicSide(config),
    via: viaPseudonym(config),
    metrics,
  };

  return async function forward(request, reply, auth, options) {
    const upstream = agents.forService(auth.service);
    if (!upstream.tryAcquire()) {
      metrics.serviceBusy(auth.service.name);
      throw serviceBusy();
    }
    try {
      return await relay(context, request, reply, auth, options, upstream);
    } finally {
      upstream.release();
    }
  };
}

/** The headers of the request to the upstream (see upstream-request-headers.ts). */
function requestHeaders(
  context: ForwardContext,
  request: FastifyRequest,
  auth: Authorization,
  { data, extraHeaders }: ForwardOptions,
): Headers {
  const side = context.side;
  return upstreamRequestHeaders(
    request.headers,
    {
      forwardedFor: [...(request.ips ?? [request.ip])].reverse().join(', ') || request.ip,
      proto: side.proto,
      host: side.host,
      port: side.port,
      prefix: `${side.basePath}${context.proxyPrefix}/${auth.service.name}`,
      via: context.via,
    },
    {
      bodyReplaced: auth.body !== undefined,
      dataPrefix: context.dataPrefix,
      data,
      drop: context.certificateHeaders,
      extra: extraHeaders,
    },
  );
}

/** One request relayed to its upstream (sent once more on a stale connection when that is safe). */
async function relay(
  context: ForwardContext,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Authorization,
  options: ForwardOptions,
  upstream: UpstreamPool,
): Promise<FastifyReply> {
  const { path, service } = auth;
  const target = buildUpstreamTarget(service.url, path.extra, path.query);
  const method = request.method;
  let body: Dispatcher.DispatchOptions['body'] | undefined;
  if (auth.body !== undefined) body = auth.body;
  else if (!BODYLESS.has(method) || carriesBody(request.headers)) body = request.raw;
  const headers = requestHeaders(context, request, auth, options);

  // Rules are resolved before the request so that the response path stays synchronous (a warm
  // cache answers without I/O).
  const rulesCache = context.rulesCache;
  const plan: AnswerPlan = {
    reply,
    head: method === 'HEAD',
    visible: options.visible,
    xmlRules: rulesCache.peek(service, 'xml') ?? (await rulesCache.get(service, 'xml')),
    jsonRules: rulesCache.peek(service, 'json') ?? (await rulesCache.get(service, 'json')),
    target,
    via: context.via,
    pipelineDone: undefined,
  };
  const metrics = context.metrics;
  // The upstream's latency: from sending the request to its status line (the sink opens then).
  let sentAt = 0;
  const open = metrics.enabled
    ? (answer: Answer) => {
        metrics.upstreamResponse(service.name, (performance.now() - sentAt) / 1000);
        return openAnswerSink(plan, answer);
      }
    : (answer: Answer) => openAnswerSink(plan, answer);
  const dispatchOptions: Dispatcher.DispatchOptions = {
    origin: target.origin,
    path: target.path,
    method: method as Dispatcher.HttpMethod,
    headers,
    body: body ?? null,
  };
  const raw = reply.raw;
  // The upstream exchange is cancelled when the client goes away.
  let exchange = new Relay(open, upstream.bodyTimeout);
  let gone = false;
  const leave = () => {
    if (raw.writableFinished) return;
    gone = true;
    exchange.cancel(new Error('the client went away'));
  };
  raw.once('close', leave);
  // Gone already while the request was judged: its 'close' has been and will not come again.
  if (raw.destroyed) leave();
  if (metrics.enabled) sentAt = performance.now();
  let failure = await dispatch(upstream.pool, dispatchOptions, exchange);
  // A connection that failed before any byte of the answer is most often one the server closed
  // while idle, just as the request went out: a request that can be sent again unchanged and does
  // not change anything is sent once more, on a new connection (not one the same server may have
  // closed too).
  if (
    failure !== undefined &&
    !exchange.answered &&
    !gone &&
    safeToRepeat(method, body, auth) &&
    STALE_CONNECTION.has(errorCode(failure))
  ) {
    request.log.info(
      { err: (failure as Error).message, service: service.name },
      'upstream connection failed before answering: retried once on a new connection',
    );
    metrics.upstreamError(service.name, 'retried');
    const fresh = upstream.fresh();
    exchange = new Relay(open, upstream.bodyTimeout);
    if (metrics.enabled) sentAt = performance.now();
    failure = await dispatch(fresh, dispatchOptions, exchange);
    void fresh.close();
  }
  // Decided once the pipeline settled: a rewriting stage may fail after the upstream body ended
  // (the last gzip block, the flush), and only then is it known whether the status line went out.
  if (plan.pipelineDone !== undefined) {
    const rewriteFailure = await plan.pipelineDone;
    failure ??= rewriteFailure ?? undefined;
  }
  if (failure === undefined) return reply;
  // What the upstream did (a rewrite's own failure, a client that stopped reading, are not its).
  if (!gone && !(failure instanceof TwitcherError) && !(failure instanceof StalledClient)) {
    metrics.upstreamError(service.name, upstreamFailureKind(failure));
  }
  return answerFailure(request, reply, failure, gone, service.name);
}

/** The exchange failed: an error answer while nothing was sent, else a cut connection. */
function answerFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: unknown,
  gone: boolean,
  serviceName: string,
): FastifyReply {
  const raw = reply.raw;
  if (gone) {
    raw.destroy();
    return reply;
  }
  const error = failure instanceof TwitcherError ? failure : mapUpstreamError(failure);
  if (!reply.sent) throw error;
  // The reply was handed to the upstream's body, but the status line waits for its first byte:
  // a body that failed before it is still answered with the error.
  if (!raw.headersSent) {
    logError(request.log, error);
    request.twitcherFailure = error.code;
    sendRawProxyError(raw, error, request.twitcherProxy);
    return reply;
  }
  // Once the status line went out nothing can be said to the client but a cut connection: never a
  // complete-looking response with part of the body.
  if (failure instanceof StalledClient) {
    request.log.info({ service: serviceName }, 'the client stopped reading: its connection is cut');
    raw.destroy();
    return reply;
  }
  request.log.warn(
    { err: (failure as Error).message, service: serviceName },
    'upstream response failed midway',
  );
  raw.destroy();
  return reply;
}

function serviceBusy(): TwitcherError {
  return new TwitcherError('service_busy', {
    description: 'The service has as many requests in flight as it may; try again shortly.',
    headers: { 'Retry-After': '1' },
  });
}

/** An exchange on `dispatcher`: undefined when it went through, else why it failed. */
async function dispatch(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  exchange: Relay,
): Promise<unknown> {
  try {
    dispatcher.dispatch(options, exchange);
    await exchange.done;
    return undefined;
  } catch (err) {
    return err ?? new Error('upstream request failed');
  }
}
