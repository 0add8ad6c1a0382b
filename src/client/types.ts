/**
 * The JSON shapes of Twitcher's HTTP API, declared here (not imported from the server) so that the
 * client can be used, built and versioned without the server code.
 */

/** The kinds of upstream service Twitcher knows. */
export type ServiceType = 'wps' | 'wms' | 'wfs' | 'wcs' | 'wmts' | 'csw' | 'thredds' | 'ogcapi' | 'http';

/**
 * How a service is protected: `public` needs nothing; `token` and `cert` protect all but the public
 * operations; `acl` decides every request by the permissions granted to users and groups.
 */
export type AuthMode = 'token' | 'cert' | 'public' | 'acl';

/**
 * A service's overrides of the proxy's limits, as answered (timeouts in milliseconds); a member
 * absent: the server's global setting applies. Past `maxConcurrent` requests in flight the proxy
 * answers 503 with Retry-After; past a timeout, 502 or 504.
 *
 * @example
 * const { limits } = await client.getService('emu');
 * console.log(limits.maxConcurrent ?? 'global setting', limits.headersTimeout); // 8 300000
 */
export interface ServiceLimits {
  /** Most upstream requests in flight at once (1 to 100000). */
  maxConcurrent?: number;
  /** Milliseconds to connect to the upstream. */
  connectTimeout?: number;
  /** Milliseconds to wait for the upstream's response headers. */
  headersTimeout?: number;
  /** Milliseconds the upstream's response body may stay idle. */
  bodyTimeout?: number;
}

/**
 * The limits as sent: each timeout in milliseconds or as a duration (`"10s"`, `"5m"`, `"2h"`,
 * `"1500"`), 1 ms to 24 h; a member null or absent is not overridden; `{}` or null: none.
 *
 * @example
 * const limits: ServiceLimitsInput = { maxConcurrent: 8, connectTimeout: '10s', headersTimeout: '5m' };
 */
export interface ServiceLimitsInput {
  maxConcurrent?: number | null;
  connectTimeout?: number | string | null;
  headersTimeout?: number | string | null;
  bodyTimeout?: number | string | null;
}

/**
 * A registered service as `GET /services/{name}` answers it (the Python Twitcher's shape).
 *
 * @example
 * const emu: ServiceJSON = await client.getService('emu');
 * console.log(emu.url, emu.auth); // http://127.0.0.1:5000/wps token
 */
export interface ServiceJSON {
  name: string;
  url: string;
  type: ServiceType;
  /** Public URL written into rewritten documents instead of the proxy URL ('' = the proxy URL). */
  purl: string;
  auth: AuthMode;
  /** Derived: true exactly when `auth` is `public`. */
  public: boolean;
  /** Whether Twitcher verifies the upstream's TLS certificate. */
  verify: boolean;
  /** Whether the data carried by access tokens is passed to this upstream as request headers. */
  passTokenData: boolean;
  /** `auth: cert`: subject DN patterns a client certificate must match (empty: any valid one). */
  certSubjects: string[];
  /** Overrides of the proxy's limits for this service (`{}`: none, the global settings apply). */
  limits: ServiceLimits;
}

/**
 * What `registerService` and `replaceService` send. Only `url` is required: the server generates a
 * name (such as `sleepy_flamingo`) when none is given and fills in the defaults.
 *
 * @example
 * const input: ServiceInput = { url: 'http://127.0.0.1:5000/wps', name: 'emu', auth: 'token' };
 */
export interface ServiceInput {
  url: string;
  /** Omitted or null: generated (`POST`), or the name in the path (`PUT`). */
  name?: string | null;
  /** Default `wps`. */
  type?: ServiceType;
  /** Default '' (or null): the proxy URL. */
  purl?: string | null;
  /** Default `token`. */
  auth?: AuthMode;
  /** Accepted for the original's `register --public`: `true` is `auth: public`; must agree with `auth`. */
  public?: boolean;
  /** Default true. */
  verify?: boolean;
  /** Default false. */
  passTokenData?: boolean;
  /** `auth: cert` only: subject DN patterns, e.g. `/C=XX/O=ESGF/*` or `CN=*,OU=Users,O=Twitcher`. */
  certSubjects?: string[] | null;
  /** Default none (`{}`): the proxy's global settings. */
  limits?: ServiceLimitsInput | null;
}

/** The scopes Twitcher grants: `compute` opens `auth: token` services, `register` manages the registry. */
export type Scope = 'compute' | 'register';

/**
 * A client registered by `addClientApp` (`POST /oauth/client`): the secret is in this answer only.
 *
 * @example
 * const app: ClientAppJSON = await client.addClientApp({ name: 'demo' });
 * console.log(app.client_id, app.client_secret);
 */
export interface ClientAppJSON {
  name: string;
  client_id: string;
  client_secret: string;
  redirect_uri: string;
  scope: string[];
}

/**
 * An OAuth2 client as the admin API shows it (`GET /clients/{id}`): never its secret.
 *
 * @example
 * const c: ClientJSON = await client.getClient(app.client_id);
 * console.log(c.scopes, c.created_at);
 */
export interface ClientJSON {
  client_id: string;
  name: string;
  redirect_uri: string;
  scopes: string[];
  data: Record<string, string>;
  created_at: string;
  /** The user its tokens act for on `acl` services (null: none). */
  user: string | null;
}

/**
 * An access token (RFC 6749 §5.1), from `fetchToken` or `issueToken`.
 *
 * @example
 * const { access_token } = await client.fetchToken({ clientId, clientSecret, scope: 'compute' });
 * await fetch(proxyURL, { headers: { authorization: `Bearer ${access_token}` } });
 */
export interface TokenJSON {
  access_token: string;
  token_type: string;
  expires_in?: number;
  /** Space-separated scopes. */
  scope?: string;
  /** Other members an external provider may add (refresh_token, id_token…). */
  [member: string]: unknown;
}

/**
 * What a token grants (RFC 7662 §2.2), from `introspectToken`: `{active: false}` for a token that is
 * unknown, expired or revoked.
 *
 * @example
 * const info: IntrospectionJSON = await client.introspectToken(token);
 * if (info.active) console.log(info.client_id, info.scope, new Date((info.exp ?? 0) * 1000));
 */
export interface IntrospectionJSON {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  jti?: string;
  iss?: string;
  sub?: string;
  /** random, signed, custom or keycloak */
  kind?: string;
}
