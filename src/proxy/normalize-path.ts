/**
 * The path after `/ows/proxy/{name}`, judged in the form the upstream will resolve it.
 *
 * Twitcher forwards the client's bytes unchanged and decides on their decoded segments. That is
 * only sound when every upstream resolves those bytes to the same segments. The servers in front of
 * OGC services do not agree on much, so a path that any of them would read differently is refused
 * (400, locator `path`) rather than guessed at. What each one does, and what it means here:
 *
 * - RFC 3986 §5.2.4 remove_dot_segments: `.` and `..` segments are resolved, and §6.2.2.2 makes
 *   `%2E` the same as `.` — so `%2e%2e`, `.%2E` are `..` to any server that decodes first.
 *   → dot segments are refused in every encoding and case.
 * - Tomcat (THREDDS, GeoServer, ERDDAP): CoyoteAdapter.postParseRequest removes `;params` from each
 *   segment (parsePathParameters, the Servlet path parameters), then percent-decodes, then
 *   normalize() merges `//` and resolves `.`/`..`; `\` is a separator when `allowBackslash` (the
 *   former system property `org.apache.catalina.connector.CoyoteAdapter.ALLOW_BACKSLASH`) is set;
 *   `%2F` is refused or decoded by `encodedSolidusHandling`. So `..;/` and `..%3B/` climb.
 *   Jakarta Servlet 6.0 §3.5.2 (URI path canonicalization) prescribes the same order and asks
 *   containers to reject encoded dots, encoded `/` and empty segments with parameters.
 *   → `;` in any encoding is refused (`;` raw, `%3B`, `%253B`), and `\`, `%5C`, `%2F`.
 * - Jetty: 9.4 (UriCompliance LEGACY) strips `;params` and resolves decoded dots like Tomcat, and
 *   decodes `%uXXXX` (CVE-2021-34429: `%u002e`); Jetty 10+ rejects by default what its
 *   UriCompliance.Violation calls AMBIGUOUS_PATH_SEGMENT (`%2e`), AMBIGUOUS_PATH_PARAMETER (`..;`),
 *   AMBIGUOUS_EMPTY_SEGMENT (`//`), AMBIGUOUS_PATH_SEPARATOR (`%2F`), AMBIGUOUS_PATH_ENCODING (`%25`)
 *   and UTF16_ENCODINGS. → all of these are refused here too (`%u` is a malformed escape).
 * - Apache httpd: ap_normalize_path decodes unreserved escapes (`%2e`) before removing dot segments
 *   (the order behind CVE-2021-41773/42013); MergeSlashes (default On since 2.4.39) merges `//`;
 *   AllowEncodedSlashes Off answers 404 to `%2F`, NoDecode passes it on; on Windows `\` separates.
 * - nginx: ngx_http_parse_complex_uri decodes escapes, resolves `.`/`..` (after decoding: `%2e%2e`
 *   and `%2e%2e%2f` climb) and, with `merge_slashes on` (the default), merges `//`; `proxy_pass`
 *   with a URI part sends that normalised form on. `;` is an ordinary character. A raw `#` ends the
 *   path (`/pub/x#/../y` is `/pub/x`), as it does for waitress.
 * - lighttpd: `server.http-parseopts` url-path-dotseg-remove (dot segments resolved after decoding
 *   unreserved escapes), url-path-2f-decode (`%2F` → `/`), url-path-backslash-trans (`\` → `/`,
 *   default on Windows), url-ctrls-reject.
 * - WSGI servers (PEP 3333 PATH_INFO; waitress, gunicorn): PATH_INFO is percent-decoded, so `%2F`
 *   becomes `/`, `%2e%2e` becomes `..` and `%00` a NUL, and nothing is resolved: the application
 *   (a static file handler, `os.path.join`) resolves `..` and `//` itself. `+` stays `+`.
 * - Chains of two servers (a front nginx, then the application) decode twice: `%252e` becomes
 *   `%2e`, then `.`. → `%25` is refused: the only cost is file names that contain `%`.
 * - Windows file systems (any server on NTFS): trailing dots and spaces of a name are stripped
 *   (`secret.` and `secret ` open `secret`), and ANSI "best-fit" conversions map fullwidth
 *   `．／＼` to `./\`. No server listed above applies Unicode normalisation (NFKC) to paths, so a
 *   fullwidth dot is an ordinary character to them. → segments ending in `.` or space are refused,
 *   and so are segments whose NFKC form would be refused (`．．`, `‥`, `／`, `；`): defence in
 *   depth that costs nothing to real names (`資料．txt` folds to `資料.txt` and stays allowed).
 *
 * Also refused: malformed escapes (`%zz`, `%u002e`) and escapes that are not UTF-8 — overlong forms
 * such as `%C0%AE` (`.` to decoders that accept them) or lone surrogates; control characters (C0,
 * DEL, C1), raw or encoded (`%00` truncates paths in C and Java file APIs); characters that are not
 * allowed raw in a request target (space, non-ASCII, `#`, `?`, `\`): the upstream's reading of
 * them is unknown. Interior empty segments (`/a//b`) are refused — nginx, Tomcat and httpd merge
 * them, Jetty 10 rejects them, WSGI applications see them — but one trailing `/` is allowed.
 *
 * Allowed (and judged as decoded): ordinary escapes (`%20`, UTF-8 names, `%7E`), `~user`, `a.b`,
 * `.well-known`, `a+b` (`+` is a space only in form-encoded queries, in no server's path), and the
 * characters `:@!$&'()*,=[]{}|^` `"<>` which no listed server maps to a separator or a dot (Tomcat
 * answers 400 to some of them, a refusal that bypasses nothing). `...` is refused: it is a dot-only
 * segment, which old Windows resolved as `../..` and current Windows trims, and no data set names
 * a file that way.
 */
import { TwitcherError } from '../errors.js';

export interface NormalizedPath {
  /** The path exactly as given: what is forwarded to the upstream. */
  raw: string;
  /** Percent-decoded segments, without the trailing empty one: what is judged. */
  segments: string[];
  /** Whether the path ends with `/` (a directory: `/pub/`). */
  trailingSlash: boolean;
}

/** Raw characters the upstream may read differently (RFC 3986 §2, RFC 9112 §3.2 request-target). */
const RAW_REFUSED = /[^\x21-\x7e]|[\\#?]/;
const HEX = /^[0-9A-Fa-f]{2}$/;
const CONTROL = /\p{Cc}/u;
const DOTS_ONLY = /^\.+$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function refuse(description: string): never {
  throw new TwitcherError('invalid_request', { status: 400, locator: 'path', description });
}

/** Percent-decodes one raw segment as UTF-8; refuses malformed escapes and invalid UTF-8. */
function decodeSegment(raw: string): string {
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 0x25) {
      bytes.push(c); // ASCII: RAW_REFUSED let nothing else through
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) refuse('The request path has a malformed percent escape.');
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  try {
    return UTF8.decode(new Uint8Array(bytes));
  } catch {
    return refuse('The request path has percent escapes that are not UTF-8 (invalid or overlong bytes).');
  }
}

/** The problem of a decoded segment, if any (also applied to its NFKC form). */
function segmentProblem(segment: string): string | undefined {
  if (segment.includes(';'))
    return 'The request path has a ";" path parameter, which Tomcat and Jetty strip before resolving the segment.';
  if (segment.includes('/') || segment.includes('\\'))
    return 'The request path has an encoded "/" or "\\" inside a segment.';
  if (segment.includes('%')) return 'The request path is percent-encoded twice ("%25").';
  if (CONTROL.test(segment)) return 'The request path contains a control character.';
  if (DOTS_ONLY.test(segment))
    return 'The request path has a dot segment (".", ".." or "...", in some encoding).';
  return undefined;
}

/**
 * Splits and decodes the extra path of a proxied request (`''` or starting with `/`, still
 * percent-encoded, as the client sent it), refusing what an upstream could resolve to another path.
 *
 * @throws TwitcherError `invalid_request` (400, locator `path`) naming what was refused.
 * @example
 * normalizePath('/pub/a%20b/');  // { raw: '/pub/a%20b/', segments: ['pub', 'a b'], trailingSlash: true }
 * normalizePath('/pub/..;/etc'); // throws: a ";" path parameter
 */
export function normalizePath(raw: string): NormalizedPath {
  if (raw === '') return { raw, segments: [], trailingSlash: false };
  if (!raw.startsWith('/')) refuse('The request path must start with "/".');
  const bad = RAW_REFUSED.exec(raw);
  if (bad) {
    refuse(
      bad[0] === '\\'
        ? 'The request path contains a backslash, which some upstreams read as "/".'
        : 'The request path contains a character that must be percent-encoded (space, "#", "?" or a non-ASCII or control character).',
    );
  }
  const parts = raw.slice(1).split('/');
  const trailingSlash = parts.length > 0 && parts[parts.length - 1] === '';
  if (trailingSlash) parts.pop();
  const segments: string[] = [];
  for (const part of parts) {
    if (part === '')
      refuse('The request path has an empty segment ("//"), which some upstreams merge and others do not.');
    if (part.includes(';'))
      refuse(
        'The request path has a ";" path parameter, which Tomcat and Jetty strip before resolving the segment.',
      );
    const segment = decodeSegment(part);
    const problem = segmentProblem(segment);
    if (problem) refuse(problem);
    if (segment.endsWith('.') || segment.endsWith(' '))
      refuse('A segment of the request path ends with a dot or a space, which Windows file systems strip.');
    const folded = segment.normalize('NFKC');
    if (folded !== segment && segmentProblem(folded) !== undefined) {
      refuse(
        'A segment of the request path has Unicode characters that fold (NFKC) to ".", "/", "\\", ";" or "%".',
      );
    }
    segments.push(segment);
  }
  return { raw, segments, trailingSlash };
}

/**
 * `normalizePath` answering instead of throwing, for the judges that meet a path again (the acl
 * resolution, macaroon `path prefix` caveats): its segments, or why it is refused.
 */
export function judgePath(raw: string): { segments: string[] } | { refused: string } {
  try {
    return { segments: normalizePath(raw).segments };
  } catch (err) {
    if (err instanceof TwitcherError) return { refused: err.description };
    throw err;
  }
}
