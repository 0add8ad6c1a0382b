/** The service model, in the Python Twitcher's shape `{name, url, type, purl, auth, public, verify}`. */

export const SERVICE_TYPES = [
  'wps',
  'wms',
  'wfs',
  'wcs',
  'wmts',
  'csw',
  'thredds',
  'ogcapi',
  'http',
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/**
 * `public` needs nothing; `token` and `cert` protect everything but the public operations (the
 * coarse mode); `acl` decides every request by the users', groups' and resources' permissions
 * (src/authz/, docs/authorization.md).
 */
export const AUTH_MODES = ['token', 'cert', 'public', 'acl'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Per-service overrides of the proxy's settings (absent: the global setting applies). */
export interface ServiceLimits {
  /** Most upstream requests in flight at once; beyond it 503 with Retry-After. */
  maxConcurrent?: number;
  /** Milliseconds. */
  connectTimeout?: number;
  headersTimeout?: number;
  bodyTimeout?: number;
}

/** The members of ServiceLimits, in the order they are shown. */
export const LIMIT_NAMES = ['maxConcurrent', 'connectTimeout', 'headersTimeout', 'bodyTimeout'] as const;

export interface Service {
  name: string;
  /** Absolute http(s) URL of the upstream service, without credentials. */
  url: string;
  type: ServiceType;
  /** Public URL written into rewritten documents instead of the proxy URL ('' = the proxy URL). */
  purl: string;
  auth: AuthMode;
  /** Verify the upstream's TLS certificate. */
  verify: boolean;
  /** Pass the data carried by the client's access token to the upstream as request headers. */
  passTokenData: boolean;
  /**
   * `auth: cert` only: subject DN patterns a client certificate must match (empty: any certificate
   * that validates). See pki/dn-pattern.ts.
   */
  certSubjects: string[];
  /** Per-service overrides of the proxy limits ({} when none). */
  limits: ServiceLimits;
}

/**
 * The members of a service as sent on the admin API (`public` is accepted, derived from `auth`):
 * parseServiceInput refuses any other, and the API's schema (api/service-schemas.ts) has exactly these.
 */
export const SERVICE_FIELDS = [
  'name',
  'url',
  'type',
  'purl',
  'auth',
  'public',
  'verify',
  'passTokenData',
  'certSubjects',
  'limits',
] as const;
export type ServiceField = (typeof SERVICE_FIELDS)[number];

/** The JSON of a service on the admin API, as the Python Twitcher answers it (`public` is derived). */
export interface ServiceJSON extends Service {
  public: boolean;
}

export function toServiceJSON(service: Service): ServiceJSON {
  return {
    name: service.name,
    url: service.url,
    type: service.type,
    purl: service.purl,
    auth: service.auth,
    public: service.auth === 'public',
    verify: service.verify,
    passTokenData: service.passTokenData,
    certSubjects: service.certSubjects,
    limits: { ...service.limits },
  };
}
