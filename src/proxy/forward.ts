/**
 * Forwarding an authorized request (ARCHITECTURE steps 5–6): undici streamed both ways, the client's
 * credentials and untrusted headers stripped, X-Forwarded-* set, upstream URLs in the answer rewritten
 * to the proxy's (streamed), capabilities filtered per principal on acl services.
 */
import { pipeline, type Transform, Writable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import { createResponseRewriter, isRewritableContentType } from '../ows/capabilities/content.js';
import { addCapabilitiesFilter, mustFilter } from '../ows/capabilities/filter-response.js';
import type { RewriteRules } from '../ows/capabilities/rewrite-rules.js';
import { rewriteBuffer } from '../ows/capabilities/rewrite-stream.js';
import type { ServiceRegistry } from '../registry/registry.js';
import { logError } from '../util/log-error.js';
import type { UpstreamAgents, UpstreamPool } from './agents.js';
import { type Authorization, carriesBody } from './authorize.js';
import { clientResponseHeaders } from './client-response-headers.js';
import type { Headers } from './headers.js';
import { errorCode, mapUpstreamError } from './map-upstream-error.js';
import { publicSide } from './proxy-url.js';
import { type Answer, Relay, type Sink, StalledClient } from './relay.js';
import { sendRawProxyError } from './render-proxy-error.js';
import { RewriteRulesCache } from './rewrite-cache.js';
import { rewriteLocation } from './rewrite-location.js';
import { upstreamRequestHeaders } from './upstream-request-headers.js';
import { buildUpstreamTarget } from './upstream-url.js';
import { viaPseudonym } from './via.js';

export interface ForwardDeps {
  config: Config;
  registry: ServiceRegistry;
  agents: UpstreamAgents;
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
/** Rewritable bodies up to this size with a known length are rewritten in one go (cheaper than a stream). */
const SMALL_BODY = 1024 * 1024;

export function createForward(deps: ForwardDeps, proxyPrefix: string): Forward {
  const { config, registry, agents } = deps;
  // the front proxy's client certificate header is for Twitcher; the delegation header is Twitcher's
  const certificateHeaders = new Set(
    [config.clientCerts.header, config.clientCerts.delegationHeader].flatMap((h) =>
      h ? [h.toLowerCase()] : [],
    ),
  );
  const dataPrefix = config.token.dataHeaderPrefix.toLowerCase();
  const rulesCache = new RewriteRulesCache(config, registry);
  const side = publicSide(config);
  const via = viaPseudonym(config);

  return async function forward(request, reply, auth, options) {
    const upstream = agents.forService(auth.service);
    if (!upstream.tryAcquire()) throw serviceBusy();
    try {
      return await relay(request, reply, auth, options, upstream);
    } finally {
      upstream.release();
    }
  };

  async function relay(
    request: FastifyRequest,
    reply: FastifyReply,
    auth: Authorization,
    { data, extraHeaders, visible }: ForwardOptions,
    upstream: UpstreamPool,
  ): Promise<FastifyReply> {
    const { path, service } = auth;
    const target = buildUpstreamTarget(service.url, path.extra, path.query);
    const method = request.method;
    let body: Dispatcher.DispatchOptions['body'] | undefined;
    if (auth.body !== undefined) body = auth.body;
    else if (!BODYLESS.has(method) || carriesBody(request.headers)) body = request.raw;
    const headers = upstreamRequestHeaders(
      request.headers,
      {
        forwardedFor: [...(request.ips ?? [request.ip])].reverse().join(', ') || request.ip,
        proto: side.proto,
        host: side.host,
        port: side.port,
        prefix: `${side.basePath}${proxyPrefix}/${service.name}`,
        via,
      },
      {
        bodyReplaced: auth.body !== undefined,
        dataPrefix,
        data,
        drop: certificateHeaders,
        extra: extraHeaders,
      },
    );

    // Rules are resolved before the request so that the response path stays synchronous (a warm
    // cache answers without I/O).
    const xmlRules = rulesCache.peek(service, 'xml') ?? (await rulesCache.get(service, 'xml'));
    const jsonRules = rulesCache.peek(service, 'json') ?? (await rulesCache.get(service, 'json'));
    const raw = reply.raw;

    // The answer's body is written straight into the sink the factory opens: the client's response
    // itself when nothing is rewritten, with backpressure, without an intermediate Readable (the
    // bench showed fastify's stream sending path costing half the CPU). A rewritten body goes out
    // through a pipeline whose end is `pipelineDone`.
    let pipelineDone: Promise<Error | null> | undefined;
    const open = ({ statusCode, headers: upstreamHeaders }: Answer): Sink => {
      const head = method === 'HEAD';
      const bodiless = statusCode === 204 || statusCode === 304;
      // What the body of a GET would be: a HEAD's fields describe that body (RFC 9110 §9.3.2).
      const type = bodiless ? false : isRewritableContentType(headerString(upstreamHeaders['content-type']));
      const kind = head ? false : type;
      const rules = kind === 'json' ? jsonRules : xmlRules;
      const encoding = headerString(upstreamHeaders['content-encoding']);
      const length = Number(headerString(upstreamHeaders['content-length']) ?? Number.NaN);
      const filtered = visible !== undefined && mustFilter(statusCode, head || bodiless, kind);
      const small =
        !filtered && kind !== false && !encoding && Number.isFinite(length) && length <= SMALL_BODY;
      const rewriter = kind && !small ? createResponseRewriter({ contentEncoding: encoding, rules }) : null;
      if (filtered) addCapabilitiesFilter(rewriter, visible);
      const out = clientResponseHeaders(upstreamHeaders, {
        // A HEAD of a document the GET would rewrite must not announce the upstream's length or
        // validators (RFC 9110 §8.6): the rewritten body has neither. (An encoding the rewriter
        // cannot decode leaves the GET as it came; its HEAD still says less, which is allowed.)
        rewritten: small || rewriter !== null || (head && type !== false),
        via,
        location:
          upstreamHeaders['location'] === undefined && upstreamHeaders['content-location'] === undefined
            ? undefined
            : (value: string) => rewriteLocation(value, `${target.origin}${target.path}`, xmlRules),
      });
      if (small) return { stream: collectAndRewrite(reply, statusCode, out, rules), client: false };
      if (!rewriter) {
        // The status line goes with the first byte: an upstream that fails before it gets a 502.
        reply.hijack();
        return { stream: raw, client: true, head: () => writeHead(reply, statusCode, out) };
      }
      // The status line waits for the first rewritten byte: a body that fails before it (a corrupt
      // gzip fails in its first chunk) is still answered 502 by the route.
      const [first, ...rest] = rewriter.streams;
      pipelineDone = new Promise((resolve) => {
        pipeline([first as Transform, ...rest, new ClientBody(reply, statusCode, out)], resolve);
      });
      return { stream: first as Transform, client: false };
    };
    const options: Dispatcher.DispatchOptions = {
      origin: target.origin,
      path: target.path,
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body ?? null,
    };
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
    let failure = await dispatch(upstream.pool, options, exchange);
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
      const fresh = upstream.fresh();
      exchange = new Relay(open, upstream.bodyTimeout);
      failure = await dispatch(fresh, options, exchange);
      void fresh.close();
    }
    // Decided once the pipeline settled: a rewriting stage may fail after the upstream body ended
    // (the last gzip block, the flush), and only then is it known whether the status line went out.
    if (pipelineDone !== undefined) {
      const rewriteFailure = await pipelineDone;
      failure ??= rewriteFailure ?? undefined;
    }
    if (failure === undefined) return reply;
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
      sendRawProxyError(raw, error, request.twitcherProxy);
      return reply;
    }
    // Once the status line went out nothing can be said to the client but a cut connection: never a
    // complete-looking response with part of the body.
    if (failure instanceof StalledClient) {
      request.log.info({ service: service.name }, 'the client stopped reading: its connection is cut');
      raw.destroy();
      return reply;
    }
    request.log.warn(
      { err: (failure as Error).message, service: service.name },
      'upstream response failed midway',
    );
    raw.destroy();
    return reply;
  }
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

/**
 * The client's response gets the upstream's status and the headers decided for it (and fastify's own,
 * X-Request-Id), in one `writeHead`: they go out with the first byte of the body. Fastify steps aside.
 */
function writeHead(reply: FastifyReply, statusCode: number, headers: Headers): void {
  reply.hijack();
  const own = reply.getHeaders();
  for (const name in own) {
    const value = own[name];
    if (value !== undefined && !(name in headers)) headers[name] = value as string | string[];
  }
  reply.raw.writeHead(statusCode, headers);
}

/**
 * The end of a rewrite pipeline: the client's response, whose status and headers are written with
 * the first byte of the body (or at the end of an empty one). Until then the reply is untouched, so
 * an error can still be answered by the route's error handler.
 */
class ClientBody extends Writable {
  readonly #reply: FastifyReply;
  readonly #statusCode: number;
  readonly #headers: Headers;
  #written = false;
  #waiting: ((error?: Error | null) => void) | undefined;

  constructor(reply: FastifyReply, statusCode: number, headers: Headers) {
    super();
    this.#reply = reply;
    this.#statusCode = statusCode;
    this.#headers = headers;
    const raw = reply.raw;
    raw.on('drain', () => {
      const callback = this.#waiting;
      this.#waiting = undefined;
      callback?.();
    });
    // The client went away while the pipeline waits for it (the upstream may be done already, so
    // undici's abort would not reach the pipeline): end it.
    raw.once('close', () => this.destroy());
  }

  #writeHead(): void {
    if (this.#written) return;
    this.#written = true;
    writeHead(this.#reply, this.#statusCode, this.#headers);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#writeHead();
    if (this.#reply.raw.write(chunk)) callback();
    else this.#waiting = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#writeHead();
    // Not waiting for 'finish': a client that goes away now must not leave the pipeline pending.
    this.#reply.raw.end();
    callback();
  }
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Gathers a small body, rewrites it whole and sends it with its new length. */
function collectAndRewrite(
  reply: FastifyReply,
  statusCode: number,
  headers: Headers,
  rules: RewriteRules,
): Writable {
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
      // Nothing was sent before: a body that failed on its way here is still a 502.
      headers['content-length'] = String(body.length);
      writeHead(reply, statusCode, headers);
      reply.raw.end(body);
      callback();
    },
  });
}
