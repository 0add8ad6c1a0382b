/**
 * Magpie's declarative configuration files read into a desired state: `providers` files,
 * `permissions` files, and the combined `config.yml` (sections `providers`, `permissions`, `users`,
 * `groups`; `webhooks` is not carried). docs/migrating.md says what carries over and what does not.
 *
 * Birdhouse runs envsubst on the text before Magpie reads it, so `$NAME` and `${NAME}` are expanded
 * in the text before it is parsed: a variable in a flow list (`[iso, ${EXTRA}]`) vanishes when empty.
 * A variable that is not set is an error, never an empty string. Lines of the notes are those of
 * the file; a column after a variable on the same line is the expanded text's.
 *
 * As Magpie does, every provider is read before any permission, so a permission in one file can
 * name a service of another: `readMagpieFiles` reads files together.
 */
import { type DesiredServiceResource, type DesiredState, emptyState, type Note } from '../model.js';
import {
  expandVariables,
  isVariableReference,
  type ParsedSource,
  parseSource,
  type SourceFile,
} from '../source.js';
import { atKeys } from './key-origin.js';
import { type Accounts, emptyAccounts, readGroups, readUsers } from './read-accounts.js';
import { readPermissions } from './read-permissions.js';
import { type Provider, readProviders } from './read-providers.js';

const SECTIONS = new Set(['providers', 'permissions', 'users', 'groups', 'webhooks']);

/** Reads one Magpie file; its permissions know the services it provides only. */
export function readMagpieFile(
  file: SourceFile,
  env: Record<string, string | undefined>,
  notes: Note[],
): DesiredState {
  return readMagpieFiles([file], env, notes);
}

/** Reads Magpie files together: every provider first, then permissions, users and groups. */
export function readMagpieFiles(
  files: readonly SourceFile[],
  env: Record<string, string | undefined>,
  notes: Note[],
): DesiredState {
  const sources = files.map((file) => readSections(file, env, notes));
  const providers = new Map<string, Provider>();
  for (const { source, sections } of sources) readProviders(source, sections['providers'], providers, notes);
  const accounts: Accounts = emptyAccounts();
  const state = emptyState();
  const resources: DesiredServiceResource[] = [];
  for (const { source, sections, fromVariable } of sources) {
    readGroups(source, sections['groups'], accounts, notes);
    readUsers(source, sections['users'], accounts, notes, fromVariable);
    readPermissions(source, sections['permissions'], {
      providers,
      accounts,
      permissions: state.permissions,
      resources,
      notes,
    });
  }
  for (const provider of providers.values()) if (provider.service) state.services.push(provider.service);
  state.users.push(...accounts.users.values());
  state.groups.push(...accounts.groups.values());
  if (resources.length > 0) state.resources = resources;
  return state;
}

export type ValueSource = 'variable' | 'altered' | 'file';

interface ReadSections {
  source: ParsedSource;
  sections: Record<string, unknown>;
  /**
   * Where `value`, read at `origin` (a key's position), came from: one `${VAR}` reference whose
   * value it is (`variable`), one whose value YAML read otherwise or joined with text of the file
   * (`altered`), or the file (`file`).
   */
  fromVariable: (origin: string, value: string) => ValueSource;
}

function readSections(
  file: SourceFile,
  env: Record<string, string | undefined>,
  notes: Note[],
): ReadSections {
  const missing = new Set<string>();
  const text = expandVariables(file.text, env, (name) => {
    if (missing.has(name)) return;
    missing.add(name);
    notes.push({
      severity: 'error',
      origin: `${file.name}:${positionOf(file.text, name)}`,
      message: `variable ${name} is not set (set it, empty if that is meant)`,
    });
  });
  const lines = file.text.split('\n');
  const fromVariable = (origin: string, value: string): ValueSource => {
    // expansion keeps the lines (values with a newline aside): the key's line of the original text
    const line = lines[Number(/:(\d+):\d+$/.exec(origin)?.[1] ?? 0) - 1] ?? '';
    const written = /^\s*(?:-\s+)?[\w"']+["']?\s*:\s*(.*?)\s*(?:#.*)?$/.exec(line)?.[1] ?? '';
    const reference = written.replace(/^(["'])(.*)\1$/, '$2');
    if (!isVariableReference(reference)) return 'file';
    // the value read must be the variable's, whole: a plain scalar continued on the next lines
    // (`password: ${EMPTY}` then `  hunter2`) would pass text of the file as a variable, and a
    // value with ` #` in it is cut there by YAML
    return env[reference.trim().replace(/^\$\{?|\}$/g, '')] === value ? 'variable' : 'altered';
  };
  // an unset ${NAME} stays as $NAME, which parses in a flow list too, so the rest is still read
  const parsable = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '$$$1');
  // notes about a key name the key's line, not the first line of a block under it
  const parsed = atKeys(parseSource({ name: file.name, text: parsable }, notes), parsable);
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    notes.push({
      severity: 'error',
      origin: file.name,
      message: 'a Magpie file is a mapping of sections (providers, permissions, users, groups)',
    });
    return { source: parsed, sections: {}, fromVariable };
  }
  const sections = value as Record<string, unknown>;
  for (const key of Object.keys(sections)) {
    if (key === 'webhooks') {
      notes.push({
        severity: 'dropped',
        origin: parsed.at([key]),
        message: "webhooks: Magpie's user and permission webhooks have no Twitcher counterpart",
      });
    } else if (!SECTIONS.has(key)) {
      notes.push({
        severity: 'dropped',
        origin: parsed.at([key]),
        message: `section "${key}" is not one Magpie reads (providers, permissions, users, groups, webhooks)`,
      });
    }
  }
  return { source: parsed, sections, fromVariable };
}

/** `line:column` of the first reference to the variable `name` in `text`. */
function positionOf(text: string, name: string): string {
  const match = new RegExp(`\\$(?:\\{${name}\\}|${name}(?![A-Za-z0-9_]))`).exec(text);
  const offset = match?.index ?? 0;
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}
