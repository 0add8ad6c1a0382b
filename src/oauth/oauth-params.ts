import { TwitcherError } from '../errors.js';

/**
 * The parameters of an OAuth request: the form body (RFC 6749 §4.4.2) and, for compatibility with
 * the Python Twitcher's `GET /oauth/token?grant_type=…`, the query string. A parameter given twice
 * is refused (RFC 6749 §3.1: "MUST NOT be included more than once").
 */
export function readOAuthParams(query: string, body: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const source of [query, body ?? '']) {
    if (!source) continue;
    for (const [key, value] of new URLSearchParams(source)) {
      if (out.has(key)) {
        throw new TwitcherError('invalid_request', {
          description: `The parameter "${key}" is given more than once.`,
        });
      }
      out.set(key, value);
    }
  }
  return out;
}

/** A required parameter, or invalid_request naming it. */
export function requireParam(params: Map<string, string>, name: string): string {
  const v = params.get(name);
  if (v === undefined || v === '') {
    throw new TwitcherError('invalid_request', { description: `The parameter "${name}" is missing.` });
  }
  return v;
}
