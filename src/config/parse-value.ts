import type { SettingType } from './settings.js';

/** Parses one raw setting (from a file: any JSON/YAML value; from the environment: a string). */
export function parseSettingValue(type: SettingType, raw: unknown): { value: unknown } | { error: string } {
  switch (type.kind) {
    case 'string': {
      if (typeof raw !== 'string') return { error: 'must be a string' };
      if (type.minLength !== undefined && raw.length < type.minLength) {
        return {
          error:
            type.minLength === 1 ? 'must not be empty' : `must have at least ${type.minLength} characters`,
        };
      }
      if (type.pattern && !type.pattern.test(raw))
        return { error: `must be ${type.patternHint ?? type.pattern.source}` };
      return { value: raw };
    }
    case 'integer': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (!Number.isInteger(n)) return { error: 'must be an integer' };
      if (n < type.min || n > type.max) return { error: `must be between ${type.min} and ${type.max}` };
      return { value: n };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (typeof raw === 'string' && /^(true|1|yes|on)$/i.test(raw)) return { value: true };
      if (typeof raw === 'string' && /^(false|0|no|off)$/i.test(raw)) return { value: false };
      return { error: 'must be true or false' };
    }
    case 'enum': {
      if (typeof raw !== 'string' || !type.values.includes(raw))
        return { error: `must be one of ${type.values.join(', ')}` };
      return { value: raw };
    }
    case 'url': {
      if (typeof raw !== 'string') return { error: 'must be a URL' };
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        return { error: 'must be an absolute URL' };
      }
      const scheme = u.protocol.slice(0, -1);
      if (!type.schemes.includes(scheme)) return { error: `must be a ${type.schemes.join(' or ')} URL` };
      if (u.username || u.password) return { error: 'must not carry credentials' };
      if (u.search || u.hash) return { error: 'must not have a query or a fragment' };
      return { value: raw.replace(/\/+$/, '') };
    }
    case 'duration':
      return parseDuration(raw);
    case 'bytes':
      return parseBytes(raw);
    case 'list': {
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string'))
        return { value: raw.map((x) => x.trim()) };
      if (typeof raw === 'string') {
        return {
          value: raw
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        };
      }
      return { error: 'must be a list of strings (or a comma-separated string)' };
    }
    case 'json': {
      if (typeof raw === 'string') {
        try {
          return { value: JSON.parse(raw) as unknown };
        } catch {
          return { error: 'must be valid JSON' };
        }
      }
      return { value: raw };
    }
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `1500` (ms), `"30s"`, `"5m"`, `"2h"`, `"250ms"` → milliseconds. */
export function parseDuration(raw: unknown): { value: number } | { error: string } {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return { value: raw };
  if (typeof raw === 'string') {
    const m = /^\s*(\d+)\s*(ms|s|m|h)?\s*$/.exec(raw);
    if (m) return { value: Number(m[1]) * (DURATION_UNITS[m[2] ?? 'ms'] ?? 1) };
  }
  return { error: 'must be a duration such as 1500 (milliseconds), 30s, 5m or 2h' };
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** `1048576`, `"8MiB"`, `"500kb"` → bytes. */
export function parseBytes(raw: unknown): { value: number } | { error: string } {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw > 0) return { value: raw };
  if (typeof raw === 'string') {
    const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw);
    const unit = BYTE_UNITS[(m?.[2] ?? '').toLowerCase()];
    if (m && unit !== undefined && Number(m[1]) > 0) return { value: Number(m[1]) * unit };
  }
  return { error: 'must be a size such as 1048576, 512KiB or 8MiB' };
}
