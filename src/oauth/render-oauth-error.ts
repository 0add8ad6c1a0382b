import type { FastifyReply } from 'fastify';
import type { TwitcherError } from '../errors.js';

/** Error codes of RFC 6749 §5.2 and RFC 7009 §2.2.1 that Twitcher's codes map to one to one. */
const OAUTH_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_scope',
  'unsupported_grant_type',
  'unsupported_token_type',
  'unauthorized_client',
  'invalid_token',
  'insufficient_scope',
]);

/** `{error, error_description}` with `Cache-Control: no-store` (RFC 6749 §5.2). */
export function sendOAuthError(reply: FastifyReply, err: TwitcherError): FastifyReply {
  let error: string;
  if (OAUTH_CODES.has(err.code)) error = err.code;
  else if (err.status === 503) error = 'temporarily_unavailable';
  else if (err.status >= 500) error = 'server_error';
  else if (err.status === 401) error = 'invalid_client';
  else error = 'invalid_request';
  return reply
    .code(err.status)
    .headers(err.headers)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error, error_description: err.description }));
}
