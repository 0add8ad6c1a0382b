import { TwitcherError } from '../errors.js';
import type { ClientRecord, ClientRepository } from '../store/types.js';
import { DUMMY_SECRET_HASH, secretMatches } from './client-secret.js';

export const CLIENT_CHALLENGE = 'Basic realm="twitcher"';

/**
 * Client authentication (RFC 6749 §2.3.1): HTTP Basic with the form-urlencoded id and secret, or the
 * `client_id` and `client_secret` parameters; not both. Unknown client and wrong secret are the same
 * error, found in the same time.
 */
export async function authenticateClient(
  authorization: string | undefined,
  params: Map<string, string>,
  clients: ClientRepository,
): Promise<ClientRecord> {
  let id: string | undefined;
  let secret: string | undefined;
  const basic = authorization !== undefined && /^basic /i.test(authorization);
  if (basic) {
    if (params.has('client_secret')) {
      throw new TwitcherError('invalid_request', { description: 'Authenticate the client one way only.' });
    }
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient();
    try {
      id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw invalidClient();
    }
    const paramId = params.get('client_id');
    if (paramId !== undefined && paramId !== id) {
      throw new TwitcherError('invalid_request', {
        description: 'client_id does not match the authenticated client.',
      });
    }
  } else {
    id = params.get('client_id');
    secret = params.get('client_secret');
  }
  if (!id || secret === undefined)
    throw invalidClient('The client must authenticate (HTTP Basic or client_id and client_secret).');
  const client = id.length <= 64 ? await clients.get(id) : undefined;
  const ok = secretMatches(secret, client?.secretHash ?? DUMMY_SECRET_HASH);
  if (!client || !ok) throw invalidClient();
  return client;
}

function invalidClient(description = 'Client authentication failed.'): TwitcherError {
  return new TwitcherError('invalid_client', {
    description,
    headers: { 'WWW-Authenticate': CLIENT_CHALLENGE },
  });
}
