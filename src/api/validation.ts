/**
 * The admin API's requests are checked by fastify's ajv against each route's schema (the same
 * schemas feed the OpenAPI document). This module turns ajv's errors into Twitcher's 422: every bad
 * field at once, one entry per field, with messages a person can act on.
 */
import type {
  FastifyInstance,
  FastifyRequest,
  FastifySchema,
  FastifySchemaValidationError,
  RouteOptions,
} from 'fastify';
import type { SchemaErrorDataVar } from 'fastify/types/schema.js';
import { fieldsError, type TwitcherError } from '../errors.js';

/**
 * The ajv options the admin API's schemas are written for: nothing coerced ("1" is not 1), nothing
 * silently dropped, every error at once; `allowUnionTypes` because "a string or null" is a type list.
 * The app that hosts the routes passes them to fastify (`ajv.customOptions`).
 */
export const AJV_OPTIONS = {
  coerceTypes: false,
  removeAdditional: false,
  allErrors: true,
  useDefaults: true,
  allowUnionTypes: true,
} as const;

/**
 * A schema's own message for a failure, by ajv keyword (`'*'`: any keyword): a symbol key, which
 * neither ajv (strict about unknown keywords) nor the OpenAPI document sees.
 */
const MESSAGES = Symbol('twitcher.messages');

type Messages = Partial<Record<string, string>>;
type Node = { [key: string]: unknown; [MESSAGES]?: Messages };

/**
 * The schema, with the messages its failures are reported with (e.g. a timeout that is neither
 * milliseconds nor a duration). They apply to the keywords of that schema itself, not to those of
 * the schemas inside it.
 *
 * @example withMessages(Type.String({ pattern }), { pattern: 'must be an absolute URL (http or https)' })
 */
export function withMessages<T extends object>(schema: T, messages: string | Messages): T {
  return Object.assign(schema, { [MESSAGES]: typeof messages === 'string' ? { '*': messages } : messages });
}

/**
 * Sets up an admin API plugin: `check` (the credentials) before the request is validated, so that
 * whoever is not allowed learns nothing of the schemas; and ajv's errors as Twitcher's 422.
 */
export function adminPlugin(app: FastifyInstance, check: (request: FastifyRequest) => Promise<void>): void {
  app.addHook('preValidation', check);
  app.addHook('onRoute', (route: RouteOptions) => {
    route.schemaErrorFormatter ??= (errors, dataVar) => schemaError(errors, dataVar, route.schema);
  });
}

/** ajv's errors of one part of the request (`dataVar`) as a 422 naming each bad field once. */
function schemaError(
  errors: readonly FastifySchemaValidationError[],
  dataVar: SchemaErrorDataVar,
  schema: FastifySchema | undefined,
): TwitcherError {
  const root = schema?.[dataVar];
  const byField = new Map<string, { message: string; own: boolean }>();
  for (const error of errors) {
    const { field, message, own } = fieldError(error, dataVar, isNode(root) ? root : undefined);
    const seen = byField.get(field);
    if (!seen || (own && !seen.own)) byField.set(field, { message, own });
  }
  const fields = [...byField].map(([field, { message }]) => ({ field, message }));
  if (fields.length === 0) fields.push({ field: dataVar, message: 'is invalid' });
  return fieldsError(fields);
}

function fieldError(
  error: FastifySchemaValidationError,
  dataVar: SchemaErrorDataVar,
  root: Node | undefined,
): { field: string; message: string; own: boolean } {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const { params, keyword } = error;
  const named = keyword === 'additionalProperties' ? params['additionalProperty'] : params['missingProperty'];
  if (typeof named === 'string') path.push(named);
  const field = path.reduce(
    (at, s) => (/^[0-9]+$/.test(s) && at !== '' ? `${at}[${s}]` : at === '' ? s : `${at}.${s}`),
    '',
  );
  const { node, messages } = schemaAt(root, error.schemaPath);
  const own = messages?.[keyword] ?? messages?.['*'];
  if (own !== undefined) return { field: field || dataVar, message: own, own: true };
  return { field: field || dataVar, message: describe(error, node, dataVar), own: false };
}

/** The schema holding the failed keyword, and its own messages. */
function schemaAt(root: Node | undefined, schemaPath: string): { node?: Node; messages?: Messages } {
  let node = root;
  const steps = schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1);
  for (const step of steps) {
    const next: unknown = node?.[step.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!isNode(next)) break;
    node = next;
  }
  return { node, messages: node?.[MESSAGES] };
}

const A: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** ajv's message, in the words of the rest of the API. */
function describe(error: FastifySchemaValidationError, node: Node | undefined, dataVar: SchemaErrorDataVar) {
  const p = error.params;
  const min = node?.['minimum'];
  const max = node?.['maximum'];
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return dataVar === 'querystring' ? 'is not a known parameter' : 'is not a known field';
    case 'type':
      return `must be ${String(p['type'])
        .split(',')
        .map((t) => A[t] ?? t)
        .join(', ')
        .replace(/, ([^,]*)$/, ' or $1')}`;
    case 'enum':
      return `must be one of ${(Array.isArray(p['allowedValues']) ? p['allowedValues'] : []).join(', ')}`;
    case 'minimum':
    case 'maximum':
      return typeof min === 'number' && typeof max === 'number'
        ? `must be ${[node?.['type']].flat().includes('integer') ? 'an integer' : 'a number'} from ${min} to ${max}`
        : `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p['limit'])}`;
    case 'minLength':
      return `must have at least ${String(p['limit'])} character${p['limit'] === 1 ? '' : 's'}`;
    case 'maxLength':
      return `must have at most ${String(p['limit'])} characters`;
    case 'maxItems':
      return `must have at most ${String(p['limit'])} items`;
    case 'maxProperties':
      return `must have at most ${String(p['limit'])} members`;
    default:
      return error.message ?? 'is invalid';
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null;
}
