/**
 * Magpie's `providers:` section: every provider becomes a Twitcher service decided by permissions
 * (`auth: acl`), with the type mapped (service-types.ts). What a provider says that Twitcher cannot
 * carry is a `dropped` note per entry, at the entry's key.
 */
import { TwitcherError } from '../../errors.js';
import { sanitizeName } from '../../registry/names.js';
import { parseServiceInput } from '../../registry/parse-service.js';
import type { DesiredService, Note } from '../model.js';
import type { ParsedSource } from '../source.js';
import {
  GEOSERVER_PARTS,
  MAGPIE_TYPE_NAMES,
  type MagpieServiceType,
  magpieServiceType,
} from './service-types.js';
import { compareThreddsConfiguration } from './thredds-configuration.js';

/** A provider as the permissions see it. */
export interface Provider {
  /** As Magpie names it (the key), and as Twitcher does (sanitised). */
  magpieName: string;
  name: string;
  /** Undefined: the provider is not carried (an unknown type, a GeoServer of several parts). */
  mapping: MagpieServiceType | undefined;
  /** Undefined when not carried or not valid (its notes say why). */
  service: DesiredService | undefined;
  origin: string;
}

const CARRIED = new Set(['url', 'type', 'configuration']);
const PHOENIX = 'a flag of the Phoenix portal, no effect on access';
const DROPPED_KEYS: Readonly<Record<string, string>> = {
  title: 'Twitcher services have no display title',
  public: `${PHOENIX} (Twitcher's public access is an allow to the anonymous group)`,
  c4i: PHOENIX,
};

/** Reads `providers` of `source` (a mapping name → provider) into `out`, keyed by Twitcher name. */
export function readProviders(
  source: ParsedSource,
  section: unknown,
  out: Map<string, Provider>,
  notes: Note[],
): void {
  if (section === undefined || section === null) return;
  if (typeof section !== 'object' || Array.isArray(section)) {
    notes.push({
      severity: 'error',
      origin: source.at(['providers']),
      message: 'providers must be a mapping of service names',
    });
    return;
  }
  for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
    const provider = readProvider(source, key, value, notes);
    const earlier = out.get(provider.name);
    if (earlier) {
      notes.push({
        severity: 'error',
        origin: provider.origin,
        message: `service "${provider.name}" is already provided at ${earlier.origin}`,
      });
      continue;
    }
    out.set(provider.name, provider);
  }
}

function readProvider(source: ParsedSource, key: string, value: unknown, notes: Note[]): Provider {
  const base = ['providers', key];
  const at = (...path: (string | number)[]) => source.at([...base, ...path]);
  const origin = at();
  const name = sanitizeName(key);
  const provider: Provider = { magpieName: key, name, mapping: undefined, service: undefined, origin };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    notes.push({ severity: 'error', origin, message: `provider "${key}" must be a mapping (url, type…)` });
    return provider;
  }
  const entry = value as Record<string, unknown>;
  const magpieType = typeof entry['type'] === 'string' ? entry['type'].toLowerCase() : undefined;
  if (magpieType === undefined) {
    notes.push({
      severity: 'error',
      origin,
      message: `provider "${key}" needs a type (${MAGPIE_TYPE_NAMES.join(', ')})`,
    });
    return provider;
  }
  provider.mapping = mapType(key, magpieType, entry['configuration'], at, notes);
  for (const [field, fieldValue] of Object.entries(entry)) {
    if (CARRIED.has(field)) continue;
    if (field === 'hooks') dropHooks(fieldValue, at, notes);
    else if (field === 'sync_type') {
      // equal to type it says nothing more (and is what Magpie writes by default): no note
      if (String(fieldValue).toLowerCase() !== magpieType) {
        notes.push({
          severity: 'dropped',
          origin: at(field),
          message: `sync_type "${String(fieldValue)}" differs from type "${magpieType}": Twitcher has no remote resource sync`,
        });
      }
    } else {
      notes.push({
        severity: 'dropped',
        origin: at(field),
        message: `${field}: ${DROPPED_KEYS[field] ?? 'not a provider field Twitcher knows'}`,
      });
    }
  }
  if (entry['configuration'] !== undefined && entry['configuration'] !== null) {
    if (magpieType === 'thredds')
      compareThreddsConfiguration(entry['configuration'], source.at, [...base, 'configuration'], notes);
    else if (magpieType !== 'geoserver') {
      notes.push({
        severity: 'dropped',
        origin: at('configuration'),
        message: `configuration: Magpie's ${magpieType} services take none; ignored`,
      });
    }
  }
  if (!provider.mapping) return provider;
  try {
    const service = parseServiceInput({
      name,
      url: entry['url'],
      type: provider.mapping.type,
      purl: '',
      auth: 'acl',
      verify: true,
    });
    provider.service = { service: { ...service, name }, resources: [], origin };
  } catch (err) {
    if (!(err instanceof TwitcherError)) throw err;
    const fields = err.fields.length > 0 ? err.fields : [{ field: 'service', message: err.message }];
    for (const field of fields) {
      notes.push({
        severity: 'error',
        origin: field.field === 'url' ? at('url') : origin,
        message: `${field.field} ${field.message}`,
      });
    }
    return provider;
  }
  notes.push({
    severity: 'info',
    origin,
    message: `${name}: Magpie ${magpieType}${provider.mapping.name !== magpieType ? ` (as ${provider.mapping.name})` : ''} → Twitcher ${provider.mapping.type}, auth acl${name !== key ? ` (name "${key}" sanitised)` : ''}`,
  });
  return provider;
}

function mapType(
  key: string,
  magpieType: string,
  configuration: unknown,
  at: (...path: (string | number)[]) => string,
  notes: Note[],
): MagpieServiceType | undefined {
  if (magpieType === 'geoserver') {
    const config = (configuration ?? {}) as Record<string, unknown>;
    // Magpie enables every part the configuration does not turn off
    const enabled = GEOSERVER_PARTS.filter((part) => config[part] !== false);
    const api = config['api'] !== false;
    if (enabled.length !== 1) {
      notes.push({
        severity: 'dropped',
        origin: at('type'),
        message: `provider "${key}": a Magpie geoserver service with ${enabled.length === 0 ? 'no OWS part' : `the parts ${enabled.join(', ')}`} has no Twitcher type (one service per OWS); register each part as its own service`,
      });
      return undefined;
    }
    if (api) {
      notes.push({
        severity: 'dropped',
        origin: at('configuration'),
        message: `provider "${key}": the GeoServer REST api part is not carried (Twitcher's ${enabled[0]} service judges OWS requests only)`,
      });
    }
    return magpieServiceType(`geoserver${enabled[0]}`);
  }
  const mapping = magpieServiceType(magpieType);
  if (!mapping) {
    notes.push({
      severity: 'dropped',
      origin: at('type'),
      message: `provider "${key}": Magpie type "${magpieType}" is unknown (${MAGPIE_TYPE_NAMES.join(', ')}); the provider is not carried`,
    });
  }
  return mapping;
}

function dropHooks(hooks: unknown, at: (...path: (string | number)[]) => string, notes: Note[]): void {
  const list = Array.isArray(hooks) ? hooks : [hooks];
  list.forEach((hook, i) => {
    const h = (hook ?? {}) as Record<string, unknown>;
    const what = [h['type'], h['method'], h['path']].filter((x) => x !== undefined).join(' ');
    notes.push({
      severity: 'dropped',
      origin: Array.isArray(hooks) ? at('hooks', i) : at('hooks'),
      message: `hook ${what ? `${what} ` : ''}→ ${String(h['target'] ?? '?')}: Magpie's hooks are Python callables run inside the Python Twitcher; Twitcher does not run them`,
    });
  });
}
