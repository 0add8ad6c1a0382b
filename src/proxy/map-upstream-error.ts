import { TwitcherError } from '../errors.js';

/**
 * An upstream failure as a gateway error (fastify-reply-from's rule: 502/504, never 500 or 400),
 * with a public description that names no upstream host, path or internal detail.
 */
export function mapUpstreamError(err: unknown): TwitcherError {
  const code = errorCode(err);
  const detail = err instanceof Error ? `${code} ${err.message}` : String(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return new TwitcherError('upstream_timeout', {
        description: 'The upstream service did not answer in time.',
        detail,
        cause: err,
      });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return new TwitcherError('upstream_unreachable', {
        description: 'The upstream service cannot be reached.',
        detail,
        cause: err,
      });
    default:
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) {
        return new TwitcherError('upstream_unreachable', {
          description: "The upstream service's TLS certificate was not accepted.",
          detail,
          cause: err,
        });
      }
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
