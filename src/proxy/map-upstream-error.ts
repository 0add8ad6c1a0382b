import { TwitcherError } from '../errors.js';

/** What went wrong with an upstream, as the metrics count it (and the gateway error follows from). */
export type UpstreamFailureKind = 'timeout' | 'refused' | 'unreachable' | 'reset' | 'tls' | 'other';

/** The kind of an upstream failure, from its Node or undici error code. */
export function upstreamFailureKind(err: unknown): UpstreamFailureKind {
  const code = errorCode(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    default:
      return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) ? 'tls' : 'other';
  }
}

/**
 * An upstream failure as a gateway error (fastify-reply-from's rule: 502/504, never 500 or 400),
 * with a public description that names no upstream host, path or internal detail.
 */
export function mapUpstreamError(err: unknown): TwitcherError {
  const detail = err instanceof Error ? `${errorCode(err)} ${err.message}` : String(err);
  switch (upstreamFailureKind(err)) {
    case 'timeout':
      return new TwitcherError('upstream_timeout', {
        description: 'The upstream service did not answer in time.',
        detail,
        cause: err,
      });
    case 'refused':
    case 'unreachable':
    case 'reset':
      return new TwitcherError('upstream_unreachable', {
        description: 'The upstream service cannot be reached.',
        detail,
        cause: err,
      });
    case 'tls':
      return new TwitcherError('upstream_unreachable', {
        description: "The upstream service's TLS certificate was not accepted.",
        detail,
        cause: err,
      });
    case 'other':
      return new TwitcherError('upstream_error', {
        description: 'The upstream service failed.',
        detail,
        cause: err,
      });
  }
}

/** The `code` of a Node or undici error ('' when it has none). */
export function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null ? String((err as { code?: unknown }).code ?? '') : '';
}
