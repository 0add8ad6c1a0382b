import { TwitcherClientError } from './error.js';

/**
 * How to reach and authenticate to a Twitcher.
 *
 * - `username`/`password`: the administrator (HTTP Basic); the admin API (`/clients`, `/tokens`,
 *   `/oauth/client`) needs them.
 * - `token`: an access token with the `register` scope, sent as `Authorization: Bearer` to the service
 *   registry (`/services`), as the seeds' `twitcherctl -t TOKEN register` does. When both are given the
 *   registry gets the token and the rest of the admin API the password.
 *
 * @example
 * const options: TwitcherClientOptions = {
 *   url: 'https://twitcher.example.org',
 *   username: 'admin',
 *   password: process.env.TWITCHER_PASSWORD,
 *   timeoutMs: 10_000,
 * };
 */
export interface TwitcherClientOptions {
  /** Base URL of the Twitcher server, e.g. http://localhost:8000 (a path prefix is kept). */
  url: string;
  username?: string;
  password?: string;
  token?: string;
  /** Skip the verification of the server's TLS certificate (like curl -k). Default false. */
  insecure?: boolean;
  /** Bound on each request, answer body included. Default 30 000 ms. */
  timeoutMs?: number;
}

/** The default of `timeoutMs`. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Checks that `value` is an absolute http(s) URL without credentials and returns it without a trailing
 * slash; otherwise throws `TwitcherClientError` with code `invalid_url`.
 *
 * @example
 * checkBaseURL('http://localhost:8000/'); // 'http://localhost:8000'
 * checkBaseURL('localhost:8000');         // throws: code invalid_url
 */
export function checkBaseURL(value: string, what = 'the server URL'): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  const problem =
    parsed === undefined
      ? 'is not an absolute URL'
      : parsed.protocol !== 'http:' && parsed.protocol !== 'https:'
        ? 'is not an http or https URL'
        : parsed.username !== '' || parsed.password !== ''
          ? 'must not carry credentials'
          : parsed.search !== '' || parsed.hash !== ''
            ? 'must not have a query or a fragment'
            : undefined;
  if (problem !== undefined) {
    throw new TwitcherClientError({
      status: 0,
      code: 'invalid_url',
      url: value,
      message: `${what} "${value}" ${problem} (expected e.g. http://localhost:8000)`,
    });
  }
  return value.replace(/\/+$/, '');
}
