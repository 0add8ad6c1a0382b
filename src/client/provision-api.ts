import type { AdminCall } from './authorization-api.js';
import { badResponse } from './parse-answer.js';
import type { ExportedDocumentJSON, ProvisionDocument, ProvisionResultJSON } from './provision-types.js';
import type { HttpAnswer } from './transport.js';

function object<T>(answer: HttpAnswer & { url: string }, member: string): T {
  const body = answer.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !(member in body)) {
    throw badResponse(answer.url, answer.status, `without the expected JSON object (no "${member}")`);
  }
  return body as T;
}

/**
 * Declarative provisioning on the admin API (administrator): make the store match a document, or
 * read the store as one. Reached as `client.provision`. A document with problems is refused as a
 * whole: `TwitcherClientError` with code `provisioning_failed` (422), every problem in `fields`
 * (`field`: where, e.g. `request:users.alice`), and nothing applied.
 *
 * @example
 * const client = new TwitcherClient({ url: 'https://twitcher.example.org', password: 'secret' });
 * const plan = await client.provision.apply(doc, { dryRun: true });
 * if (plan.changes.length > 0) await client.provision.apply(doc);
 */
export class ProvisionAPI {
  readonly #call: AdminCall;

  constructor(call: AdminCall) {
    this.#call = call;
  }

  /**
   * Makes the store match `document` (`POST /provision`; an exported one too), in one transaction; `dryRun` plans only,
   * `prune` also removes what the document does not name. Clear passwords and secrets are hashed
   * by the server; password files and `${VAR}` are not read there (read them before sending).
   *
   * @example
   * const result = await client.provision.apply(
   *   { format: 'twitcher/v1', users: { alice: { password: 'correct horse', groups: ['staff'] } } },
   *   { dryRun: true },
   * );
   * for (const c of result.changes) console.log(c.action, c.kind, c.key);
   */
  async apply(
    document: ProvisionDocument | ExportedDocumentJSON,
    options: { dryRun?: boolean; prune?: boolean } = {},
  ): Promise<ProvisionResultJSON> {
    const body = {
      document,
      ...(options.dryRun !== undefined && { dryRun: options.dryRun }),
      ...(options.prune !== undefined && { prune: options.prune }),
    };
    return object(await this.#call({ method: 'POST', path: '/provision', body }), 'changes');
  }

  /**
   * The store as a provisioning document (`GET /provision`), the configured administrator left out;
   * `secrets: false` leaves password and client secret hashes out (applying it keeps the store's).
   *
   * @example
   * import { writeFileSync } from 'node:fs';
   * writeFileSync('site.json', JSON.stringify(await client.provision.export(), null, 2), { mode: 0o600 });
   */
  async export(options: { secrets?: boolean } = {}): Promise<ExportedDocumentJSON> {
    const path = options.secrets === false ? '/provision?secrets=false' : '/provision';
    return object(await this.#call({ method: 'GET', path }), 'format');
  }
}
