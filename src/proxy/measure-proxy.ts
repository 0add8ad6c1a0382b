import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../metrics/metrics.js';
import { toTwitcherError } from '../util/to-twitcher-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The code of an error answered by forward() itself, after the reply was handed to the upstream. */
    twitcherFailure?: string;
  }
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** How far each client connection's byte counts were already counted. */
const counted = new WeakMap<Socket, { read: number; written: number }>();

/**
 * The bytes of a connection since it was last counted: a keep-alive connection's requests follow one
 * another, so each proxied request is charged what its connection carried since the previous one
 * (headers included), without wrapping any stream.
 */
function countBytes(metrics: Metrics, service: string | undefined, socket: Socket | null): void {
  if (!socket) return;
  const read = socket.bytesRead;
  const written = socket.bytesWritten;
  const mark = counted.get(socket);
  if (mark === undefined) counted.set(socket, { read, written });
  else {
    metrics.proxyBytes(service, read - mark.read, written - mark.written);
    mark.read = read;
    mark.written = written;
    return;
  }
  metrics.proxyBytes(service, read, written);
}

/**
 * The /ows/proxy handler, counted: outcome (allowed, or the error code), status class, latency and
 * bytes per service and operation, once the answer is done (or, for a refusal, once it is written).
 * With metrics off the handler is returned as it is.
 */
export function measureProxy(handler: Handler, metrics: Metrics): Handler {
  if (!metrics.enabled) return handler;
  return async (request, reply) => {
    const started = performance.now();
    const raw = reply.raw;
    const record = (errorCode: string | undefined, status: number) => {
      const context = request.twitcherProxy;
      const service = context?.service?.name;
      metrics.proxyRequest({
        service,
        ows: context?.ows,
        method: request.method,
        errorCode,
        status,
        seconds: (performance.now() - started) / 1000,
      });
      return service;
    };
    try {
      const answered = await handler(request, reply);
      const service = record(request.twitcherFailure, raw.statusCode);
      countBytes(metrics, service, request.raw.socket);
      return answered;
    } catch (err) {
      const e = toTwitcherError(err);
      const service = record(e.code, e.status);
      // The refusal is written after this: its bytes are counted once it is.
      const socket = request.raw.socket;
      const done = () => countBytes(metrics, service, socket);
      if (raw.writableFinished || raw.destroyed) done();
      else raw.once('finish', done);
      throw err;
    }
  };
}
