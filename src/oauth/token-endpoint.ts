import { TwitcherError } from '../errors.js';
import type { ClientRecord } from '../store/types.js';
import { KNOWN_SCOPES } from './clients.js';
import { requireParam } from './oauth-params.js';
import type { IssuedAccessToken, TokenService } from './token-service-types.js';

/** The scopes granted for a token request (RFC 6749 §3.3), or invalid_scope. */
export function grantScopes(client: ClientRecord, requested: string | undefined): string[] {
  if (requested === undefined || requested.trim() === '') {
    // No scope asked for: the client's scopes, but never `register` unless asked for by name.
    const defaults = client.scopes.filter((s) => s !== 'register');
    return defaults.length > 0 ? defaults : [...client.scopes];
  }
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  const unknown = asked.filter((s) => !(KNOWN_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new TwitcherError('invalid_scope', { description: `Unknown scope: ${unknown.join(' ')}.` });
  }
  const refused = asked.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0) {
    throw new TwitcherError('invalid_scope', {
      description: `This client may not ask for: ${refused.join(' ')}.`,
    });
  }
  return asked;
}

/** The client credentials grant (RFC 6749 §4.4) for an authenticated client. */
export async function clientCredentialsGrant(
  params: Map<string, string>,
  client: ClientRecord,
  tokens: TokenService,
): Promise<IssuedAccessToken> {
  const grantType = requireParam(params, 'grant_type');
  if (grantType !== 'client_credentials') {
    throw new TwitcherError('unsupported_grant_type', {
      description: `Only the client_credentials grant is supported, not "${grantType.slice(0, 64)}".`,
    });
  }
  if (tokens.issuing === undefined) {
    throw new TwitcherError('unsupported_grant_type', {
      description: 'This Twitcher issues no tokens itself (token.type keycloak): ask your OpenID provider.',
    });
  }
  return tokens.issue(client, grantScopes(client, params.get('scope')));
}
