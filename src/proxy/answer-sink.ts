/**
 * The client's side of a forwarded exchange: where the upstream's answer goes once its head is
 * known. Straight into the client's response when nothing is rewritten (with backpressure, without
 * an intermediate Readable: the bench showed fastify's stream sending path costing half the CPU),
 * gathered and rewritten whole when small, or through a rewrite (and filter) pipeline otherwise.
 */
import { pipeline, type Transform, Writable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { createResponseRewriter, isRewritableContentType } from '../ows/capabilities/content.js';
import { addCapabilitiesFilter, mustFilter } from '../ows/capabilities/filter-response.js';
import type { RewriteRules } from '../ows/capabilities/rewrite-rules.js';
import { rewriteBuffer } from '../ows/capabilities/rewrite-stream.js';
import { clientResponseHeaders } from './client-response-headers.js';
import type { Headers } from './headers.js';
import type { Answer, Sink } from './relay.js';
import { rewriteLocation } from './rewrite-location.js';

/** Rewritable bodies up to this size with a known length are rewritten in one go (cheaper than a stream). */
const SMALL_BODY = 1024 * 1024;

/** What one request's answer needs, made once per request before it is sent. */
export interface AnswerPlan {
  reply: FastifyReply;
  /** The request was a HEAD. */
  head: boolean;
  /** GetCapabilities of an acl service: what the document may list. */
  visible: ((name: string) => boolean) | undefined;
  /** Resolved before the request, so that the answer's path stays synchronous. */
  xmlRules: RewriteRules;
  jsonRules: RewriteRules;
  /** Where the request went: `Location` fields are mapped from it. */
  target: { readonly origin: string; readonly path: string };
  /** Twitcher's pseudonym in `Via`. */
  via: string;
  /** Set when the body goes through a rewrite pipeline: settles with its end (and its error, if any). */
  pipelineDone: Promise<Error | null> | undefined;
}

/** Opens the sink for the upstream's answer (the `open` of a Relay). */
export function openAnswerSink(plan: AnswerPlan, { statusCode, headers: upstreamHeaders }: Answer): Sink {
  const { reply, head, visible, xmlRules, jsonRules, target, via } = plan;
  const bodiless = statusCode === 204 || statusCode === 304;
  // What the body of a GET would be: a HEAD's fields describe that body (RFC 9110 §9.3.2).
  const type = bodiless ? false : isRewritableContentType(headerString(upstreamHeaders['content-type']));
  const kind = head ? false : type;
  const rules = kind === 'json' ? jsonRules : xmlRules;
  const encoding = headerString(upstreamHeaders['content-encoding']);
  const length = Number(headerString(upstreamHeaders['content-length']) ?? Number.NaN);
  const filtered = visible !== undefined && mustFilter(statusCode, head || bodiless, kind);
  const small = !filtered && kind !== false && !encoding && Number.isFinite(length) && length <= SMALL_BODY;
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
    return { stream: reply.raw, client: true, head: () => writeHead(reply, statusCode, out) };
  }
  // The status line waits for the first rewritten byte: a body that fails before it (a corrupt
  // gzip fails in its first chunk) is still answered 502 by the route.
  const [first, ...rest] = rewriter.streams;
  plan.pipelineDone = new Promise((resolve) => {
    pipeline([first as Transform, ...rest, new ClientBody(reply, statusCode, out)], resolve);
  });
  return { stream: first as Transform, client: false };
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
