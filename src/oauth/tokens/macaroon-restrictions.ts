/**
 * Where the caveats of a narrowed token meet a request. The verifier authenticated the token and
 * returned its restrictions; the proxy (and `/ows/verify`) calls `assertTokenRestrictions` once the
 * policy allowed the request, and the admin API refuses every token bound to requests.
 */
import { TwitcherError } from '../../errors.js';
import { isAtEndpoint } from '../../ows/build-request.js';
import type { OWSRequest } from '../../ows/types.js';
import { checkRestrictions, type TokenRestriction } from './macaroon-caveats.js';
import type { AccessTokenInfo } from './types.js';

export interface RestrictedRequest {
  /** The registered service name. */
  service: string;
  ows: OWSRequest;
  /** The client's address (after the trusted front proxies). */
  clientAddress: string | undefined;
}

const challenge = (error: string, description: string) =>
  `Bearer realm="twitcher", error="${error}", error_description="${description.replace(/["\\]/g, '')}"`;

/**
 * Throws unless the request meets every restriction of the token: 401 `invalid_token` when a `time`
 * caveat has passed, 403 `insufficient_scope` naming the first unmet caveat otherwise.
 */
export function assertTokenRestrictions(
  token: AccessTokenInfo,
  request: RestrictedRequest,
  now: number = Date.now(),
): void {
  if (token.restrictions === undefined || token.restrictions.length === 0) return;
  const { ows } = request;
  // an operation named on another path than the endpoint is not what the upstream serves there:
  // it satisfies no operation, process or layer caveat
  const named = ows.kind === 'ows' && isAtEndpoint(ows);
  const result = checkRestrictions(token.restrictions, {
    service: request.service,
    operation: named ? ows.operation : undefined,
    processes: named ? ows.identifiers : [],
    layers: named ? ows.layers : [],
    method: ows.method,
    path: ows.path,
    clientAddress: request.clientAddress,
    now,
  });
  if (result.ok) return;
  if (result.expired) {
    const description = 'The access token expired.';
    throw new TwitcherError('invalid_token', {
      description,
      detail: `caveat "${result.caveat}"`,
      headers: { 'WWW-Authenticate': challenge('invalid_token', description) },
    });
  }
  const description = `The access token does not allow this request: its caveat "${result.caveat}" is not met.`;
  throw new TwitcherError('insufficient_scope', {
    description,
    detail: `token ${token.jti}`,
    headers: { 'WWW-Authenticate': challenge('insufficient_scope', description) },
  });
}

/** The first caveat binding the token to some requests (anything but `time`), if any. */
export function requestBoundRestriction(token: AccessTokenInfo): TokenRestriction | undefined {
  return token.restrictions?.find((r) => r.kind !== 'time');
}
