/**
 * The clients and tokens admin API's JSON, declared once: checked by fastify's ajv, shown in the
 * OpenAPI document, typing the routes; oauth/clients.ts and oauth/token-data.ts check what a schema
 * cannot say (URLs, header names, sizes as a whole).
 */
import { type Static, Type } from 'typebox';
import { KNOWN_SCOPES } from '../oauth/clients.js';
import { MAX_DATA_ENTRIES, MAX_DATA_TOTAL, MAX_DATA_VALUE } from '../oauth/token-data.js';
import { Nullable } from './common-schemas.js';
import { withMessages } from './validation.js';

const ScopeEnum = Type.Enum([...KNOWN_SCOPES]);

export const Client = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  redirect_uri: Type.String(),
  scopes: Type.Array(Type.String({ enum: [...KNOWN_SCOPES] })),
  data: Type.Record(Type.String(), Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  user: Nullable(Type.String({ description: 'The user its tokens act for on acl services' })),
});
export type ClientJSON = Static<typeof Client>;

export const ClientWithSecret = Type.Object({ ...Client.properties, client_secret: Type.String() });

/** Token data as sent: token-data.ts checks the rest (header names, case twins, the total size). */
function TokenData(description: string) {
  // null: no data, as token-data.ts (and the hand checks before the schemas) read it
  return Type.Unsafe<Record<string, string> | null>({
    type: ['object', 'null'],
    maxProperties: MAX_DATA_ENTRIES,
    additionalProperties: withMessages(
      Type.String({ maxLength: MAX_DATA_VALUE, pattern: '^([!-~]([ -~]*[!-~])?)?$' }),
      {
        pattern: 'must be visible ASCII characters and spaces (not first or last): it becomes a header value',
      },
    ),
    description:
      `${description}; null: none. Keys: 1 to 64 letters, digits and - (no _), distinct whatever their case; ` +
      `values: visible ASCII and inner spaces; keys and values total at most ${MAX_DATA_TOTAL} characters.`,
  });
}

export const ClientInput = Type.Object(
  {
    name: Type.Optional(Type.String({ description: '1 to 128 characters; default: client' })),
    redirect_uri: Type.Optional(Type.String({ description: 'An absolute URL without a fragment' })),
    scopes: Type.Optional(
      Type.Unsafe<string[] | string>({
        type: ['array', 'string'],
        items: ScopeEnum,
        description: 'Default: compute. Also accepted as one space-separated string.',
      }),
    ),
    data: Type.Optional(
      TokenData(
        'Key/value data passed with its tokens to upstreams registered with passTokenData, as headers',
      ),
    ),
    user: Type.Optional(
      withMessages(
        Type.Unsafe<string | null>({
          type: ['string', 'null'],
          minLength: 1,
          description: 'The user its tokens act for on acl services (the owner); null clears it',
        }),
        'must be a user name or null',
      ),
    ),
  },
  { additionalProperties: false },
);
export type ClientInput = Static<typeof ClientInput>;

export const ClientParams = Type.Object({ id: Type.String() });
export type ClientParams = Static<typeof ClientParams>;

export const TokenRequest = Type.Object(
  {
    scope: Type.Optional(
      Type.String({ description: 'Space-separated; default: the client scopes but register' }),
    ),
    data: Type.Optional(TokenData('Merged over the client data (a key replaces the same header name)')),
  },
  { additionalProperties: false },
);
export type TokenRequest = Static<typeof TokenRequest>;

/** RFC 6749 §5.1. */
export const Token = Type.Object({
  access_token: Type.String(),
  token_type: Type.String(),
  expires_in: Type.Optional(Type.Number()),
  scope: Type.String(),
});

/** A token sent to be revoked or introspected. */
export const TokenBody = Type.Object(
  { token: withMessages(Type.String({ minLength: 1 }), 'is required') },
  { additionalProperties: false },
);
export type TokenBody = Static<typeof TokenBody>;

/** RFC 7662 §2.2: `{active: false}` for a token that is unknown, expired or revoked. */
export const Introspection = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Number()),
  iat: Type.Optional(Type.Number()),
  jti: Type.Optional(Type.String()),
  iss: Type.Optional(Type.String()),
  sub: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String({ description: 'random, signed, custom or keycloak' })),
});
