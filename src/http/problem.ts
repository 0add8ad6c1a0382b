import type { FastifyReply } from 'fastify';
import type { TwitcherError } from '../errors.js';

/** RFC 9457 problem details, with Twitcher's stable `code` and, for validation errors, each field. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: { field: string; message: string }[];
}

export function toProblem(err: TwitcherError, instance?: string): ProblemDetails {
  const problem: ProblemDetails = {
    type: `urn:twitcher:problem:${err.code}`,
    title: err.code.replace(/_/g, ' '),
    status: err.status,
    // 5xx: the public description only, never internals (node-oidc-provider's rule).
    detail: err.description,
    code: err.code,
  };
  if (instance) problem.instance = instance;
  if (err.fields.length > 0) problem.errors = err.fields;
  return problem;
}

export function sendProblem(reply: FastifyReply, err: TwitcherError): FastifyReply {
  return reply
    .code(err.status)
    .headers(err.headers)
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(toProblem(err, reply.request.url.split('?')[0])));
}
