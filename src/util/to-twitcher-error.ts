import type { FastifyError } from 'fastify';
import { type FieldError, fieldsError, TwitcherError } from '../errors.js';

interface AjvError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Whatever was thrown in a route or by fastify itself, as one TwitcherError. */
export function toTwitcherError(err: unknown): TwitcherError {
  if (err instanceof TwitcherError) return err;
  const fe = err as Partial<FastifyError> & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const fields = fe.validation.map((v) => validationField(v, fe.validationContext));
    return fieldsError(fields);
  }
  switch (fe.code) {
    case 'FST_ERR_BAD_URL':
      // the router could not decode the path (a malformed or non-UTF-8 escape): never echoed back
      return new TwitcherError('invalid_request', {
        description: 'The request path has a malformed or non-UTF-8 percent-escape.',
        locator: 'path',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TwitcherError('unsupported_media_type', {
        description: 'Send the body as application/json.',
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TwitcherError('payload_too_large');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TwitcherError('malformed_body', { description: 'The JSON body is empty.' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new TwitcherError('malformed_body', { description: 'The body is not valid JSON.' });
  }
  if (err instanceof SyntaxError && typeof fe.statusCode === 'number' && fe.statusCode === 400) {
    return new TwitcherError('malformed_body', { description: 'The body is not valid JSON.' });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.statusCode === 404) return new TwitcherError('not_found');
    if (fe.statusCode === 405) return new TwitcherError('method_not_allowed');
    if (fe.statusCode === 413) return new TwitcherError('payload_too_large');
    if (fe.statusCode === 415) return new TwitcherError('unsupported_media_type');
    return new TwitcherError('invalid_request', { description: fe.message ?? 'Invalid request.' });
  }
  return new TwitcherError('internal_error', {
    description: 'An internal error occurred.',
    detail: err instanceof Error ? (err.stack ?? err.message) : String(err),
    cause: err,
  });
}

function validationField(v: AjvError, context?: string): FieldError {
  const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const params = v.params ?? {};
  if (v.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    return { field: join(path, params['additionalProperty']), message: 'is not a known field' };
  }
  if (v.keyword === 'required' && typeof params['missingProperty'] === 'string') {
    return { field: join(path, params['missingProperty']), message: 'is required' };
  }
  return { field: path || context || 'body', message: v.message ?? 'is invalid' };
}

function join(a: string, b: string): string {
  return a ? `${a}.${b}` : b;
}
