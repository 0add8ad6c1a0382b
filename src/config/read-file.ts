/** The config file: read (YAML or JSON), then flattened to the dotted paths of the settings table. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isRecord } from './json-shapes.js';
import { isSettingPath, SETTING_TABLE } from './settings.js';

/** The settings of `file` by dotted path; its problems (unreadable, not YAML, not a mapping) go to `problems`. */
export function readConfigFile(file: string, problems: string[]): Record<string, unknown> {
  return flatten(parseConfigFile(file, problems), '', problems, file);
}

function parseConfigFile(file: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    // YAML is a superset of JSON: one parser reads both. Loaded only when there is a file to read.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    const doc: unknown = parse(text, { prettyErrors: true });
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`${file}: must be a mapping of settings`);
      return {};
    }
    return doc;
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    problems.push(`${file}: does not parse as YAML or JSON: ${first}`);
    return {};
  }
}

/** `{server: {port: 1}}` → `{'server.port': 1}`; a JSON-typed setting stays whole. */
function flatten(value: unknown, prefix: string, problems: string[], file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const setting = isSettingPath(path) ? SETTING_TABLE[path] : undefined;
    if (isRecord(v) && setting?.type.kind !== 'json') {
      if (setting !== undefined) problems.push(`${file}: ${path} must be a single value`);
      else Object.assign(out, flatten(v, path, problems, file));
    } else {
      out[path] = v;
    }
  }
  return out;
}
