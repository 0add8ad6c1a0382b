import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TwitcherError } from '../errors.js';
import { logError } from '../util/log-error.js';
import { toTwitcherError } from '../util/to-twitcher-error.js';

/** The most a form body of the OAuth and certificate-service endpoints may hold. */
const FORM_LIMIT = 64 * 1024;

/**
 * Errors of the routes in this scope (the app, or one plugin), whatever threw them, logged once and
 * rendered in the surface's own format: problem+json, RFC 6749 JSON, OWS ExceptionReport, text.
 */
export function renderErrorsAs(
  app: FastifyInstance,
  render: (reply: FastifyReply, err: TwitcherError, request: FastifyRequest) => unknown,
): void {
  app.setErrorHandler((error, request, reply) => {
    const err = toTwitcherError(error);
    logError(request.log, err);
    return render(reply, err, request);
  });
}

/** Form bodies kept as their text (at most 64 KiB): these routes read their parameters themselves. */
export function formBodyAsText(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT },
    (_r, body, done) => done(null, body),
  );
}
