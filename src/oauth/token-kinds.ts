/**
 * Which kinds of token Twitcher issues and accepts, from the configuration. It issues one kind
 * (`token.type`) and accepts every kind whose key it has, whatever `token.type` says, so that the
 * tokens issued before a switch of `token.type` stay valid until they expire:
 *
 * - random tokens always (their "key" is the store);
 * - signed tokens with the configured key pair, or else the pair generated under `token.keyDir`
 *   (generated when `token.type` is `signed`, only read otherwise), and `token.previousCertFiles`;
 * - custom tokens while `token.secret` is set;
 * - macaroons with `token.macaroonKeys`, or else the root key generated under `token.keyDir`
 *   (generated when `token.type` is `macaroon`, only read otherwise);
 * - the tokens of the trusted OpenID providers.
 *
 * A kind whose key is gone (a file removed, a setting cleared) is no longer accepted: its tokens are
 * `invalid_token`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Store } from '../store/types.js';
import { GENERATED_CERT_FILE, GENERATED_KEY_FILE } from './tokens/generated-key-files.js';
import { createRandomTokenIssuer, createRandomTokenVerifier } from './tokens/random.js';
import type { RevocationList, TokenIssuer, TokenVerifier } from './tokens/types.js';

export interface TokenKinds {
  /** undefined when Twitcher issues none (`keycloak`). */
  issuer: TokenIssuer | undefined;
  verifiers: TokenVerifier[];
  /** The public keys of signed tokens, for `/.well-known/jwks.json`; undefined without any. */
  jwks: { keys: object[] } | undefined;
}

type TokenConfig = Config['token'];

export async function createTokenKinds(config: Config, store: Store): Promise<TokenKinds> {
  const t = config.token;
  const revocations: RevocationList = { isRevoked: (jti) => store.tokens.isRevoked(jti) };
  const verifiers: TokenVerifier[] = [createRandomTokenVerifier(store.tokens, revocations)];
  let issuer: TokenIssuer | undefined;
  let jwks: { keys: object[] } | undefined;

  if (t.type === 'random') issuer = createRandomTokenIssuer(store.tokens);

  const signed = await signedTokenKeys(t);
  if (signed) {
    const { createSignedTokenIssuer, createSignedTokenVerifier } = await import('./tokens/signed.js');
    const { publicJWKS } = await import('./tokens/signing-key.js');
    const keys = [...(signed.current ? [signed.current] : []), ...signed.previous];
    verifiers.push(createSignedTokenVerifier({ keys, issuer: t.issuer, audience: t.audience, revocations }));
    if (t.type === 'signed' && signed.current)
      issuer = createSignedTokenIssuer({ key: signed.current, issuer: t.issuer, audience: t.audience });
    jwks = publicJWKS(keys);
  }

  if (t.secret !== undefined) {
    const { createCustomTokenIssuer, createCustomTokenVerifier } = await import('./tokens/custom.js');
    const options = { secret: t.secret, issuer: t.issuer, audience: t.audience };
    verifiers.push(createCustomTokenVerifier({ ...options, revocations }));
    if (t.type === 'custom') issuer = createCustomTokenIssuer(options);
  }

  const macaroonKeys = await macaroonRootKeys(t);
  if (macaroonKeys.length > 0) {
    const { createMacaroonKeyRing } = await import('./tokens/macaroon-keys.js');
    const { createMacaroonTokenIssuer, createMacaroonTokenVerifier } = await import('./tokens/macaroon.js');
    const options = { keys: createMacaroonKeyRing(macaroonKeys), location: t.issuer };
    verifiers.push(createMacaroonTokenVerifier({ ...options, revocations }));
    if (t.type === 'macaroon') issuer = createMacaroonTokenIssuer(options);
  }

  if (t.trustedIssuers.length > 0) {
    const { createExternalTokenVerifier } = await import('./tokens/external.js');
    verifiers.push(createExternalTokenVerifier({ issuers: t.trustedIssuers, revocations }));
  }
  return { issuer, verifiers, jwks };
}

/**
 * The keys of signed tokens, or undefined when there is none. The JWT libraries (jose,
 * @peculiar/x509) are loaded only then: the default, random tokens, keeps the process small.
 */
async function signedTokenKeys(t: TokenConfig) {
  const issuing = t.type === 'signed' || t.signingKeyFile !== undefined;
  const generated =
    existsSync(join(t.keyDir, GENERATED_KEY_FILE)) || existsSync(join(t.keyDir, GENERATED_CERT_FILE));
  if (!issuing && !generated && t.previousCertFiles.length === 0) return undefined;
  const { generateSigningKey, loadSigningKey, loadVerificationKey, readGeneratedSigningKey } = await import(
    './tokens/signing-key.js'
  );
  const current =
    t.signingKeyFile !== undefined && t.signingCertFile !== undefined
      ? await loadSigningKey({ keyFile: t.signingKeyFile, certFile: t.signingCertFile })
      : issuing
        ? await generateSigningKey(t.keyDir)
        : await readGeneratedSigningKey(t.keyDir);
  const previous = await Promise.all(t.previousCertFiles.map((f) => loadVerificationKey(f)));
  return { current, previous };
}

/** The configured root keys of macaroons, or else the generated one (made when macaroons are issued). */
async function macaroonRootKeys(t: TokenConfig) {
  if (t.macaroonKeys.length > 0) return t.macaroonKeys;
  const { generateMacaroonKey, readGeneratedMacaroonKey } = await import('./tokens/macaroon-keys.js');
  if (t.type === 'macaroon') return [await generateMacaroonKey(t.keyDir)];
  const generated = await readGeneratedMacaroonKey(t.keyDir);
  return generated ? [generated] : [];
}
