import type { FastifyRequest } from 'fastify';
import type { AdminVerifier } from '../auth/admin-credentials.js';
import { parseBasicAuthorization } from '../auth/basic.js';
import { TwitcherError } from '../errors.js';
import { requestBoundRestriction } from '../oauth/tokens/macaroon-restrictions.js';
import type { AccessTokenInfo } from '../oauth/tokens/types.js';

export const BASIC_CHALLENGE = 'Basic realm="Twitcher", charset="UTF-8"';

/**
 * preHandler of the admin API: HTTP Basic with the administrator account (RFC 7617), else 401.
 * Failed attempts are limited per user name and per client address (AdminVerifier): past the limit,
 * 429 `too_many_failures` with `Retry-After`, before the password is looked at.
 */
export function createRequireAdmin(admin: AdminVerifier) {
  return async function requireAdmin(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const creds = parseBasicAuthorization(header);
    if (!creds) {
      throw new TwitcherError('authentication_required', {
        description: 'The admin API needs the administrator credentials (HTTP Basic).',
        headers: { 'WWW-Authenticate': BASIC_CHALLENGE },
      });
    }
    if (!(await admin.verify(creds.username, creds.password, request.ip))) {
      request.log.warn({ username: creds.username }, 'admin authentication failed');
      throw new TwitcherError('invalid_credentials', {
        description: 'Wrong user name or password.',
        headers: { 'WWW-Authenticate': BASIC_CHALLENGE },
      });
    }
  };
}

/**
 * preHandler of the registry API: the administrator (HTTP Basic), or an access token with `scope`
 * (the seeds' `twitcherctl -t TOKEN register` with the `register` scope).
 */
export function createRequireAdminOrScope(
  requireAdmin: (request: FastifyRequest) => Promise<void>,
  verifyAccessToken: (token: string) => Promise<AccessTokenInfo>,
  scope: string,
) {
  return async function requireAdminOrScope(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    if (header === undefined || !/^bearer[ \t]/i.test(header)) return requireAdmin(request);
    let info: AccessTokenInfo;
    try {
      info = await verifyAccessToken(header.slice(7).trim());
    } catch (err) {
      const description = err instanceof TwitcherError ? err.description : 'The access token is not valid.';
      throw new TwitcherError('invalid_token', {
        description,
        headers: { 'WWW-Authenticate': `Bearer realm="twitcher", error="invalid_token"` },
      });
    }
    if (!info.scopes.includes(scope)) {
      throw new TwitcherError('insufficient_scope', {
        description: `This needs an access token with the "${scope}" scope, or the administrator.`,
        headers: {
          'WWW-Authenticate': `Bearer realm="twitcher", error="insufficient_scope", scope="${scope}"`,
        },
      });
    }
    // A macaroon narrowed to some OWS requests (service, process, path… caveats) is no key to the
    // registry: those caveats say nothing of admin requests, so fail closed.
    const bound = requestBoundRestriction(info);
    if (bound) {
      throw new TwitcherError('insufficient_scope', {
        description: `This access token is narrowed to OWS requests (caveat "${bound.text}"): it cannot be used on the admin API.`,
        headers: { 'WWW-Authenticate': `Bearer realm="twitcher", error="insufficient_scope"` },
      });
    }
  };
}
