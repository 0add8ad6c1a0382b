/**
 * The JSON shapes of provisioning over the admin API (`POST /provision`, `GET /provision`),
 * declared here so that the client needs nothing of the server.
 */

/**
 * A provisioning document (`format: twitcher/v1`, docs/provisioning.md), as `twitcherctl apply`
 * sends it: Twitcher's format in its partial mode (a field left out keeps what the store has).
 *
 * @example
 * const doc: ProvisionDocument = { format: 'twitcher/v1', groups: { staff: { priority: 5 } } };
 */
export interface ProvisionDocument {
  format: string;
  [section: string]: unknown;
}

/**
 * One step of a plan: `+ service emu`, `~ user alice` (with `field: before → after` details).
 *
 * @example
 * for (const c of result.changes) console.log(c.action, c.kind, c.key);
 */
export interface PlannedChangeJSON {
  action: 'add' | 'change' | 'remove';
  kind: 'service' | 'resource' | 'user' | 'group' | 'membership' | 'client' | 'permission';
  key: string;
  details: string[];
}

/**
 * What the server has to say about an entry: `dropped` (applied without it), `info` (how it was carried).
 *
 * @example
 * for (const n of result.notes) console.log(`${n.origin}: ${n.message}`);
 */
export interface ProvisionNoteJSON {
  severity: 'error' | 'dropped' | 'info';
  origin: string;
  message: string;
}

/**
 * What `POST /provision` answers: the plan, applied or not (a dry run, or nothing to change).
 *
 * @example
 * const { applied, changes } = await client.provision.apply(doc, { dryRun: true });
 */
export interface ProvisionResultJSON {
  applied: boolean;
  changes: PlannedChangeJSON[];
  notes: ProvisionNoteJSON[];
}

/**
 * The store as `GET /provision` answers it: every field stated, names sorted.
 *
 * @example
 * const doc: ExportedDocumentJSON = await client.provision.export();
 * console.log(Object.keys(doc.services));
 */
export interface ExportedDocumentJSON {
  format: string;
  services: Record<string, unknown>;
  groups: Record<string, unknown>;
  users: Record<string, unknown>;
  clients: Record<string, unknown>;
  permissions: unknown[];
}
