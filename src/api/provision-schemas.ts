/**
 * Provisioning over the admin API (`POST /provision`, `GET /provision`): a desired state sent as a
 * native document in the partial mode (src/provision/native/write-state.ts), and what applying it
 * gives back: the notes of the readers and the plan, as `twitcher apply` prints them.
 */
import { type Static, Type } from 'typebox';

/** A provisioning document (`format: twitcher/v1`): checked by the native reader, not by the schema. */
export const ProvisionDocument = Type.Object(
  { format: Type.String({ description: 'twitcher/v1' }) },
  {
    additionalProperties: true,
    description:
      "Twitcher's provisioning format (docs/provisioning.md) in its partial mode: a field left out keeps " +
      'what the store has; `resources: {SERVICE: {/path: kind}}` names resources of any service; ' +
      '`password`/`secret` in clear are hashed here, password files and variables are not read (twitcherctl does that).',
  },
);

export const ProvisionRequest = Type.Object(
  {
    document: ProvisionDocument,
    dryRun: Type.Optional(Type.Boolean({ description: 'plan only, write nothing (default false)' })),
    prune: Type.Optional(
      Type.Boolean({ description: 'also remove what the document does not name (default false)' }),
    ),
  },
  { additionalProperties: false },
);
export type ProvisionRequest = Static<typeof ProvisionRequest>;

export const PlannedChange = Type.Object({
  action: Type.Enum(['add', 'change', 'remove']),
  kind: Type.Enum(['service', 'resource', 'user', 'group', 'membership', 'client', 'permission']),
  key: Type.String({ description: 'emu, emu /outputs/2026, alice in researchers, group:anonymous …' }),
  details: Type.Array(Type.String(), { description: 'for a change: field: before → after' }),
});

export const Note = Type.Object({
  severity: Type.Enum(['error', 'dropped', 'info']),
  origin: Type.String({ description: 'where: request:services.emu (the document path)' }),
  message: Type.String(),
});

export const ProvisionResult = Type.Object({
  applied: Type.Boolean({ description: 'false on a dry run or when nothing had to change' }),
  changes: Type.Array(PlannedChange),
  notes: Type.Array(Note),
});
export type ProvisionResultJSON = Static<typeof ProvisionResult>;

/** A query string is text: `secrets=false` leaves the hashes out. */
export const ExportQuery = Type.Object(
  {
    secrets: Type.Optional(
      Type.Enum(['true', 'false'], {
        description: 'false: without password and client secret hashes (default true)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuery>;

/** The store as a provisioning document, every field stated (as `twitcher export` writes it). */
export const ExportedDocument = Type.Object(
  {
    format: Type.String(),
    services: Type.Record(Type.String(), Type.Unknown()),
    groups: Type.Record(Type.String(), Type.Unknown()),
    users: Type.Record(Type.String(), Type.Unknown()),
    clients: Type.Record(Type.String(), Type.Unknown()),
    permissions: Type.Array(Type.Unknown()),
  },
  { description: "Twitcher's provisioning format (docs/provisioning.md)" },
);
export type ExportedDocumentJSON = Static<typeof ExportedDocument>;
