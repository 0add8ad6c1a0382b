import { TwitcherClientError } from './error.js';

/** Node's codes of a TLS certificate that is not trusted (the `-k/--insecure` cases). */
const CERTIFICATE_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/**
 * Why a fetch failed: the system error code behind `TypeError: fetch failed` (ECONNREFUSED…), else
 * the message of the innermost cause ("bad port").
 */
function reasonOf(err: unknown): { code?: string; message: string } {
  let cause: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && cause instanceof Error; depth++) {
    message = cause.message || message;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return { code, message };
    // happy eyeballs: an AggregateError of one error per address tried
    if (cause instanceof AggregateError && cause.errors[0] !== undefined) cause = cause.errors[0];
    else cause = cause.cause;
  }
  return { message };
}

/** A fetch that threw: `timeout` or `unreachable`, naming the URL tried and why. */
export function fetchFailure(err: unknown, url: string, timeoutMs: number): TwitcherClientError {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new TwitcherClientError(
      { status: 0, code: 'timeout', url, message: `no answer from ${url} within ${timeoutMs} ms` },
      { cause: err },
    );
  }
  const { code, message } = reasonOf(err);
  const why =
    code !== undefined && CERTIFICATE_CODES.test(code)
      ? `its TLS certificate is not trusted (${code})`
      : (code ?? message);
  return new TwitcherClientError(
    { status: 0, code: 'unreachable', url, message: `cannot reach ${url}: ${why}` },
    { cause: err },
  );
}
