import type { FastifyBaseLogger } from 'fastify';
import type { TwitcherError } from '../errors.js';

/** 5xx are errors with their private detail; 4xx are information about the client's request. */
export function logError(log: FastifyBaseLogger, err: TwitcherError): void {
  if (err.status >= 500) log.error({ code: err.code, detail: err.detail }, err.description);
  else log.info({ code: err.code, status: err.status }, err.description);
}
