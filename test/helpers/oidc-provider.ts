import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors as oidcErrors } from 'oidc-provider';

/**
 * panva's oidc-provider (a certified OpenID provider) on a free loopback port, in Keycloak's place:
 * a client-credentials client whose access tokens are RS256 JWTs for the audience `twitcher`
 * (RFC 8707 resource indicators), or `another-service` for OTHER_RESOURCE.
 */
export const CLIENT_ID = 'wps-client';
export const CLIENT_SECRET = 'a-client-secret-for-the-test-provider';
/** RFC 8707 resource indicators: ours, and another service's. */
export const RESOURCE = 'urn:twitcher';
export const OTHER_RESOURCE = 'urn:another-service';

export interface RunningProvider {
  issuer: string;
  /** Requests the provider received for its JWK Set. */
  jwksHits: () => number;
  /** The public JWK of its signing key. */
  publicJwk: JWK;
  /** A real client-credentials grant at its token endpoint. */
  token(params?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

export async function startProvider(
  extraClaims?: Record<string, unknown>,
  notBeforeIn?: number,
): Promise<RunningProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const signing = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  let jwksHits = 0;
  let handler: RequestListener = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) jwksHits++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: 'compute register',
      },
    ],
    jwks: { keys: [signing] },
    scopes: ['openid', 'compute', 'register'],
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== RESOURCE && resource !== OTHER_RESOURCE) throw new oidcErrors.InvalidTarget();
          return {
            scope: 'compute register',
            audience: resource === RESOURCE ? 'twitcher' : 'another-service',
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ...(extraClaims ? { extraTokenClaims: () => extraClaims } : {}),
    ...(notBeforeIn === undefined
      ? {}
      : {
          formats: {
            customizers: {
              jwt: (_ctx, _token, jwt) => {
                jwt.payload['nbf'] = Number(jwt.payload['iat']) + notBeforeIn;
              },
            },
          },
        }),
  });
  handler = provider.callback();
  return {
    issuer,
    jwksHits: () => jwksHits,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' },
    async token(params = {}) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'compute register', ...params }),
      });
      const body = (await response.json()) as { access_token?: string };
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.ok(body.access_token);
      return body.access_token;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
