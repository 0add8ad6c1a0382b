import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { applyState } from '../provision/apply.js';
import type { Note } from '../provision/model.js';
import { exportStore } from '../provision/native/export.js';
import { readNative, valueSource } from '../provision/native/read-native.js';
import type { Store } from '../store/types.js';
import { Problem, security } from './common-schemas.js';
import {
  ExportedDocument,
  type ExportedDocumentJSON,
  ExportQuery,
  ProvisionRequest,
  ProvisionResult,
} from './provision-schemas.js';
import { adminPlugin } from './validation.js';

interface Options {
  store: Store;
  /** admin.username: the configured administrator, never touched nor exported. */
  adminUsername: string;
  requireAdmin: (request: FastifyRequest) => Promise<void>;
}

const tags = ['provisioning'];

/** A state several megabytes long is a large site, not an attack: the admin API's limit is 1 MiB. */
const BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Provisioning over the admin API (administrator only): what `twitcherctl apply` and `export` use.
 * The files are read where twitcherctl runs (variables, password files, Magpie's formats); the
 * state they give comes here as a document, is checked against the store and applied in one
 * transaction, as `twitcher apply` does on the server.
 */
export async function provisionRoutes(
  fastify: FastifyInstance,
  { store, adminUsername, requireAdmin }: Options,
): Promise<void> {
  adminPlugin(fastify, requireAdmin);
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/provision',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Make the store match a provisioning document',
        description:
          'Idempotent, in one transaction: the answer lists what changed (or with dryRun would). ' +
          'Every problem of the document and against the store is listed at once in a 422 ' +
          '(provisioning_failed, `errors`: origin and message) and nothing is applied.',
        body: ProvisionRequest,
        response: { 200: ProvisionResult, 401: Problem, 403: Problem, 413: Problem, 422: Problem },
      },
    },
    async (request) => {
      const { document, dryRun = false, prune = false } = request.body;
      const notes: Note[] = [];
      // expanded and checked for clear passwords where the files are (twitcherctl): nothing read here
      const state = readNative(valueSource('request', document), notes, {
        env: {},
        expand: false,
        partial: true,
      });
      return applyState(store, { state, notes }, { dryRun, prune, adminUsername });
    },
  );

  app.get(
    '/provision',
    {
      schema: {
        tags,
        security,
        summary: 'The store as a provisioning document (as twitcher export writes it)',
        description:
          'The configured administrator is left out. With secrets=false, password and client secret ' +
          'hashes are left out too: applying the document then keeps the ones the store has.',
        querystring: ExportQuery,
        response: { 200: ExportedDocument, 401: Problem, 403: Problem, 422: Problem },
      },
    },
    async (request) =>
      exportStore(store, {
        adminUsername,
        secrets: request.query.secrets !== 'false',
      }) as Promise<ExportedDocumentJSON>,
  );
}
