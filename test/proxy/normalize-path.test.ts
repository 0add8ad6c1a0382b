import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requiredAccess } from '../../src/authz/request-access.js';
import { TwitcherError } from '../../src/errors.js';
import {
  checkRestrictions,
  parseCaveats,
  type RestrictionContext,
} from '../../src/oauth/tokens/macaroon-caveats.js';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import { normalizePath } from '../../src/proxy/normalize-path.js';
import { parseProxyPath } from '../../src/proxy/parse-proxy-path.js';
import type { ServiceType } from '../../src/registry/service.js';

/**
 * One table per server rule: each refused path beside an allowed twin that differs only in what the
 * rule is about, so a refusal cannot grow over-broad unnoticed. `refused` is a pattern of the
 * description; `segments` what the path is judged as.
 */
type Row = { path: string; refused: RegExp } | { path: string; segments: string[]; trailingSlash?: boolean };

const RULES: Record<string, Row[]> = {
  'Tomcat/Jetty: ";" path parameters are stripped before dot segments are resolved (Servlet 6.0 §3.5.2, CoyoteAdapter.parsePathParameters, Jetty AMBIGUOUS_PATH_PARAMETER)':
    [
      { path: '/pub/..;/secret/passwd', refused: /";" path parameter/ },
      { path: '/pub/..%3B/secret/passwd', refused: /";" path parameter/ },
      { path: '/pub/..%3b/secret/passwd', refused: /";" path parameter/ },
      { path: '/pub/%2e%2e;/secret/passwd', refused: /";" path parameter/ },
      { path: '/pub/%2E%2E%3b/secret/passwd', refused: /";" path parameter/ },
      { path: '/pub/.;/x', refused: /";" path parameter/ },
      { path: '/pub;jsessionid=1/x', refused: /";" path parameter/ },
      { path: '/pub/;/x', refused: /";" path parameter/ },
      { path: '/pub/x.nc;type=a', refused: /";" path parameter/ },
      { path: '/pub/..%253B/secret', refused: /percent-encoded twice/ },
      // twin: the same segments without the parameter
      { path: '/pub/secret/passwd', segments: ['pub', 'secret', 'passwd'] },
      { path: '/pub/x.nc', segments: ['pub', 'x.nc'] },
    ],
  'RFC 3986 §5.2.4 remove_dot_segments, §6.2.2.2 (%2E is "."): dot segments in any encoding or case': [
    { path: '/pub/../secret', refused: /dot segment/ },
    { path: '/pub/./x', refused: /dot segment/ },
    { path: '/..', refused: /dot segment/ },
    { path: '/pub/..', refused: /dot segment/ },
    { path: '/pub/../', refused: /dot segment/ },
    { path: '/pub/%2e%2e/secret', refused: /dot segment/ },
    { path: '/pub/%2E%2E/secret', refused: /dot segment/ },
    { path: '/pub/.%2E/secret', refused: /dot segment/ },
    { path: '/pub/%2e./secret', refused: /dot segment/ },
    { path: '/pub/%2e/secret', refused: /dot segment/ },
    // twins: dots inside names
    { path: '/pub/a.b', segments: ['pub', 'a.b'] },
    { path: '/pub/a..b/x', segments: ['pub', 'a..b', 'x'] },
    { path: '/.well-known/x', segments: ['.well-known', 'x'] },
    { path: '/pub/.hidden', segments: ['pub', '.hidden'] },
    { path: '/pub/..x', segments: ['pub', '..x'] },
    { path: '/pub/a%2eb', segments: ['pub', 'a.b'] },
  ],
  'Windows (NTFS): "..." and trailing dots and spaces are trimmed from names': [
    { path: '/pub/...', refused: /dot segment/ },
    { path: '/pub/..../x', refused: /dot segment/ },
    { path: '/pub/secret./x', refused: /ends with a dot or a space/ },
    { path: '/pub/secret%20', refused: /ends with a dot or a space/ },
    { path: '/pub/..%20/x', refused: /ends with a dot or a space/ },
    // twins: inner dots and spaces
    { path: '/pub/secret.txt', segments: ['pub', 'secret.txt'] },
    { path: '/pub/my%20file.nc', segments: ['pub', 'my file.nc'] },
    { path: '/pub/%20lead', segments: ['pub', ' lead'] },
  ],
  'Tomcat encodedSolidusHandling / allowBackslash (ALLOW_BACKSLASH), Jetty AMBIGUOUS_PATH_SEPARATOR, nginx and WSGI decode %2F to "/"':
    [
      { path: '/pub%2f..%2fsecret', refused: /encoded "\/" or "\\"/ },
      { path: '/pub/a%2Fb', refused: /encoded "\/" or "\\"/ },
      { path: '/pub/%2e%2e%2fsecret', refused: /encoded "\/" or "\\"/ },
      { path: '/pub/a%5cb', refused: /encoded "\/" or "\\"/ },
      { path: '/pub/..%5C..%5Csecret', refused: /encoded "\/" or "\\"/ },
      { path: '/pub/a\\b', refused: /backslash/ },
      { path: '/pub\\..\\secret', refused: /backslash/ },
      { path: '/pub/a%252fb', refused: /percent-encoded twice/ },
      { path: '/pub/a%255cb', refused: /percent-encoded twice/ },
      // twin: a real separator
      { path: '/pub/a/b', segments: ['pub', 'a', 'b'] },
    ],
  'Two decoders in a chain (front nginx then application; Jetty AMBIGUOUS_PATH_ENCODING): %25 decodes again':
    [
      { path: '/pub/%252e%252e/secret', refused: /percent-encoded twice/ },
      { path: '/pub/%252E%252E%253B/secret', refused: /percent-encoded twice/ },
      { path: '/pub/100%25', refused: /percent-encoded twice/ },
      { path: '/pub/%25', refused: /percent-encoded twice/ },
      { path: '/pub/%2525', refused: /percent-encoded twice/ },
      // twin: the single encoding of the same characters
      { path: '/pub/100%20', refused: /ends with a dot or a space/ },
      { path: '/pub/100%20x', segments: ['pub', '100 x'] },
    ],
  'NUL and control characters (C and Java file APIs truncate at NUL; lighttpd url-ctrls-reject)': [
    { path: '/pub/secret%00.nc', refused: /control character/ },
    { path: '/pub/a%0Ab', refused: /control character/ },
    { path: '/pub/a%09b', refused: /control character/ },
    { path: '/pub/a%7fb', refused: /control character/ },
    { path: '/pub/a%C2%85b', refused: /control character/ },
    { path: '/pub/a\u0001b', refused: /must be percent-encoded/ },
    { path: '/pub/a%2500', refused: /percent-encoded twice/ },
    // twin: printable escapes
    { path: '/pub/a%41b', segments: ['pub', 'aAb'] },
    { path: '/pub/a%7eb', segments: ['pub', 'a~b'] },
  ],
  'Malformed escapes and non-UTF-8 (overlong %C0%AE is "." to lenient decoders; Jetty UTF16_ENCODINGS %u002e)':
    [
      { path: '/pub/%zz', refused: /malformed percent escape/ },
      { path: '/pub/%2', refused: /malformed percent escape/ },
      { path: '/pub/a%', refused: /malformed percent escape/ },
      { path: '/pub/%u002e%u002e/secret', refused: /malformed percent escape/ },
      { path: '/pub/%c0%ae%c0%ae/secret', refused: /not UTF-8/ },
      { path: '/pub/%C0%AE/secret', refused: /not UTF-8/ },
      { path: '/pub/%e0%80%ae%e0%80%ae/secret', refused: /not UTF-8/ },
      { path: '/pub/%c0%af', refused: /not UTF-8/ },
      { path: '/pub/%ff', refused: /not UTF-8/ },
      { path: '/pub/%ed%a0%80', refused: /not UTF-8/ },
      { path: '/pub/%C3', refused: /not UTF-8/ },
      // twins: well-formed UTF-8
      { path: '/pub/caf%C3%A9', segments: ['pub', 'café'] },
      { path: '/pub/%E6%B0%97%E6%B8%A9.nc', segments: ['pub', '気温.nc'] },
      { path: '/pub/%F0%9F%8C%8D', segments: ['pub', '🌍'] },
    ],
  'Empty segments: nginx merge_slashes, httpd MergeSlashes, Tomcat normalize merge; Jetty AMBIGUOUS_EMPTY_SEGMENT; WSGI keeps them':
    [
      { path: '/pub//secret', refused: /empty segment/ },
      { path: '//secret', refused: /empty segment/ },
      { path: '//', refused: /empty segment/ },
      { path: '/pub/x//', refused: /empty segment/ },
      // twins: one trailing slash is a directory, judged as the directory
      { path: '/pub/secret', segments: ['pub', 'secret'] },
      { path: '/pub/', segments: ['pub'], trailingSlash: true },
      { path: '/', segments: [], trailingSlash: true },
      { path: '', segments: [] },
    ],
  'Raw characters outside a request target (nginx and waitress end the path at "#"); Node refuses the others first':
    [
      { path: '/pub/x#/../secret', refused: /must be percent-encoded/ },
      { path: '/pub/x#', refused: /must be percent-encoded/ },
      { path: '/pub/a b', refused: /must be percent-encoded/ },
      { path: '/pub/café', refused: /must be percent-encoded/ },
      { path: 'pub/x', refused: /must start with/ },
      // twins: encoded, these are ordinary characters of a name
      { path: '/pub/x%23y', segments: ['pub', 'x#y'] },
      { path: '/pub/x%3Fy', segments: ['pub', 'x?y'] },
    ],
  'Unicode compatibility forms (no listed server applies NFKC; Windows best-fit maps fullwidth ．／＼)': [
    { path: '/pub/%EF%BC%8E%EF%BC%8E/secret', refused: /fold \(NFKC\)/ }, // ．．
    { path: '/pub/%E2%80%A5/secret', refused: /fold \(NFKC\)/ }, // ‥ two dot leader
    { path: '/pub/a%EF%BC%8Fb', refused: /fold \(NFKC\)/ }, // ／
    { path: '/pub/a%EF%BC%BCb', refused: /fold \(NFKC\)/ }, // ＼
    { path: '/pub/..%EF%BC%9B/x', refused: /fold \(NFKC\)/ }, // ；
    // twins: compatibility characters inside real names stay allowed
    { path: '/pub/%E8%B3%87%E6%96%99%EF%BC%8Etxt', segments: ['pub', '資料．txt'] },
    { path: '/pub/%EF%BC%A1%EF%BC%A2', segments: ['pub', 'ＡＢ'] },
    { path: '/pub/%EF%AC%81le', segments: ['pub', 'ﬁle'] },
  ],
  'Ordinary names every server reads as written (no rule applies)': [
    { path: '/~user/x', segments: ['~user', 'x'] },
    { path: '/pub/%7Euser', segments: ['pub', '~user'] },
    { path: '/pub/a+b', segments: ['pub', 'a+b'] },
    { path: '/pub/a%2Bb', segments: ['pub', 'a+b'] },
    { path: '/ogc/collections/topp:states/items', segments: ['ogc', 'collections', 'topp:states', 'items'] },
    { path: "/pub/a@b!$&'()*,=", segments: ['pub', "a@b!$&'()*,="] },
    { path: '/pub/a[1]{2}|^', segments: ['pub', 'a[1]{2}|^'] },
    { path: '/d%61ta/a%20b.nc', segments: ['data', 'a b.nc'] },
    { path: '/thredds/dodsC/a/x.nc.dds', segments: ['thredds', 'dodsC', 'a', 'x.nc.dds'] },
  ],
};

describe('normalizePath: paths as the upstreams read them', () => {
  for (const [rule, rows] of Object.entries(RULES)) {
    test(rule, () => {
      assert.ok(
        rows.some((r) => 'segments' in r),
        'every rule has an allowed twin',
      );
      for (const row of rows) {
        if ('refused' in row) {
          assert.throws(
            () => normalizePath(row.path),
            (err: unknown) =>
              err instanceof TwitcherError &&
              err.code === 'invalid_request' &&
              err.status === 400 &&
              err.locator === 'path' &&
              row.refused.test(err.description),
            `${JSON.stringify(row.path)} must be refused with ${row.refused}`,
          );
        } else {
          const got = normalizePath(row.path);
          assert.deepEqual(
            got,
            { raw: row.path, segments: row.segments, trailingSlash: row.trailingSlash ?? false },
            JSON.stringify(row.path),
          );
        }
      }
    });
  }

  test('refusal descriptions are fixed texts: nothing of the request is echoed', () => {
    const descriptions = new Set<string>();
    for (const rows of Object.values(RULES)) {
      for (const row of rows) {
        if (!('refused' in row)) continue;
        try {
          normalizePath(row.path);
        } catch (err) {
          assert.ok(err instanceof TwitcherError);
          descriptions.add(err.description);
        }
      }
    }
    // one text per kind of refusal, however many paths
    assert.ok(descriptions.size <= 13, [...descriptions].join('\n'));
  });
});

describe('parseProxyPath', () => {
  test('forwards the path as sent and judges its normalised segments', () => {
    const p = parseProxyPath('/ows/proxy/files/pub/a%20b/%7Euser/?x=%2F..;', '/ows/proxy');
    assert.deepEqual(p, {
      name: 'files',
      extra: '/pub/a%20b/%7Euser/',
      segments: ['pub', 'a b', '~user'],
      query: 'x=%2F..;',
    });
    assert.deepEqual(parseProxyPath('/ows/proxy/fil%65s', '/ows/proxy'), {
      name: 'files',
      extra: '',
      segments: [],
      query: '',
    });
  });

  test('regression: /pub/..;/secret (and its encodings) no longer reaches the upstream', () => {
    for (const extra of [
      '/pub/..;/secret/passwd',
      '/pub/..%3B/secret',
      '/pub/%2e%2e;/x',
      '/pub/%2E%2E%3b/x',
    ]) {
      assert.throws(
        () => parseProxyPath(`/ows/proxy/files${extra}`, '/ows/proxy'),
        (err: unknown) => err instanceof TwitcherError && err.status === 400 && err.locator === 'path',
        extra,
      );
    }
    // the twin: the query may hold anything, it is not a path
    assert.equal(parseProxyPath('/ows/proxy/files/pub/x?p=..;/secret', '/ows/proxy').extra, '/pub/x');
  });
});

/** A GET of `path` on a service of `type`, parsed as the proxy parses it. */
const get = (type: ServiceType, path: string) =>
  parseOWSRequest({ method: 'GET', query: '', path, serviceType: type }, { maxBytes: 1 << 20, maxDepth: 32 });

describe('the same judgement wherever a path is judged', () => {
  test('acl (http, THREDDS): "..;" and friends are refused, their twins judged by decoded segments', () => {
    for (const type of ['http', 'thredds'] as const) {
      const base = type === 'thredds' ? '/fileServer' : '';
      for (const bad of [
        '/pub/..;/secret/passwd',
        '/pub/%2e%2e%3B/secret',
        '/pub//secret',
        '/pub/%252e%252e/x',
      ]) {
        const need = requiredAccess(type, get(type, `${base}${bad}`));
        assert.equal(need.refused, true, `${type} ${bad}`);
        assert.match(need.refused ? need.reason : '', /request path/);
      }
      const ok = requiredAccess(type, get(type, `${base}/pub/a%20b/x.nc`));
      assert.deepEqual(ok.targets, [{ kind: 'path', segments: ['pub', 'a b', 'x.nc'] }], type);
    }
  });

  test('macaroon "path prefix": by whole decoded segments, on the path the upstream resolves', () => {
    const ctx = (path: string): RestrictionContext => ({
      service: 'files',
      processes: [],
      layers: [],
      method: 'GET',
      path,
      clientAddress: '127.0.0.1',
      now: 0,
    });
    const { restrictions } = parseCaveats(['path prefix = /pub']);
    const allowed = (path: string) => checkRestrictions(restrictions, ctx(path)).ok;
    // allowed twins
    for (const path of ['/pub', '/pub/', '/pub/x.nc', '/p%75b/a%20b', '/pub/a.b/~user']) {
      assert.equal(allowed(path), true, path);
    }
    // denied: a longer name, a parent, and every way back out of /pub
    for (const path of [
      '/public/x',
      '/pu',
      '',
      '/',
      '/pub/..;/secret/passwd',
      '/pub/..%3B/secret',
      '/pub/%2e%2e;/secret',
      '/pub/%2E%2E%3b/secret',
      '/pub/%2e%2e/secret',
      '/pub%2f..%2fsecret',
      '/pub//../secret',
      '/pub/%252e%252e/secret',
      '/pub/%c0%ae%c0%ae/secret',
    ]) {
      assert.equal(allowed(path), false, path);
    }
  });

  test('macaroon "path prefix" values: refused as a request path would be; raw spaces and letters allowed', () => {
    for (const value of ['/pub/..;', '/pub/%2e%2e', '/pub%2Fx', '/pub//x', '/pub/%25', 'pub', '']) {
      assert.throws(() => parseCaveats([`path prefix = ${value}`]), /path prefix/, value);
    }
    const parsed = parseCaveats(['path prefix = /données/job 1/']);
    assert.deepEqual(parsed.restrictions, [
      { kind: 'path prefix', text: 'path prefix = /donn?es/job 1/', segments: ['données', 'job 1'] },
    ]);
  });
});
