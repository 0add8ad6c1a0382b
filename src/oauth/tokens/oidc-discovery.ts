/**
 * OpenID Connect Discovery 1.0 of an external issuer, reduced to what token verification needs: the
 * `jwks_uri`. The fetch is bounded by a timeout; any failure is thrown (the caller fails closed).
 */

/** OIDC Discovery 1.0 §4.1: the issuer, without a trailing slash, + the well-known path. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const url = discoveryUrl(issuer);
  const response = await fetch(url, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  const meta: unknown = await response.json();
  if (typeof meta !== 'object' || meta === null) throw new Error(`${url} is not a JSON object`);
  const { issuer: announced, jwks_uri: jwksUri } = meta as Record<string, unknown>;
  // OIDC Discovery 1.0 §4.3: the announced issuer MUST be identical to the one configured
  if (announced !== issuer) {
    throw new Error(
      `${url} announces issuer ${JSON.stringify(announced)}, expected ${JSON.stringify(issuer)}`,
    );
  }
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) throw new Error(`${url} has no valid jwks_uri`);
  const keysUrl = new URL(jwksUri);
  const issuerProtocol = new URL(issuer).protocol;
  // an https issuer must not send us to fetch its keys in clear
  if (keysUrl.protocol !== 'https:' && !(keysUrl.protocol === 'http:' && issuerProtocol === 'http:')) {
    throw new Error(`${url}: jwks_uri ${jwksUri} is not https`);
  }
  return keysUrl.href;
}
