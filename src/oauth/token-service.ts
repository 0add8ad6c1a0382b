import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Store } from '../store/types.js';
import type { TokenService } from './token-service-types.js';
import { createRandomTokenIssuer, createRandomTokenVerifier } from './tokens/random.js';
import type { AccessTokenInfo, RevocationList, TokenIssuer, TokenVerifier } from './tokens/types.js';

const CACHE_MAX = 10_000;
const CACHE_SECONDS = 60;

import { createTokenVerifierChain } from './tokens/verifier-chain.js';

/**
 * Issuing and validation of access tokens, from the configuration: Twitcher issues one kind
 * (`token.type`) and accepts every kind it can check — random tokens always, signed tokens when a
 * key is configured or generated, custom tokens when a secret is set, macaroons when a root key is
 * configured or generated, and the tokens of the trusted OpenID providers. Revocation is by token
 * id, checked on every validation, so it holds at once.
 */
export async function createTokenService(config: Config, store: Store): Promise<TokenService> {
  const t = config.token;
  const revocations: RevocationList = { isRevoked: (jti) => store.tokens.isRevoked(jti) };
  const verifiers: TokenVerifier[] = [createRandomTokenVerifier(store.tokens, revocations)];
  let issuer: TokenIssuer | undefined;
  let jwks: { keys: object[] } | undefined;

  if (t.type === 'random') issuer = createRandomTokenIssuer(store.tokens);

  // The JWT kinds (jose, @peculiar/x509) are loaded only when configured: the default, random
  // tokens, keeps the process small.
  if (t.type === 'signed' || t.signingKeyFile !== undefined) {
    const { generateSigningKey, loadSigningKey, loadVerificationKey, publicJWKS } = await import(
      './tokens/signing-key.js'
    );
    const { createSignedTokenIssuer, createSignedTokenVerifier } = await import('./tokens/signed.js');
    const key =
      t.signingKeyFile !== undefined && t.signingCertFile !== undefined
        ? await loadSigningKey({ keyFile: t.signingKeyFile, certFile: t.signingCertFile })
        : await generateSigningKey(t.keyDir);
    const previous = await Promise.all(t.previousCertFiles.map((f) => loadVerificationKey(f)));
    const keys = [key, ...previous];
    verifiers.push(createSignedTokenVerifier({ keys, issuer: t.issuer, audience: t.audience, revocations }));
    if (t.type === 'signed')
      issuer = createSignedTokenIssuer({ key, issuer: t.issuer, audience: t.audience });
    jwks = publicJWKS(keys);
  }

  if (t.secret !== undefined) {
    const { createCustomTokenIssuer, createCustomTokenVerifier } = await import('./tokens/custom.js');
    const options = { secret: t.secret, issuer: t.issuer, audience: t.audience };
    verifiers.push(createCustomTokenVerifier({ ...options, revocations }));
    if (t.type === 'custom') issuer = createCustomTokenIssuer(options);
  }

  // Macaroons: accepted as soon as a root key is configured, issued when token.type says so (a key
  // is then generated under token.keyDir when none is configured).
  if (t.type === 'macaroon' || t.macaroonKeys.length > 0) {
    const { createMacaroonKeyRing, generateMacaroonKey } = await import('./tokens/macaroon-keys.js');
    const { createMacaroonTokenIssuer, createMacaroonTokenVerifier } = await import('./tokens/macaroon.js');
    const keys = createMacaroonKeyRing(
      t.macaroonKeys.length > 0 ? t.macaroonKeys : [await generateMacaroonKey(t.keyDir)],
    );
    const options = { keys, location: t.issuer };
    verifiers.push(createMacaroonTokenVerifier({ ...options, revocations }));
    if (t.type === 'macaroon') issuer = createMacaroonTokenIssuer(options);
  }

  if (t.trustedIssuers.length > 0) {
    const { createExternalTokenVerifier } = await import('./tokens/external.js');
    verifiers.push(createExternalTokenVerifier({ issuers: t.trustedIssuers, revocations }));
  }

  const verifyUncached = createTokenVerifierChain(verifiers);

  // Validated tokens are remembered (by their SHA-256) until they expire, for at most a minute, and
  // all are forgotten on any token or client change of any instance (revocation, client deletion):
  // a revoked token is refused on the next request. This spares a store lookup or a signature check
  // per request.
  const cache = new Map<string, { info: AccessTokenInfo; until: number }>();
  const unsubscribe = store.changes.subscribe((event) => {
    if (event.aggregate === 'tokens' || event.aggregate === 'clients' || event.aggregate === 'all')
      cache.clear();
  });
  const verify = async (token: string): Promise<AccessTokenInfo> => {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now() / 1000;
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.info;
    const info = await verifyUncached(token);
    if (info.expiresAt > now) {
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(key, { info, until: Math.min(info.expiresAt, now + CACHE_SECONDS) });
    }
    return info;
  };

  return {
    issuing: issuer?.kind,
    async issue(client, scopes, extraData = {}) {
      if (!issuer) throw new TypeError('this Twitcher issues no tokens');
      const issued = await issuer.issue({
        clientId: client.clientId,
        scopes,
        lifetime: t.lifetime,
        data: { ...client.data, ...extraData },
      });
      return { accessToken: issued.accessToken, expiresIn: issued.expiresIn, scopes, jti: issued.jti };
    },
    verify,
    async revoke(token, clientId) {
      const info = await verify(token).catch(() => undefined);
      if (!info || (clientId !== undefined && info.clientId !== clientId)) return false;
      await store.tokens.revoke(info.jti, info.clientId, Math.max(info.expiresAt, info.revocableUntil ?? 0));
      return true;
    },
    jwks: () => jwks,
    async close() {
      unsubscribe();
      cache.clear();
    },
  };
}
