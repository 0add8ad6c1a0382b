/**
 * Label values, each from a bounded set: a scrape never grows with what clients send. Services come
 * from the registry (a name nobody registered is one fixed value), operations from the operation
 * tables (src/ows/operations.ts), methods from a fixed list, outcomes from the TwitcherError codes.
 */
import { ERROR_CODES } from '../errors.js';
import type { OWSRequest } from '../ows/types.js';

/** The service label of a request to a name not registered, or refused before its service was looked up (registered names are [a-z0-9_]). */
export const UNREGISTERED = '(unknown)';
/** The operation label of a request that was not parsed (refused before, or not an OWS service). */
export const NO_OPERATION = 'none';
/** The operation label of an OWS operation outside the tables (a vendor operation). */
export const OTHER = 'other';
/** The route label of a request no route matched. */
export const UNMATCHED_ROUTE = '(unmatched)';

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The method, or `other` (WebDAV, PURGE, anything a client made up). */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : OTHER;
}

/**
 * A table operation (canonical case); `other` for an operation outside the tables, `unidentified`
 * for a body no OWS document could be read from, `none` when nothing was parsed or the service is
 * no OWS service.
 */
export function operationLabel(ows: OWSRequest | undefined): string {
  if (ows === undefined) return NO_OPERATION;
  if (ows.kind === 'ows') return ows.knownOperation && ows.operation !== undefined ? ows.operation : OTHER;
  return ows.kind === 'unidentified' ? 'unidentified' : NO_OPERATION;
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** `2xx`…`5xx` (a status outside 100..599 is `5xx`). */
export function statusClass(status: number): string {
  return CLASSES[Math.floor(status / 100) - 1] ?? '5xx';
}

/** An outcome of a refusal or failure: a TwitcherError code, else `internal_error`. */
export function errorOutcome(code: string | undefined): string {
  return code !== undefined && Object.hasOwn(ERROR_CODES, code) ? code : 'internal_error';
}

/** What a refused access token's public description says went wrong, as one of a few reasons. */
const TOKEN_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/expired/i, 'expired'],
  [/not yet valid|in the future/i, 'not_yet_valid'],
  [/revoked/i, 'revoked'],
  [/signature|signed with|algorithm/i, 'signature'],
  [/issuer|not meant for/i, 'issuer'],
  [/no longer exists/i, 'client_gone'],
  [/malformed|too large|too long/i, 'malformed'],
];

/** The reason label of a refused token (`invalid` when none of the known reasons). */
export function tokenRefusalReason(description: string): string {
  for (const [pattern, reason] of TOKEN_REASONS) if (pattern.test(description)) return reason;
  return 'invalid';
}
