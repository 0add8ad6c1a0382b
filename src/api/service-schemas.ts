import { MAX_CONCURRENT_RANGE, TIMEOUT_RANGE } from '../registry/parse-limits.js';
import { AUTH_MODES, SERVICE_TYPES } from '../registry/service.js';

const PROXY_DOCS = 'See docs/proxy.md, "Connections, limits and loops".';

/** `limits` as answered: milliseconds. */
const limitsJSONSchema = {
  type: 'object',
  additionalProperties: false,
  description: `Overrides of the proxy's settings for this service; a member absent: the global setting. ${PROXY_DOCS}`,
  properties: {
    maxConcurrent: {
      type: 'integer',
      minimum: MAX_CONCURRENT_RANGE.min,
      maximum: MAX_CONCURRENT_RANGE.max,
      description:
        'Most upstream requests in flight at once; beyond it the proxy answers 503 with Retry-After.',
    },
    connectTimeout: {
      type: 'integer',
      description: 'Milliseconds to connect to the upstream (502/504 past it).',
    },
    headersTimeout: {
      type: 'integer',
      description: "Milliseconds to wait for the upstream's response headers.",
    },
    bodyTimeout: { type: 'integer', description: 'Milliseconds the response body may stay idle.' },
  },
} as const;

const duration = {
  oneOf: [
    { type: 'integer', minimum: TIMEOUT_RANGE.min, maximum: TIMEOUT_RANGE.max },
    { type: 'string', pattern: '^\\s*\\d+\\s*(ms|s|m|h)?\\s*$' },
    { type: 'null' },
  ],
} as const;

/** `limits` as sent: the timeouts also as durations (`30s`, `5m`, `2h`, `1500`), 1 ms to 24 h. */
const limitsInputSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  description: `Overrides of the proxy's settings for this service; null or {} for none. ${PROXY_DOCS}`,
  properties: {
    maxConcurrent: { ...limitsJSONSchema.properties.maxConcurrent, type: ['integer', 'null'] },
    connectTimeout: { ...duration, description: 'Milliseconds, or a duration such as 10s.' },
    headersTimeout: { ...duration, description: 'Milliseconds, or a duration such as 5m.' },
    bodyTimeout: { ...duration, description: 'Milliseconds, or a duration such as 5m.' },
  },
} as const;

/** JSON schemas of the services API: they drive the OpenAPI document; bodies are checked by parseServiceInput. */
export const serviceJSONSchema = {
  type: 'object',
  required: [
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
  ],
  properties: {
    name: {
      type: 'string',
      description: 'Unique name: lower case letters, digits and _ (2 to 40).',
      example: 'emu',
    },
    url: { type: 'string', format: 'uri', example: 'http://127.0.0.1:5000/wps' },
    type: { type: 'string', enum: [...SERVICE_TYPES] },
    purl: { type: 'string', description: 'Public URL used in rewritten documents instead of the proxy URL.' },
    auth: {
      type: 'string',
      enum: [...AUTH_MODES],
      description: 'public, token or cert (coarse), or acl (per-user permissions, see /permissions).',
    },
    public: { type: 'boolean', description: 'Derived: true exactly when auth is public.' },
    verify: { type: 'boolean', description: "Verify the upstream's TLS certificate." },
    passTokenData: {
      type: 'boolean',
      description: 'Pass the data carried by access tokens to this upstream as request headers.',
    },
    certSubjects: {
      type: 'array',
      items: { type: 'string' },
      description: 'auth "cert": subject DN patterns a client certificate must match (empty: any valid one).',
    },
    limits: limitsJSONSchema,
  },
} as const;

export const serviceInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      description: 'Sanitised (lower case, other characters become _); generated when omitted.',
    },
    url: {
      type: 'string',
      format: 'uri',
      description:
        "Absolute http(s) URL of the upstream, no credentials; not this Twitcher's own proxy (a loop).",
    },
    type: { type: 'string', enum: [...SERVICE_TYPES], default: 'wps', description: 'Case-insensitive.' },
    purl: { type: 'string', default: '' },
    auth: {
      type: 'string',
      enum: [...AUTH_MODES],
      default: 'token',
      description:
        'acl: every request is decided by the permissions granted on the service and its resources.',
    },
    public: { type: 'boolean', description: 'Accepted for compatibility; must agree with auth.' },
    verify: { type: 'boolean', default: true },
    passTokenData: { type: 'boolean', default: false, description: 'Opt in to receive token data headers.' },
    certSubjects: {
      type: 'array',
      items: { type: 'string' },
      description:
        'auth "cert" only: subject DN patterns, `*` a wildcard; `/C=XX/O=ESGF/CN=*` (OpenSSL form) or ' +
        '`CN=*,OU=Users,O=Twitcher` (RFC 4514); matched case-insensitively. Empty: any valid certificate.',
    },
    limits: limitsInputSchema,
  },
} as const;

export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'Stable error code' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;
