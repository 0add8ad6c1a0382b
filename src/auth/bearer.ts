import { TwitcherError } from '../errors.js';

/** Largest token looked at; longer ones are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * The bearer token of a request (RFC 6750 §2): the `Authorization: Bearer` header, the
 * `access_token` query parameter, or the `access_token` form field. More than one way, or the same
 * parameter twice, is invalid_request (§2: "MUST NOT use more than one method").
 */
export function extractBearerToken(
  authorization: string | undefined,
  query: string,
  formBody?: string | undefined,
): string | undefined {
  const found: string[] = [];
  if (authorization !== undefined && /^bearer[ \t]/i.test(authorization)) {
    found.push(authorization.slice(7).trim());
  }
  for (const source of [query, formBody ?? '']) {
    if (!source?.toLowerCase().includes('access_token')) continue;
    for (const [key, value] of new URLSearchParams(source)) if (key === 'access_token') found.push(value);
  }
  if (found.length > 1) {
    throw new TwitcherError('invalid_request', {
      description:
        'Send the access token one way only (Authorization header, access_token parameter or form field).',
      headers: { 'WWW-Authenticate': 'Bearer realm="twitcher", error="invalid_request"' },
    });
  }
  return found[0];
}
