/**
 * The two answers of the OWS routes to an error: an OWS ExceptionReport in the dialect of the
 * request (`/ows/proxy`), Twitcher's JSON for nginx `auth_request` (`/ows/verify`). Also used for the
 * errors fastify raises before any route (a malformed URL), so every answer under the OWS routes has
 * the surface's format.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { TwitcherError } from '../errors.js';
import { renderOWSError } from '../ows/exception-report.js';
import { isOWSService } from '../ows/operations.js';
import type { AuthorizeContext } from './authorize.js';

export function sendProxyError(
  reply: FastifyReply,
  err: TwitcherError,
  surface: 'proxy' | 'verify',
  context?: AuthorizeContext,
): FastifyReply {
  if (surface === 'verify') return sendVerify(reply, err.status, err.description, err.headers, err.code);
  const rendered = renderOWSError(err, exceptionContext(context));
  return reply.code(err.status).headers(err.headers).type(rendered.contentType).send(rendered.body);
}

/**
 * The same ExceptionReport written on the raw response of a reply already handed to an upstream's
 * body (fastify no longer sends it) when that body failed before its first byte went out.
 */
export function sendRawProxyError(raw: ServerResponse, err: TwitcherError, context?: AuthorizeContext): void {
  for (const name of raw.getHeaderNames()) raw.removeHeader(name);
  const rendered = renderOWSError(err, exceptionContext(context));
  const body = Buffer.from(rendered.body);
  raw.writeHead(err.status, {
    ...err.headers,
    'content-type': rendered.contentType,
    'content-length': body.length,
  });
  raw.end(body);
}

/** Twitcher's `/verify` body (for nginx auth_request), with our status codes and error code. */
export function sendVerify(
  reply: FastifyReply,
  status: number,
  description: string,
  headers: Record<string, string>,
  code?: string,
): FastifyReply {
  return reply
    .code(status)
    .headers(headers)
    .type('application/json; charset=utf-8')
    .send({ description, access: status === 200, ...(code && { code }) });
}

function exceptionContext(ctx: AuthorizeContext | undefined) {
  if (ctx?.ows?.service)
    return { service: ctx.ows.service, version: ctx.ows.version, exceptions: ctx.ows.exceptions };
  const type = ctx?.service?.type;
  return type && isOWSService(type) ? { service: type } : {};
}
