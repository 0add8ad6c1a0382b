import { type FieldError, TwitcherError } from '../errors.js';
import { dnPatternProblem, MAX_DN_PATTERNS } from '../pki/x509/dn-pattern.js';
import { nameProblem, sanitizeName } from './names.js';
import { parseServiceLimits } from './parse-limits.js';
import {
  AUTH_MODES,
  type AuthMode,
  SERVICE_FIELDS,
  SERVICE_TYPES,
  type Service,
  type ServiceField,
  type ServiceType,
} from './service.js';

/** A service as sent on the admin API (`POST /services`, `PUT /services/{name}`), not yet checked. */
export type ServiceInput = Partial<Record<ServiceField, unknown>>;

export interface ParseServiceOptions {
  /** The name in the URL of `PUT /services/{name}`. */
  pathName?: string;
  /** A further check of a well-formed `url`: the problem (reported on `url`), or undefined. */
  urlProblem?: (url: string) => string | undefined;
}

/** The longest upstream URL accepted. */
export const MAX_URL = 2048;
const KNOWN_FIELDS = new Set<string>(SERVICE_FIELDS);

/** Checks an absolute http(s) URL without credentials or fragment; returns the problem or undefined. */
export function urlProblem(value: string): string | undefined {
  if (value.length > MAX_URL) return `must have at most ${MAX_URL} characters`;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http or https URL';
  if (!u.hostname) return 'must name a host';
  if (u.username || u.password) return 'must not carry credentials';
  if (u.hash) return 'must not have a fragment';
  return undefined;
}

/**
 * Validates a service input and returns the service (name sanitised, type lower case, defaults as
 * in the Python Twitcher: type wps, auth token, verify true, purl ''; no limits). Every bad field, unknown
 * fields included, is reported at once. `name` is absent when neither the body nor the path has one.
 */
export function parseServiceInput(
  body: unknown,
  options: ParseServiceOptions = {},
): Omit<Service, 'name'> & { name?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TwitcherError('validation_failed', {
      description: 'The body must be a JSON object.',
      fields: [{ field: 'body', message: 'must be a JSON object' }],
    });
  }
  const input = body as ServiceInput;
  const errors: FieldError[] = Object.keys(input)
    .filter((k) => !KNOWN_FIELDS.has(k))
    .map((k) => ({ field: k, message: 'is not a known field' }));
  const out: Partial<Service> = {};

  const rawName = input.name ?? options.pathName;
  if (rawName !== undefined) {
    if (typeof rawName !== 'string') errors.push({ field: 'name', message: 'must be a string' });
    else {
      const name = sanitizeName(rawName);
      const problem = nameProblem(name);
      if (problem) errors.push({ field: 'name', message: problem });
      else if (
        options.pathName !== undefined &&
        input.name !== undefined &&
        name !== sanitizeName(options.pathName)
      ) {
        errors.push({
          field: 'name',
          message: `must match the name in the URL ("${sanitizeName(options.pathName)}")`,
        });
      } else out.name = name;
    }
  }

  if (typeof input.url !== 'string') {
    errors.push({ field: 'url', message: input.url === undefined ? 'is required' : 'must be a string' });
  } else {
    const problem = urlProblem(input.url) ?? options.urlProblem?.(input.url);
    if (problem) errors.push({ field: 'url', message: problem });
    else out.url = input.url;
  }

  if (input.type === undefined) out.type = 'wps';
  else if (
    typeof input.type !== 'string' ||
    !SERVICE_TYPES.includes(input.type.toLowerCase() as ServiceType)
  ) {
    errors.push({ field: 'type', message: `must be one of ${SERVICE_TYPES.join(', ')}` });
  } else out.type = input.type.toLowerCase() as ServiceType;

  if (input.purl === undefined || input.purl === '' || input.purl === null) out.purl = '';
  else if (typeof input.purl !== 'string') errors.push({ field: 'purl', message: 'must be a string' });
  else {
    const problem = urlProblem(input.purl);
    if (problem) errors.push({ field: 'purl', message: problem });
    else out.purl = input.purl;
  }

  let auth: AuthMode | undefined;
  if (input.auth !== undefined) {
    if (typeof input.auth !== 'string' || !AUTH_MODES.includes(input.auth.toLowerCase() as AuthMode)) {
      errors.push({ field: 'auth', message: `must be one of ${AUTH_MODES.join(', ')}` });
    } else auth = input.auth.toLowerCase() as AuthMode;
  }
  // `public` is derived from `auth`; accepted on input for the original's `register --public` habit.
  if (input.public !== undefined) {
    if (typeof input.public !== 'boolean') errors.push({ field: 'public', message: 'must be true or false' });
    else if (auth === undefined) auth = input.public ? 'public' : 'token';
    else if (input.public !== (auth === 'public')) {
      errors.push({
        field: 'public',
        message: `contradicts auth "${auth}" (public is true exactly when auth is public)`,
      });
    }
  }
  out.auth = auth ?? 'token';

  if (input.verify === undefined) out.verify = true;
  else if (typeof input.verify !== 'boolean')
    errors.push({ field: 'verify', message: 'must be true or false' });
  else out.verify = input.verify;

  if (input.passTokenData === undefined) out.passTokenData = false;
  else if (typeof input.passTokenData !== 'boolean')
    errors.push({ field: 'passTokenData', message: 'must be true or false' });
  else out.passTokenData = input.passTokenData;

  out.certSubjects = [];
  if (input.certSubjects !== undefined && input.certSubjects !== null) {
    if (!Array.isArray(input.certSubjects)) {
      errors.push({ field: 'certSubjects', message: 'must be a list of DN patterns' });
    } else if (input.certSubjects.length > MAX_DN_PATTERNS) {
      errors.push({ field: 'certSubjects', message: `must have at most ${MAX_DN_PATTERNS} patterns` });
    } else {
      for (const [i, pattern] of input.certSubjects.entries()) {
        const problem = typeof pattern === 'string' ? dnPatternProblem(pattern) : 'must be a string';
        if (problem) errors.push({ field: `certSubjects[${i}]`, message: problem });
      }
      out.certSubjects = [...new Set(input.certSubjects as string[])];
    }
  }
  if (out.certSubjects.length > 0 && out.auth !== 'cert') {
    errors.push({ field: 'certSubjects', message: `applies to auth "cert" only, not "${out.auth}"` });
  }

  const limits = parseServiceLimits(input.limits);
  if ('fields' in limits) errors.push(...limits.fields);
  else out.limits = limits.limits;

  if (errors.length > 0) {
    throw new TwitcherError('validation_failed', {
      description: errors.map((e) => `${e.field} ${e.message}`).join('; '),
      fields: errors,
    });
  }
  return out as Omit<Service, 'name'> & { name?: string };
}
