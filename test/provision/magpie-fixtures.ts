/** Birdhouse's Magpie files (test data in test/fixtures/birdhouse-magpie, Apache-2.0) and the environment they expand with. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesiredState, Note } from '../../src/provision/model.js';
import type { SourceFile } from '../../src/provision/source.js';

export const BIRDHOUSE_DIR =
  process.env['TWITCHER_BIRDHOUSE_MAGPIE_DIR'] ??
  fileURLToPath(new URL('../fixtures/birdhouse-magpie/', import.meta.url));

/** Why the Birdhouse files cannot be read here, or undefined. */
export const birdhouseMissing = existsSync(BIRDHOUSE_DIR)
  ? undefined
  : `Birdhouse's Magpie files are not at ${BIRDHOUSE_DIR} (set TWITCHER_BIRDHOUSE_MAGPIE_DIR)`;

/** What birdhouse-deploy's default.env files set for these components (empty extra prefixes). */
export const BIRDHOUSE_ENV: Readonly<Record<string, string>> = {
  EMU_NAME: 'emu',
  EMU_INTERNAL_PORT: '5000',
  GENERIC_BIRD_NAME: 'generic_bird',
  GENERIC_BIRD_INTERNAL_PORT: '5000',
  THREDDS_MAGPIE_EXTRA_METADATA_PREFIXES: '',
  THREDDS_MAGPIE_EXTRA_DATA_PREFIXES: '',
  THREDDS_SERVICE_DATA_URL_PATH: 'birdhouse',
  WEAVER_MANAGER_NAME: 'weaver',
  WEAVER_CONFIG: 'hybrid',
  WEAVER_WPS_NAME: 'weaver-wps',
};

export function birdhouseFiles(): string[] {
  return readdirSync(BIRDHOUSE_DIR)
    .filter((f) => f.endsWith('.template'))
    .sort();
}

export function birdhouseFile(name: string): SourceFile {
  return { name, text: readFileSync(join(BIRDHOUSE_DIR, name), 'utf8') };
}

/** A state in short lines, to compare with a table. */
export function summarize(state: DesiredState): {
  services: string[];
  resources: string[];
  permissions: string[];
  users: string[];
  groups: string[];
} {
  return {
    services: state.services.map(
      (s) => `${s.service.name} ${s.service.type} ${s.service.auth} ${s.service.url}`,
    ),
    resources: [
      ...state.services.flatMap((s) =>
        s.resources.map((r) => `${s.service.name} /${r.path.join('/')} ${r.kind}`),
      ),
      ...(state.resources ?? []).map((r) => `${r.service} /${r.path.join('/')} ${r.kind}`),
    ],
    permissions: state.permissions.map(
      (p) =>
        `${p.service} /${p.resource.join('/')} ${p.grantee.user ?? `group:${p.grantee.group}`} ${p.permission}-${p.access}-${p.scope}${p.action === 'remove' ? ' remove' : ''}`,
    ),
    users: state.users.map((u) => u.username),
    groups: state.groups.map((g) => g.name),
  };
}

export const errorsOf = (notes: Note[]) =>
  notes.filter((n) => n.severity === 'error').map((n) => `${n.origin} ${n.message}`);
