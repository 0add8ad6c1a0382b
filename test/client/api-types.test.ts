/**
 * The client declares the API's JSON itself (it imports nothing of the server); the server's schemas
 * (TypeBox, src/api/) are the truth. The checks below fail to COMPILE when the two drift, and the
 * OpenAPI document, made from the same schemas, is checked to describe every route.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Static } from 'typebox';
import type { AuditPageJSON as ServerAuditPage } from '../../src/api/audit-routes.js';
import type {
  Grant,
  Group,
  GroupWithMembers,
  EffectiveJSON as ServerEffective,
  PermissionJSON as ServerPermission,
  ResourceJSON as ServerResource,
} from '../../src/api/authz-schemas.js';
import type {
  ClientWithSecret,
  Introspection,
  ClientJSON as ServerClient,
  Token,
} from '../../src/api/clients-schemas.js';
import type {
  ExportedDocumentJSON as ServerExported,
  ProvisionResultJSON as ServerProvisionResult,
} from '../../src/api/provision-schemas.js';
import type {
  ServiceJSON as ServerService,
  ServiceInput as ServerServiceInput,
} from '../../src/api/service-schemas.js';
import type { UserJSON as ServerUser } from '../../src/api/users-routes.js';
import type {
  AuditPageJSON,
  ClientJSON,
  EffectiveJSON,
  ExportedDocumentJSON,
  GrantInput,
  GroupJSON,
  IntrospectionJSON,
  PermissionJSON,
  ProvisionResultJSON,
  ResourceJSON,
  ServiceInput,
  ServiceJSON,
  TokenJSON,
  UserJSON,
} from '../../src/client/index.js';
import { startTestApp } from '../helpers/app.js';

/** The same type member for member, nested objects included (intersections flattened first). */
type Deep<T> = T extends readonly (infer E)[]
  ? Deep<E>[]
  : T extends object
    ? { [K in keyof T]: Deep<T[K]> }
    : T;
type Equal<A, B> =
  (<T>() => T extends Deep<A> ? 1 : 2) extends <T>() => T extends Deep<B> ? 1 : 2 ? true : false;
/** `A` can be used where `B` is expected. */
type Fits<A, B> = [A] extends [B] ? true : false;

// Answers: the client's types are exactly what the server's schemas answer.
export const answers: [
  Equal<ServiceJSON, ServerService>,
  Equal<ClientJSON, ServerClient>,
  Equal<ClientJSON & { client_secret: string }, Static<typeof ClientWithSecret>>,
  Equal<IntrospectionJSON, Static<typeof Introspection>>,
  Equal<UserJSON, ServerUser>,
  Equal<GroupJSON, Static<typeof Group> & { members?: string[] }>,
  Fits<Static<typeof GroupWithMembers>, GroupJSON>,
  Equal<ResourceJSON, ServerResource>,
  Equal<PermissionJSON, ServerPermission>,
  Equal<EffectiveJSON, ServerEffective>,
  Equal<AuditPageJSON, ServerAuditPage>,
  Equal<ProvisionResultJSON, ServerProvisionResult>,
  Equal<ExportedDocumentJSON, ServerExported>,
  // TokenJSON also types an external provider's answers (refresh_token…): the server's fits in it
  Fits<Static<typeof Token>, TokenJSON>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true];

// Requests: what the client sends is what the server's schemas accept, member for member.
export const requests: [Equal<ServiceInput, ServerServiceInput>, Equal<GrantInput, Grant>] = [true, true];

test('the type checks above hold (they are checked when this file compiles)', () => {
  assert.ok([...answers, ...requests].every((x) => x === true));
});

interface OpenAPIOperation {
  parameters?: { in: string; name: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** Routes that take no body though their method may carry one. */
const NO_BODY = ['PUT /groups/{name}/members/{user}'];

const ADMIN_TAGS = [
  'services',
  'clients',
  'tokens',
  'users',
  'groups',
  'resources',
  'permissions',
  'audit',
  'provisioning',
];

test('every admin route in the OpenAPI document declares its parameters, body and answers', async (t) => {
  const app = await startTestApp(t);
  const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, OpenAPIOperation & { tags?: string[] }>>;
  };
  const problems: string[] = [];
  let routes = 0;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!op.tags?.some((tag) => ADMIN_TAGS.includes(tag))) continue;
      routes++;
      const where = `${method.toUpperCase()} ${path}`;
      for (const name of path.matchAll(/\{([^}]+)\}/g)) {
        const declared = op.parameters?.some((p) => p.in === 'path' && p.name === name[1] && p.schema);
        if (!declared) problems.push(`${where}: path parameter ${name[1]} has no schema`);
      }
      if (['post', 'put', 'patch'].includes(method) && !NO_BODY.includes(where)) {
        if (!op.requestBody?.content?.['application/json']?.schema)
          problems.push(`${where}: no request body schema`);
      }
      const answers = Object.entries(op.responses ?? {});
      const success = answers.filter(([status]) => status.startsWith('2'));
      if (success.length === 0) problems.push(`${where}: no success answer declared`);
      for (const [status, answer] of success) {
        // an answer without a schema is rendered as fastify-swagger's "Default Response"
        const schema = answer.content?.['application/json']?.schema;
        if (!schema && answer.description === 'Default Response')
          problems.push(`${where}: answer ${status} has no schema`);
      }
      if (!answers.some(([status]) => status.startsWith('4')))
        problems.push(`${where}: no error answer declared`);
    }
  }
  assert.ok(routes >= 41, `the 41 admin routes are in the document (${routes})`);
  assert.deepEqual(problems, []);
});
