/** Settings of access tokens: the kind Twitcher issues, its keys, and the external issuers it trusts. */
import { macaroonKeysOf } from '../macaroon-keys.js';
import { optional, withDefault } from '../setting.js';
import * as t from '../setting-types.js';
import { trustedIssuersOf } from '../trusted-issuers.js';

/** Access tokens issued and accepted. */
export const TOKEN_SETTINGS = {
  'token.type': withDefault({
    env: 'TWITCHER_TOKEN_TYPE',
    type: t.oneOf(['random', 'signed', 'custom', 'macaroon', 'keycloak']),
    default: 'random',
    doc:
      'Kind of access token the token endpoint issues: `random` (opaque, stored only as a hash), `signed` ' +
      '(a JWT signed with `token.signingKeyFile`, public keys at `/.well-known/jwks.json`), `custom` (an HS256 JWT ' +
      'with `token.secret`, for sites that validate elsewhere), `macaroon` (a macaroon its holders can narrow ' +
      'offline, see docs/macaroons.md) or `keycloak` (Twitcher issues none: tokens come from ' +
      'the OpenID providers in `token.trustedIssuers`). Tokens of every kind Twitcher can check are accepted.',
  }),
  'token.lifetime': withDefault({
    env: 'TWITCHER_TOKEN_LIFETIME',
    type: t.duration(),
    default: 3_600_000,
    doc: 'Lifetime of the access tokens Twitcher issues.',
  }),
  'token.issuer': optional({
    env: 'TWITCHER_TOKEN_ISSUER',
    type: t.string({ minLength: 1 }),
    defaultDoc: '`server.url`',
    doc: '`iss` of the JWTs Twitcher issues (`signed`, `custom`).',
  }),
  'token.audience': optional({
    env: 'TWITCHER_TOKEN_AUDIENCE',
    type: t.string({ minLength: 1 }),
    defaultDoc: '`server.url`',
    doc: '`aud` of the JWTs Twitcher issues, and the audience it requires of them.',
  }),
  'token.signingKeyFile': optional({
    env: 'TWITCHER_TOKEN_SIGNING_KEY_FILE',
    type: t.string({ minLength: 1 }),
    doc:
      'PEM private key (RSA ≥ 2048 bits → RS256, EC P-256 → ES256) for `signed` tokens, with `token.signingCertFile`. ' +
      'Unset: a key and a self-signed certificate are generated under `token.keyDir` on the first start.',
  }),
  'token.signingCertFile': optional({
    env: 'TWITCHER_TOKEN_SIGNING_CERT_FILE',
    type: t.string({ minLength: 1 }),
    doc: 'PEM X.509 certificate of `token.signingKeyFile`, published (x5c) in `/.well-known/jwks.json`.',
  }),
  'token.previousCertFiles': withDefault({
    env: 'TWITCHER_TOKEN_PREVIOUS_CERT_FILES',
    type: t.list(),
    default: [],
    doc: 'Certificates of retired signing keys whose tokens are still accepted (key rotation).',
  }),
  'token.keyDir': withDefault({
    env: 'TWITCHER_TOKEN_KEY_DIR',
    type: t.string({ minLength: 1 }),
    default: 'var/keys',
    doc: 'Where a generated signing key and certificate, or macaroon root key, are kept (private key files mode 0600).',
  }),
  'token.secret': optional({
    env: 'TWITCHER_TOKEN_SECRET',
    type: t.string({ minLength: 32 }),
    secret: true,
    doc: 'Shared HS256 secret of `custom` tokens (at least 32 characters). Required when `token.type` is `custom`.',
  }),
  'token.trustedIssuers': withDefault({
    env: 'TWITCHER_TOKEN_TRUSTED_ISSUERS',
    type: t.json(trustedIssuersOf),
    default: [],
    doc:
      'External OpenID providers (Keycloak realms and others) whose access tokens are accepted: a list of ' +
      '`{"issuer": "https://sso.example.org/realms/climate", "audience": "twitcher", "scopeClaim": "scope", ' +
      '"clientIdClaim": "azp", "jwksUri": "…"}`. Keys come from issuer discovery and JWKS (cached, refetched on an ' +
      'unknown key id); `iss`, `aud`, `exp` and `nbf` are checked. `scopeClaim` may be a dotted path such as ' +
      '`realm_access.roles`.',
  }),
  'token.dataHeaderPrefix': withDefault({
    env: 'TWITCHER_TOKEN_DATA_HEADER_PREFIX',
    type: t.string({ pattern: /^[A-Za-z][A-Za-z0-9-]*-$/, patternHint: 'a header name prefix ending in -' }),
    default: 'X-Twitcher-Data-',
    doc:
      'Prefix of the request headers that carry token data to upstreams registered with `passTokenData: true`. ' +
      'Headers with this prefix sent by clients are always dropped.',
  }),
  'token.macaroonKeys': withDefault({
    env: 'TWITCHER_TOKEN_MACAROON_KEYS',
    type: t.json(macaroonKeysOf),
    default: [],
    secret: true,
    doc:
      'Root keys of macaroons: a list of `{"id": "2025-06", "secret": "…at least 32 characters…"}` (id: 1 to 64 ' +
      'characters of `A-Z a-z 0-9 _ -`). The first key mints; the others are still accepted until removed ' +
      '(rotation). Several instances share them here. Macaroons are accepted whatever `token.type` is once a key ' +
      'is set; with `token.type` `macaroon` and no key, one is generated under `token.keyDir` on the first start.',
  }),
};
