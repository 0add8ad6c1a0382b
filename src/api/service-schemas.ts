/**
 * The services API's JSON, declared once: checked by fastify's ajv, shown in the OpenAPI document.
 * The members are registry/service.ts's SERVICE_FIELDS and LIMIT_NAMES (a member more or less does
 * not compile); parseServiceInput then checks what a schema cannot say (the name once sanitised, the
 * URL's host and credentials and whether it is this Twitcher's own, DN patterns, limits' ranges).
 */
import { type Static, type TSchema, Type } from 'typebox';
import { NAME_MIN } from '../registry/names.js';
import { MAX_CONCURRENT_RANGE, TIMEOUT_RANGE } from '../registry/parse-limits.js';
import { MAX_URL } from '../registry/parse-service.js';
import { AUTH_MODES, LIMIT_NAMES, SERVICE_TYPES, type ServiceField } from '../registry/service.js';
import { OrNull, Problem } from './common-schemas.js';
import { withMessages } from './validation.js';

type LimitName = (typeof LIMIT_NAMES)[number];
const PROXY_DOCS = 'See docs/proxy.md, "Connections, limits and loops".';

const maxConcurrent = (description: string) => ({
  type: 'integer',
  minimum: MAX_CONCURRENT_RANGE.min,
  maximum: MAX_CONCURRENT_RANGE.max,
  description,
});
const MAX_CONCURRENT_DOC =
  'Most upstream requests in flight at once; beyond it the proxy answers 503 with Retry-After.';

/** `limits` as answered: milliseconds. */
const LimitsJSON = Type.Object(
  {
    maxConcurrent: Type.Optional(Type.Unsafe<number>(maxConcurrent(MAX_CONCURRENT_DOC))),
    connectTimeout: Type.Optional(
      Type.Integer({ description: 'Milliseconds to connect to the upstream (502/504 past it).' }),
    ),
    headersTimeout: Type.Optional(
      Type.Integer({ description: "Milliseconds to wait for the upstream's response headers." }),
    ),
    bodyTimeout: Type.Optional(
      Type.Integer({ description: 'Milliseconds the response body may stay idle.' }),
    ),
  } satisfies Record<LimitName, TSchema>,
  {
    additionalProperties: false,
    description: `Overrides of the proxy's settings for this service; a member absent: the global setting. ${PROXY_DOCS}`,
  },
);

/** A timeout as sent: milliseconds or a duration written as in the configuration; its range is checked after. */
const duration = (description: string) =>
  Type.Optional(
    withMessages(
      Type.Unsafe<number | string | null>({
        type: ['integer', 'string', 'null'],
        pattern: '^\\s*\\d+\\s*(ms|s|m|h)?\\s*$',
        description: `${description} ${TIMEOUT_RANGE.min} ms to 24 h.`,
      }),
      'must be a duration such as 1500 (milliseconds), 30s, 5m or 2h',
    ),
  );

/** The limits as sent: each timeout in milliseconds or as a duration. */
type LimitsInput = { maxConcurrent?: number | null } & {
  [K in Exclude<LimitName, 'maxConcurrent'>]?: number | string | null;
};

/** `limits` as sent: the timeouts also as durations (`30s`, `5m`, `2h`, `1500`), 1 ms to 24 h. */
const LimitsInput = withMessages(
  Type.Unsafe<LimitsInput | null>({
    type: ['object', 'null'],
    additionalProperties: false,
    description: `Overrides of the proxy's settings for this service; null or {} for none. ${PROXY_DOCS}`,
    properties: {
      maxConcurrent: Type.Optional(
        Type.Unsafe<number | null>({ ...maxConcurrent(MAX_CONCURRENT_DOC), type: ['integer', 'null'] }),
      ),
      connectTimeout: duration('Milliseconds, or a duration such as 10s.'),
      headersTimeout: duration('Milliseconds, or a duration such as 5m.'),
      bodyTimeout: duration('Milliseconds, or a duration such as 5m.'),
    } satisfies Record<LimitName, TSchema>,
  }),
  {
    type: `must be an object with members ${LIMIT_NAMES.join(', ')}`,
    additionalProperties: `is not a known limit (${LIMIT_NAMES.join(', ')})`,
  },
);

/** A pattern matching one of `words` in any case (JSON Schema patterns take no flags). */
function anyCase(words: readonly string[]): string {
  const letters = (w: string) =>
    [...w].map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`));
  return `^(${words.map((w) => letters(w).join('')).join('|')})$`;
}

/** One of `words`, in any case (`WMS` is `wms`). */
const caseless = <T extends string>(words: readonly T[], description: string) =>
  withMessages(Type.Unsafe<T>({ type: 'string', pattern: anyCase(words), description }), {
    pattern: `must be one of ${words.join(', ')}`,
  });

export const ServiceJSON = Type.Object({
  name: Type.String({
    description: 'Unique name: lower case letters, digits and _ (2 to 40).',
    examples: ['emu'],
  }),
  url: Type.String({ format: 'uri', examples: ['http://127.0.0.1:5000/wps'] }),
  type: Type.Enum([...SERVICE_TYPES]),
  purl: Type.String({ description: 'Public URL used in rewritten documents instead of the proxy URL.' }),
  auth: Type.Enum([...AUTH_MODES], {
    description: 'public, token or cert (coarse), or acl (per-user permissions, see /permissions).',
  }),
  public: Type.Boolean({ description: 'Derived: true exactly when auth is public.' }),
  verify: Type.Boolean({ description: "Verify the upstream's TLS certificate." }),
  passTokenData: Type.Boolean({
    description: 'Pass the data carried by access tokens to this upstream as request headers.',
  }),
  certSubjects: Type.Array(Type.String(), {
    description: 'auth "cert": subject DN patterns a client certificate must match (empty: any valid one).',
  }),
  limits: LimitsJSON,
} satisfies Record<ServiceField, TSchema>);
export type ServiceJSON = Static<typeof ServiceJSON>;

export const ServiceInput = Type.Object(
  {
    // null: absent (generated, or the name in the path), as the hand checks before the schemas took it
    name: Type.Optional(
      withMessages(
        OrNull(
          Type.String({
            minLength: NAME_MIN,
            description: 'Sanitised (lower case, other characters become _); generated when omitted or null.',
          }),
        ),
        { type: 'must be a string' },
      ),
    ),
    url: withMessages(
      Type.String({
        maxLength: MAX_URL,
        pattern: '^\\s*[Hh][Tt][Tt][Pp][Ss]?:',
        description:
          "Absolute http(s) URL of the upstream, no credentials; not this Twitcher's own proxy (a loop).",
      }),
      { pattern: 'must be an absolute URL (http or https)' },
    ),
    type: Type.Optional(caseless(SERVICE_TYPES, `${SERVICE_TYPES.join(', ')}, in any case; default wps.`)),
    purl: Type.Optional(
      Type.Unsafe<string | null>({
        type: ['string', 'null'],
        description: "An absolute http(s) URL, or ''.",
      }),
    ),
    auth: Type.Optional(
      caseless(
        AUTH_MODES,
        'Default token. acl: every request is decided by the permissions granted on the service and its resources.',
      ),
    ),
    public: Type.Optional(Type.Boolean({ description: 'Accepted for compatibility; must agree with auth.' })),
    verify: Type.Optional(Type.Boolean({ description: 'Default true.' })),
    passTokenData: Type.Optional(
      Type.Boolean({ description: 'Default false: opt in to receive token data headers.' }),
    ),
    certSubjects: Type.Optional(
      Type.Unsafe<string[] | null>({
        type: ['array', 'null'],
        items: { type: 'string' },
        description:
          'auth "cert" only: subject DN patterns, `*` a wildcard; `/C=XX/O=ESGF/CN=*` (OpenSSL form) or ' +
          '`CN=*,OU=Users,O=Twitcher` (RFC 4514); matched case-insensitively. Empty: any valid certificate.',
      }),
    ),
    limits: Type.Optional(LimitsInput),
  } satisfies Record<ServiceField, TSchema>,
  { additionalProperties: false },
);
export type ServiceInput = Static<typeof ServiceInput>;

const problem = (description: string) => Type.Object(Problem.properties, { description });

/** The problem answers of the services API, each with what it means there. */
export const serviceErrors = {
  400: problem('Malformed JSON'),
  401: problem('Missing or wrong administrator credentials'),
  404: problem('No such service'),
  409: problem('The name is taken'),
  422: problem("Invalid fields (each one named), or a url pointing at this Twitcher's own proxy"),
};
