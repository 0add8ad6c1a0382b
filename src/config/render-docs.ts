import type { NamedSetting, SettingType } from './setting.js';
import { SETTINGS } from './settings.js';

/** docs/configuration.md, generated from the settings table (`npm run docs:config`). */
export function renderConfigDocs(): string {
  const out: string[] = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/settings.ts by `npm run docs:config`. Do not edit by hand: a test fails when it is out of date. -->',
    '',
    'Twitcher reads its settings, each overriding the one before:',
    '',
    '1. the defaults below;',
    '2. a YAML or JSON file given with `twitcher serve --config FILE` or `TWITCHER_CONFIG=FILE`',
    '   (nested keys: `server.port` is `server: {port: 8000}`; see `twitcher.example.yaml`);',
    '3. `TWITCHER_*` environment variables.',
    '',
    'Every invalid setting is reported at once and the server refuses to start (exit status 2).',
    'Durations take `1500` (milliseconds), `30s`, `5m` or `2h`; sizes take `1048576`, `512KiB` or `8MiB`.',
    '',
    '| Setting | Environment | Type | Default |',
    '| --- | --- | --- | --- |',
  ];
  for (const s of SETTINGS) {
    out.push(
      `| [\`${s.path}\`](#${anchor(s.path)}) | \`${s.env}\` | ${typeName(s.type)} | ${defaultText(s)} |`,
    );
  }
  out.push('');
  for (const s of SETTINGS) {
    out.push(`## ${s.path}`, '', s.doc, '');
    out.push(`- environment: \`${s.env}\``, `- type: ${typeName(s.type)}`, `- default: ${defaultText(s)}`);
    if (s.secret) out.push('- secret: never printed or logged');
    out.push('');
  }
  return out.join('\n');
}

function anchor(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

function typeName(t: SettingType<unknown>): string {
  switch (t.kind) {
    case 'integer':
      return `integer (${t.min}–${t.max})`;
    case 'enum':
      return `one of ${t.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'url':
      return `${t.schemes.join('/')} URL`;
    case 'list':
      return 'list (comma-separated in the environment)';
    case 'json':
      return 'mapping (JSON in the environment)';
    default:
      return t.kind;
  }
}

function defaultText(s: NamedSetting): string {
  if (s.defaultDoc) return s.defaultDoc;
  if (s.default === undefined) return 'unset';
  if (Array.isArray(s.default)) return s.default.length === 0 ? 'empty' : `\`${s.default.join(',')}\``;
  if (s.type.kind === 'duration') return `\`${s.default}\` ms`;
  if (s.type.kind === 'bytes') return `\`${s.default}\` bytes`;
  return `\`${String(s.default)}\``;
}
