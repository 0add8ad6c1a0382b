import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { clientResponseHeaders } from '../../src/proxy/client-response-headers.js';
import {
  ADDED_REQUEST_HEADERS,
  CONFIGURED_REQUEST_HEADER_RULES,
  KEPT_REQUEST_HEADERS,
  NON_CANONICAL_NAME_WHY,
  REQUEST_HEADER_RULES,
  type RequestHeaderRule,
} from '../../src/proxy/headers.js';
import {
  type ForwardingInfo,
  forwardedHeader,
  isStrippedRequestHeader,
  ownHeaderNameProblem,
  upstreamRequestHeaders,
} from '../../src/proxy/upstream-request-headers.js';

const FORWARDING: ForwardingInfo = {
  forwardedFor: '192.0.2.7',
  proto: 'https',
  host: 'twitcher.example.org:8443',
  port: '8443',
  prefix: '/ows/proxy/wps',
  via: 'twitcher-0123456789ab',
};
const OPTIONS = { bodyReplaced: false, dataPrefix: 'x-twitcher-data-' };

/** Headers as Node's HTTP server gives them: names in lower case, whatever the client wrote. */
function asReceived(headers: Record<string, string>): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function sent(
  headers: Record<string, string>,
  options: Partial<Parameters<typeof upstreamRequestHeaders>[2]> = {},
) {
  return upstreamRequestHeaders(asReceived(headers), FORWARDING, { ...OPTIONS, ...options });
}

/**
 * Each header an upstream may trust, as spelled by whoever sets it, and a twin just outside the rule
 * that must reach the upstream (so that no rule is wider than it says).
 */
const DROPPED: [dropped: string, keptTwin: string][] = [
  // underscore and other non-dash spellings: the same CGI/WSGI variable as the dashed name
  ['X_SSL_CLIENT_VERIFY', 'X-Custom-Verify'],
  ['X_SSL_CLIENT_S_DN', 'X-Custom-S-Dn'],
  ['X_Forwarded_For', 'X-Custom-For'],
  ['x_remote_user', 'X-Custom-User'],
  ['X.Ssl.Client.Verify', 'X-Custom-Client'],
  ['X~Remote~User', 'X-Customer'],
  // client certificate and TLS details
  ['X-Ssl-Client-Verify', 'X-Sl-Client-Verify'],
  ['X-SSL-Client-S-DN', 'X-Sl-Client-S-Dn'],
  ['X-Ssl-Client-I-Dn', 'X-Sl-Client-I-Dn'],
  ['X-Ssl-Client-Escaped-Cert', 'X-Escaped-Cert'],
  ['X-Ssl-Client-Serial', 'X-Serial'],
  ['X-Ssl-Client-Fingerprint', 'X-Fingerprint'],
  ['X-SSL-Cert', 'X-Cert-Kind'],
  ['X-SslClientCert', 'X-Sl'],
  ['SSL-Client-Cert', 'SslCert'],
  ['X-Client-Cert', 'X-ClientCert'],
  ['X-Client-Verify', 'X-ClientVerify'],
  ['X-Client-DN', 'X-ClientDn'],
  ['X-Client-IP', 'X-ClientIp'],
  ['X-ARR-ClientCert', 'X-Ar'],
  ['X-Amzn-Mtls-Clientcert', 'X-Amz'],
  // identity
  ['Remote-User', 'RemoteUser'],
  ['Remote-Groups', 'Remote'],
  ['X-Remote-User', 'X-RemoteUser'],
  ['X-Remote-Addr', 'X-Remotely'],
  ['X-Forwarded-User', 'X-Forward'],
  ['X-Forwarded-Email', 'X-Forwardable'],
  ['X-Auth-Request-User', 'X-Aut'],
  ['X-Authenticated-User', 'X-Autumn'],
  ['X-Auth-Token', 'X-Api-Version'],
  ['X-User', 'X-Use'],
  ['X-User-Id', 'X-Usage'],
  ['X-Username', 'X-Usr'],
  ['X-WebAuth-User', 'X-Webauth'],
  ['Shib-Identity-Provider', 'Shibboleth'],
  ['X-MS-Client-Principal-Name', 'X-MS-Client'],
  ['X-Goog-Authenticated-User-Email', 'X-Go'],
  ['CF-Access-Authenticated-User-Email', 'Cfg'],
  // client address
  ['X-Real-IP', 'X-Real'],
  ['True-Client-IP', 'True-Client'],
  ['CF-Connecting-IP', 'Connecting-IP'],
  ['Client-IP', 'Client-IPs'],
  ['X-Cluster-Client-IP', 'X-Cluster'],
  ['Fastly-Client-IP', 'Fastly-Debug'],
  ['X-Originating-IP', 'X-Originating'],
  // URL, host, scheme and method overrides
  ['X-Original-URL', 'X-Origin'],
  ['X-Original-URI', 'X-Originals'],
  ['X-Original-Host', 'X-Originally'],
  ['X-Rewrite-URL', 'X-Rewrite'],
  ['X-Host', 'X-Hosts'],
  ['X-HTTP-Host-Override', 'X-HTTP-Host'],
  ['X-Scheme', 'X-Schema'],
  ['X-Url-Scheme', 'X-Url'],
  ['X-Proxied-Https', 'X-Proxied'],
  ['Front-End-Https', 'Front-End'],
  ['X-HTTP-Method-Override', 'Access-Control-Request-Method'],
  ['X-HTTP-Method', 'X-HTTP-Methods'],
  ['X-Method-Override', 'X-Method'],
  // httpoxy and Jetty's front-proxy fields
  ['Proxy', 'Proxies'],
  ['Proxy-Auth-Cert', 'Proxied'],
  ['Proxy-Ssl-Id', 'Proxyx'],
  // forwarding the client sent itself
  ['Forwarded', 'Forwarded-Custom'],
  ['X-Forwarded-Ssl', 'X-Forwardedssl'],
  ['X-Forwarded-Client-Cert', 'X-Forwarded'],
  ['X-Forwarded-Server', 'X-Forwarder'],
  // Twitcher's namespace
  ['X-Twitcher-Data-Admin', 'X-Twitcher'],
  ['X-Twitcher-Anything', 'X-Twitchers'],
  // credentials and framing
  ['Authorization', 'Accept'],
  ['Cookie', 'Cookies-Allowed'],
  ['Expect', 'Expected'],
  ['Keep-Alive', 'Keep'],
  ['TE', 'TEs'],
  ['Upgrade', 'Upgrade-Insecure-Requests'],
];

describe('request headers: what the upstream never receives from the client', () => {
  for (const [dropped, twin] of DROPPED) {
    test(`${dropped} is dropped; ${twin} is kept`, () => {
      const out = sent({ [dropped]: 'forged', [twin]: 'fine' });
      // dropped, or replaced by Twitcher's own value (Forwarded, X-Forwarded-*)
      assert.notEqual(out[dropped.toLowerCase()], 'forged');
      assert.equal(out[twin.toLowerCase()], 'fine');
      assert.equal(isStrippedRequestHeader(dropped.toLowerCase()), true);
      assert.equal(isStrippedRequestHeader(twin.toLowerCase()), false);
    });
  }

  test('the end-to-end headers of OGC clients all reach the upstream as they came', () => {
    const headers = Object.fromEntries(KEPT_REQUEST_HEADERS.map((n) => [n, `v-${n}`]));
    const out = sent(headers);
    for (const name of KEPT_REQUEST_HEADERS) assert.equal(out[name], `v-${name}`, name);
  });

  test('no rule drops a kept header, and each rule matches its own examples', () => {
    for (const name of KEPT_REQUEST_HEADERS) assert.equal(isStrippedRequestHeader(name), false, name);
    for (const rule of REQUEST_HEADER_RULES) {
      for (const pattern of rule.names) {
        const example = pattern.endsWith('*') ? `${pattern.slice(0, -1)}example` : pattern;
        assert.equal(isStrippedRequestHeader(example), true, pattern);
      }
    }
  });

  test('a name listed in Connection is dropped; one not listed is kept', () => {
    const out = sent({ connection: 'close, X-Private', 'x-private': 'hop', 'x-public': 'end' });
    assert.equal(out['x-private'], undefined);
    assert.equal(out['connection'], undefined);
    assert.equal(out['x-public'], 'end');
  });

  test('headers with the configured data prefix are dropped; a name just outside it is kept', () => {
    const out = sent({ 'x-token-user': 'forged', 'x-tokens': 'fine' }, { dataPrefix: 'x-token-' });
    assert.equal(out['x-token-user'], undefined);
    assert.equal(out['x-tokens'], 'fine');
  });

  test('configured names (the front proxy certificate header) are dropped; others kept', () => {
    const out = sent({ 'x-cert': 'forged', 'x-certs': 'fine' }, { drop: new Set(['x-cert']) });
    assert.equal(out['x-cert'], undefined);
    assert.equal(out['x-certs'], 'fine');
  });

  test('Content-Length and Content-Encoding are dropped only when the body is replaced (sent decoded)', () => {
    const framing = { 'content-length': '5', 'content-encoding': 'gzip' };
    const replaced = sent(framing, { bodyReplaced: true });
    assert.equal(replaced['content-length'], undefined);
    assert.equal(replaced['content-encoding'], undefined);
    const piped = sent(framing, { bodyReplaced: false });
    assert.equal(piped['content-length'], '5');
    assert.equal(piped['content-encoding'], 'gzip');
  });
});

describe("request headers: Twitcher's own", () => {
  test('forwarding fields are replaced by Twitcher’s, in X-Forwarded-* and RFC 7239 form', () => {
    const out = sent({
      forwarded: 'for=6.6.6.6;host=evil;proto=https',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '1',
      'x-forwarded-prefix': '/evil',
    });
    assert.equal(out['x-forwarded-for'], '192.0.2.7');
    assert.equal(out['x-forwarded-proto'], 'https');
    assert.equal(out['x-forwarded-host'], 'twitcher.example.org:8443');
    assert.equal(out['x-forwarded-port'], '8443');
    assert.equal(out['x-forwarded-prefix'], '/ows/proxy/wps');
    assert.equal(out['forwarded'], 'for=192.0.2.7;host="twitcher.example.org:8443";proto=https');
  });

  const forwardedCases: [what: string, info: Partial<ForwardingInfo>, expected: string][] = [
    [
      'a host without port is a token',
      { host: 'example.org', proto: 'http' },
      'for=192.0.2.7;host=example.org;proto=http',
    ],
    [
      'IPv6 in brackets, quoted',
      { forwardedFor: '2001:db8::1' },
      'for="[2001:db8::1]";host="twitcher.example.org:8443";proto=https',
    ],
    [
      'an IPv4-mapped IPv6 address',
      { forwardedFor: '::ffff:192.0.2.7' },
      'for="[::ffff:192.0.2.7]";host="twitcher.example.org:8443";proto=https',
    ],
    [
      'a chain, client first, one element each',
      { forwardedFor: '192.0.2.7, 2001:db8::2, 10.0.0.1' },
      'for=192.0.2.7, for="[2001:db8::2]", for=10.0.0.1;host="twitcher.example.org:8443";proto=https',
    ],
    [
      'what is not an address is unknown (RFC 7239 §6.3)',
      { forwardedFor: 'evil;host=x, 10.0.0.1' },
      'for=unknown, for=10.0.0.1;host="twitcher.example.org:8443";proto=https',
    ],
    [
      'quotes and backslashes are escaped in a quoted value',
      { host: 'a"b\\c:1' },
      'for=192.0.2.7;host="a\\"b\\\\c:1";proto=https',
    ],
  ];
  for (const [what, info, expected] of forwardedCases) {
    test(`Forwarded: ${what}`, () => {
      assert.equal(forwardedHeader({ ...FORWARDING, ...info }), expected);
    });
  }

  test('token data is sent under the prefix; the client’s own value of a data header is replaced', () => {
    const out = sent(
      { 'x-twitcher-data-project': 'forged' },
      { data: { Project: 'cmip6', 'User-Id': '42' } },
    );
    assert.equal(out['x-twitcher-data-project'], 'cmip6');
    assert.equal(out['x-twitcher-data-user-id'], '42');
  });

  test('own headers survive a rule that matches their configured name; the client’s are still dropped', () => {
    const out = sent(
      { 'x-ssl-client-chain': 'forged', 'x-auth-data-role': 'forged', 'x-auth-data-admin': 'yes' },
      {
        dataPrefix: 'x-auth-data-',
        data: { role: 'reader' },
        drop: new Set(['x-ssl-client-chain']),
        extra: { 'x-ssl-client-chain': 'validated%20chain' },
      },
    );
    assert.equal(out['x-ssl-client-chain'], 'validated%20chain');
    assert.equal(out['x-auth-data-role'], 'reader');
    assert.equal(out['x-auth-data-admin'], undefined);
  });

  test('own headers never replace framing, forwarding or the client’s end-to-end headers; others do pass', () => {
    const out = sent(
      { 'content-type': 'text/xml', accept: 'application/xml' },
      {
        dataPrefix: 'x-forwarded-',
        data: { for: '6.6.6.6', host: 'evil' },
        extra: {
          host: 'evil',
          'content-length': '0',
          'content-type': 'text/plain',
          'transfer-encoding': 'chunked',
          forwarded: 'for=6.6.6.6',
          accept: 'text/html',
          'x-x509-user-chain': 'validated',
        },
      },
    );
    assert.equal(out['x-forwarded-for'], '192.0.2.7');
    assert.equal(out['x-forwarded-host'], 'twitcher.example.org:8443');
    assert.equal(out['host'], undefined);
    assert.equal(out['content-length'], undefined);
    assert.equal(out['transfer-encoding'], undefined);
    assert.equal(out['content-type'], 'text/xml');
    assert.equal(out['accept'], 'application/xml');
    assert.match(String(out['forwarded']), /^for=192\.0\.2\.7;/);
    assert.equal(out['x-x509-user-chain'], 'validated');
  });
});

describe('request headers: names configured for Twitcher’s own headers', () => {
  const names: [name: string, refused: boolean][] = [
    ['X-X509-User-Chain', false],
    ['X-SSL-Client-Chain', false],
    ['X-Forwarded-For', true],
    ['x-forwarded-client-cert', true],
    ['Forwarded', true],
    ['Host', true],
    ['Content-Length', true],
    ['Content-Type', true],
    ['Transfer-Encoding', true],
    ['Connection', true],
    ['Accept', true],
  ];
  for (const [name, refused] of names) {
    test(`delegation header ${name}: ${refused ? 'refused' : 'accepted'}`, () => {
      assert.equal(ownHeaderNameProblem(name, 'name') !== undefined, refused);
    });
  }

  const prefixes: [prefix: string, refused: boolean][] = [
    ['X-Twitcher-Data-', false],
    ['X-Auth-Data-', false],
    ['X-Token-', false],
    ['X-Forwarded-', true],
    ['X-Forwarded-Data-', true],
    ['X-', true],
    ['Content-', true],
    ['Accept-', true],
    ['If-', true],
    ['Proxy-', true],
    ['Transfer-', true],
  ];
  for (const [prefix, refused] of prefixes) {
    test(`data header prefix ${prefix}: ${refused ? 'refused' : 'accepted'}`, () => {
      assert.equal(ownHeaderNameProblem(prefix, 'prefix') !== undefined, refused);
    });
  }

  test('the defaults are usable: token.dataHeaderPrefix, and the delegation header the docs suggest', () => {
    const config = loadConfig({ env: {}, overrides: { 'admin.password': 'a-long-password' } });
    assert.equal(config.token.dataHeaderPrefix, 'X-Twitcher-Data-');
    assert.equal(ownHeaderNameProblem(config.token.dataHeaderPrefix, 'prefix'), undefined);
    assert.equal(config.clientCerts.delegationHeader, undefined);
    assert.equal(ownHeaderNameProblem('X-X509-User-Chain', 'name'), undefined);
    // the default prefix is inside Twitcher's namespace, so clients' data headers go even without it
    assert.equal(isStrippedRequestHeader('x-twitcher-data-user'), true);
  });
});

describe('response headers', () => {
  const digests = {
    'content-digest': 'sha-256=:AAAA:',
    'repr-digest': 'sha-256=:AAAA:',
    digest: 'SHA-256=AAAA',
    'content-md5': 'AAAA',
    etag: '"v1"',
    'content-type': 'text/xml',
  };
  test('a rewritten body loses the digests and validators of the upstream’s; the content type stays', () => {
    const out = clientResponseHeaders(digests, { rewritten: true });
    assert.deepEqual(out, { 'content-type': 'text/xml' });
  });
  test('a body passed as it came keeps them', () => {
    assert.deepEqual(clientResponseHeaders(digests, { rewritten: false }), digests);
  });
});

// ---- docs/security.md, section "Headers sent to the upstream" ----

const BEGIN = '<!-- upstream-headers:begin -->';
const END = '<!-- upstream-headers:end -->';

function names(rule: RequestHeaderRule): string {
  return rule.names.map((n) => `\`${n}\``).join(', ');
}

/** The section as the code says it: pasted between the markers of docs/security.md. */
function renderHeaderTables(): string {
  const out = [
    BEGIN,
    '<!-- Generated from src/proxy/headers.ts; test/proxy/headers.test.ts fails when they disagree. -->',
    '',
    'Every header of the client reaches the upstream unless a row below names it. Names are matched in',
    'lower case (as they arrive); `*` stands for any ending.',
    '',
    '| Request header | To the upstream | Why |',
    '| --- | --- | --- |',
    `| any name with a character other than \`a-z\`, \`0-9\`, \`-\` (\`X_SSL_CLIENT_VERIFY\`, \`X.Ssl.Client.Verify\`) | dropped | ${NON_CANONICAL_NAME_WHY} |`,
    ...REQUEST_HEADER_RULES.map((r) => `| ${names(r)} | ${r.action} | ${r.why} |`),
    ...CONFIGURED_REQUEST_HEADER_RULES.map((r) => `| ${names(r)} (configured) | ${r.action} | ${r.why} |`),
    '',
    'Twitcher adds, after the client’s headers are filtered (so they are sent even when a rule above',
    'matches a configured name; a name that would replace one of the request’s own framing, forwarding',
    'or end-to-end headers is never sent):',
    '',
    '| Header | Value |',
    '| --- | --- |',
    ...ADDED_REQUEST_HEADERS.map((h) => `| \`${h.name}\` | ${h.value} |`),
    '',
    `Kept as they come, for instance (a test checks that no rule drops them): ${KEPT_REQUEST_HEADERS.map((n) => `\`${n}\``).join(', ')}.`,
    END,
  ];
  return out.join('\n');
}

describe('docs/security.md', () => {
  test('the table of headers sent to the upstream is the one in src/proxy/headers.ts', () => {
    const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    const begin = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    assert.ok(begin >= 0 && end > begin, `docs/security.md lacks the ${BEGIN} … ${END} section`);
    const expected = renderHeaderTables();
    assert.equal(
      doc.slice(begin, end + END.length),
      expected,
      `docs/security.md disagrees with src/proxy/headers.ts; the section should read:\n\n${expected}\n`,
    );
  });
});
