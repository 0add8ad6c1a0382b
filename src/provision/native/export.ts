/**
 * The store written in Twitcher's provisioning format, deterministically (names sorted, every field
 * stated), so that export → apply to an empty store → export gives the same file. The configured
 * administrator is left out (the admin.* settings keep it). Without secrets, password and client
 * secret hashes are left out: applying such a file keeps the ones the store has.
 */
import { stringify } from 'yaml';
import { toServiceJSON } from '../../registry/service.js';
import type { StoreRepositories } from '../../store/types.js';
import { formatPermission, formatResourcePath } from '../permission-text.js';
import { readSnapshot } from '../snapshot.js';
import { NATIVE_FORMAT } from './read-native.js';

export interface ExportOptions {
  adminUsername: string;
  /** Include password and client secret hashes (default true). */
  secrets?: boolean | undefined;
}

const byKey = <T>(entries: [string, T][]): Record<string, T> =>
  Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The store as a provisioning document (plain values, ready for YAML or JSON). */
export async function exportStore(
  repos: StoreRepositories,
  options: ExportOptions,
): Promise<Record<string, unknown>> {
  const secrets = options.secrets ?? true;
  const snap = await readSnapshot(repos);
  const services = byKey(
    [...snap.services.values()].map((s) => {
      const { name: _name, public: _public, ...fields } = toServiceJSON(s);
      const resources = byKey(
        (snap.resources.get(s.name) ?? []).map(
          (r) => [formatResourcePath(r.path), r.record.kind] as [string, string],
        ),
      );
      return [s.name, { ...fields, ...(Object.keys(resources).length > 0 && { resources }) }];
    }),
  );
  const groups = byKey(
    [...snap.groups.values()].map((g) => [g.name, { priority: g.priority, description: g.description }]),
  );
  const users = byKey(
    [...snap.users.values()]
      .filter((u) => u.username !== options.adminUsername)
      .map((u) => [
        u.username,
        {
          ...(secrets && { passwordHash: u.passwordHash }),
          admin: u.isAdmin,
          certificateDN: u.certificateDN ?? null,
          groups: [...(snap.memberships.get(u.username) ?? [])].sort(),
        },
      ]),
  );
  const clients = byKey(
    [...snap.clients.values()].map((c) => [
      c.clientId,
      {
        name: c.name,
        ...(secrets && { secretHash: c.secretHash }),
        redirectURI: c.redirectURI,
        scopes: c.scopes,
        data: byKey(Object.entries(c.data)),
        owner: c.owner ?? null,
      },
    ]),
  );
  const resourcePath = (service: string, id: number | undefined): string | undefined => {
    if (id === undefined) return undefined;
    const r = snap.resources.get(service)?.find((x) => x.record.id === id);
    return r ? formatResourcePath(r.path) : undefined;
  };
  const permissions = snap.permissions
    .map((p): { service: string; resource?: string; user?: string; group?: string; permission: string } => {
      const resource = resourcePath(p.service, p.resourceId);
      return {
        service: p.service,
        ...(resource !== undefined && { resource }),
        ...(p.grantee.user !== undefined ? { user: p.grantee.user } : { group: p.grantee.group }),
        permission: formatPermission({ name: p.permission, access: p.access, scope: p.scope }),
      };
    })
    .sort((a, b) => {
      const ka = JSON.stringify([a.service, a.resource ?? '', a.user ?? '', a.group ?? '', a.permission]);
      const kb = JSON.stringify([b.service, b.resource ?? '', b.user ?? '', b.group ?? '', b.permission]);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  return { format: NATIVE_FORMAT, services, groups, users, clients, permissions };
}

/** YAML as `twitcher export` writes it. */
export function toYAML(doc: unknown): string {
  return stringify(doc, { lineWidth: 0, sortMapEntries: false });
}
