/**
 * Subject DN patterns of `auth: cert` services: which certificate holders a service admits.
 *
 * A pattern is a DN with `*` wildcards (any run of characters, separators included), in either form:
 * - OpenSSL's one-line form, as grid-mapfiles and ESGF deployments write it: `/C=XX/O=ESGF/OU=*`;
 * - RFC 4514, as Twitcher prints DNs: `CN=*,OU=Users,O=Twitcher`.
 * A pattern starting with `/` is matched against the one-line form, any other against RFC 4514.
 * Matching is whole-string and case-insensitive (DN attribute values compare case-insensitively,
 * RFC 4518). Pure: compiled once per service, no I/O.
 */

/** At most this many patterns per service. */
export const MAX_DN_PATTERNS = 100;
const MAX_PATTERN_LENGTH = 1024;

/** What a pattern is matched against: the two spellings of the end-entity certificate's subject. */
export interface SubjectNames {
  /** RFC 4514: `CN=alice,OU=Users,O=Twitcher`. */
  subjectDN: string;
  /** OpenSSL one-line: `/O=Twitcher/OU=Users/CN=alice`. */
  subjectDNLegacy: string;
}

/** Why `pattern` is not a usable DN pattern, or undefined. */
export function dnPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'must not be empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `must have at most ${MAX_PATTERN_LENGTH} characters`;
  if (/[\0\r\n]/.test(pattern)) return 'must not contain control characters';
  if (!pattern.includes('=')) return 'must be a DN such as "/O=ESGF/CN=*" or "CN=*,O=Twitcher"';
  return undefined;
}

export type DNMatcher = (names: SubjectNames) => boolean;

/** Compiles patterns into one matcher; no patterns admit every subject. */
export function compileDNPatterns(patterns: readonly string[]): DNMatcher {
  if (patterns.length === 0) return () => true;
  const legacy: RegExp[] = [];
  const rfc: RegExp[] = [];
  for (const p of patterns) (p.startsWith('/') ? legacy : rfc).push(globToRegExp(p));
  return (names) =>
    legacy.some((r) => r.test(names.subjectDNLegacy)) || rfc.some((r) => r.test(names.subjectDN));
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .trim()
    .split('*')
    .map((part) => part.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}
