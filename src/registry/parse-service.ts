import { type FieldError, fieldsError, TwitcherError } from '../errors.js';
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

/** What the readers of the fields build: the service so far, the problems so far. */
interface Parsed {
  readonly input: ServiceInput;
  readonly options: ParseServiceOptions;
  readonly out: Partial<Service>;
  readonly errors: FieldError[];
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
  const input: ServiceInput = body;
  const errors: FieldError[] = Object.keys(input)
    .filter((k) => !KNOWN_FIELDS.has(k))
    .map((k) => ({ field: k, message: 'is not a known field' }));
  const parsed: Parsed = { input, options, out: {}, errors };
  // in this order: certSubjects needs the auth mode read before it
  for (const read of [
    readName,
    readURL,
    readType,
    readPURL,
    readAuth,
    readFlags,
    readCertSubjects,
    readLimits,
  ])
    read(parsed);
  if (errors.length > 0) throw fieldsError(errors);
  return parsed.out as Omit<Service, 'name'> & { name?: string };
}

/** `name`, or the name in the URL; when both are given they must agree (after sanitising). */
function readName({ input, options, out, errors }: Parsed): void {
  const rawName = input.name ?? options.pathName;
  if (rawName === undefined) return;
  if (typeof rawName !== 'string') {
    errors.push({ field: 'name', message: 'must be a string' });
    return;
  }
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

function readURL({ input, options, out, errors }: Parsed): void {
  if (typeof input.url !== 'string') {
    errors.push({ field: 'url', message: input.url === undefined ? 'is required' : 'must be a string' });
    return;
  }
  const problem = urlProblem(input.url) ?? options.urlProblem?.(input.url);
  if (problem) errors.push({ field: 'url', message: problem });
  else out.url = input.url;
}

function readType({ input, out, errors }: Parsed): void {
  if (input.type === undefined) out.type = 'wps';
  else {
    const type = typeof input.type === 'string' ? input.type.toLowerCase() : undefined;
    const known = SERVICE_TYPES.find((t) => t === type);
    if (known) out.type = known;
    else errors.push({ field: 'type', message: `must be one of ${SERVICE_TYPES.join(', ')}` });
  }
}

function readPURL({ input, out, errors }: Parsed): void {
  if (input.purl === undefined || input.purl === '' || input.purl === null) out.purl = '';
  else if (typeof input.purl !== 'string') errors.push({ field: 'purl', message: 'must be a string' });
  else {
    const problem = urlProblem(input.purl);
    if (problem) errors.push({ field: 'purl', message: problem });
    else out.purl = input.purl;
  }
}

/** `auth`, and `public` (derived from auth; accepted on input for the original's `register --public`). */
function readAuth({ input, out, errors }: Parsed): void {
  let auth: AuthMode | undefined;
  if (input.auth !== undefined) {
    const mode = typeof input.auth === 'string' ? input.auth.toLowerCase() : undefined;
    auth = AUTH_MODES.find((m) => m === mode);
    if (!auth) errors.push({ field: 'auth', message: `must be one of ${AUTH_MODES.join(', ')}` });
  }
  if (input.public !== undefined) {
    if (typeof input.public !== 'boolean') errors.push({ field: 'public', message: 'must be true or false' });
    else if (auth === undefined) auth = input.public ? 'public' : 'token';
    else if (auth !== undefined && input.public !== (auth === 'public')) {
      errors.push({
        field: 'public',
        message: `contradicts auth "${auth}" (public is true exactly when auth is public)`,
      });
    }
  }
  out.auth = auth ?? 'token';
}

function readFlags({ input, out, errors }: Parsed): void {
  for (const [field, fallback] of [
    ['verify', true],
    ['passTokenData', false],
  ] as const) {
    const value = input[field];
    if (value === undefined) out[field] = fallback;
    else if (typeof value !== 'boolean') errors.push({ field, message: 'must be true or false' });
    else out[field] = value;
  }
}

/** DN patterns of `auth: cert` services (duplicates dropped). */
function readCertSubjects({ input, out, errors }: Parsed): void {
  out.certSubjects = [];
  let listed = false;
  const subjects = input.certSubjects;
  if (subjects !== undefined && subjects !== null) {
    if (!Array.isArray(subjects)) {
      errors.push({ field: 'certSubjects', message: 'must be a list of DN patterns' });
    } else if (subjects.length > MAX_DN_PATTERNS) {
      errors.push({ field: 'certSubjects', message: `must have at most ${MAX_DN_PATTERNS} patterns` });
    } else {
      const patterns: string[] = [];
      for (const [i, pattern] of subjects.entries()) {
        const problem = typeof pattern === 'string' ? dnPatternProblem(pattern) : 'must be a string';
        if (problem) errors.push({ field: `certSubjects[${i}]`, message: problem });
        else patterns.push(pattern);
      }
      out.certSubjects = [...new Set(patterns)];
      listed = subjects.length > 0;
    }
  }
  if (listed && out.auth !== 'cert') {
    errors.push({ field: 'certSubjects', message: `applies to auth "cert" only, not "${out.auth}"` });
  }
}

function readLimits({ input, out, errors }: Parsed): void {
  const limits = parseServiceLimits(input.limits);
  if ('fields' in limits) errors.push(...limits.fields);
  else out.limits = limits.limits;
}
