/**
 * The one access decision of /ows/proxy and /ows/verify, called directly with plain values: every
 * row runs on both surfaces, and the two must agree except where /verify cannot see a body.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isTwitcherError } from '../../src/errors.js';
import type { AccessTokenInfo } from '../../src/oauth/tokens/types.js';
import { buildPublicOperations } from '../../src/policy/public-operations.js';
import { ANONYMOUS, type Subject } from '../../src/policy/subject.js';
import { type AuthorizeRequest, createAuthorizer, verifyMethods } from '../../src/proxy/authorize.js';
import type { Credentials } from '../../src/proxy/credentials.js';
import type { Service } from '../../src/registry/service.js';

const EXECUTE =
  '<wps:Execute xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" service="WPS" version="1.0.0">' +
  '<ows:Identifier>hello</ows:Identifier></wps:Execute>';
const GETCAPS = '<wps:GetCapabilities xmlns:wps="http://www.opengis.net/wps/1.0.0" service="WPS"/>';
const CAPS_QUERY = 'service=WPS&request=GetCapabilities';

function service(name: string, auth: Service['auth'], type: Service['type'] = 'wps'): Service {
  return {
    name,
    url: 'http://upstream/wps',
    type,
    purl: '',
    auth,
    verify: true,
    passTokenData: false,
    certSubjects: [],
    limits: {},
  };
}
const SERVICES = new Map(
  [
    service('emu', 'token'),
    service('open', 'public'),
    service('certs', 'cert'),
    service('files', 'token', 'thredds'),
  ].map((s) => [s.name, s]),
);

const TOKEN: AccessTokenInfo = {
  kind: 'random',
  jti: 'j1',
  clientId: 'c1',
  scopes: ['compute'],
  issuedAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  data: {},
};

/** Bearer "good" is a compute token; nothing else is a credential. */
const credentials: Credentials = {
  async token(request) {
    return request.headers.authorization === 'Bearer good' ? TOKEN : undefined;
  },
  certificate: () => undefined,
  async presented(request): Promise<Subject> {
    return request.headers.authorization === 'Bearer good' ? { kind: 'token', token: TOKEN } : ANONYMOUS;
  },
  aclChallenge: 'Bearer realm="twitcher"',
};

const authorizer = createAuthorizer({
  registry: { lookup: async (name: string) => SERVICES.get(name) },
  credentials,
  publicOperations: buildPublicOperations({}),
  limits: { maxBytes: 64 * 1024, maxDepth: 32 },
});

interface Row {
  name: string;
  method: string;
  /** After /ows/{proxy|verify}/ */
  target: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** The proxy's outcome: 'allow', or the refusal's HTTP status and code. */
  proxy: 'allow' | [number, string];
  /** /verify's outcome, when it differs (it never sees the body). */
  verify?: 'allow' | [number, string];
}

const xml = { 'content-type': 'text/xml' };
const ROWS: Row[] = [
  { name: 'GetCapabilities by KVP', method: 'GET', target: `emu?${CAPS_QUERY}`, proxy: 'allow' },
  {
    name: 'Execute by KVP without a token',
    method: 'GET',
    target: 'emu?service=WPS&request=Execute&version=1.0.0&identifier=hello',
    proxy: [401, 'authentication_required'],
  },
  {
    name: 'Execute by KVP with a token',
    method: 'GET',
    target: 'emu?service=WPS&request=Execute&version=1.0.0&identifier=hello',
    headers: { authorization: 'Bearer good' },
    proxy: 'allow',
  },
  {
    name: 'GetCapabilities document posted',
    method: 'POST',
    target: 'emu',
    headers: xml,
    body: GETCAPS,
    proxy: 'allow',
    verify: [401, 'authentication_required'],
  },
  ...['application/octet-stream', 'application/json', 'multipart/form-data; boundary=x', 'image/png', ''].map(
    (type): Row => ({
      name: `Execute body labelled "${type}" under a query without request`,
      method: 'POST',
      target: 'emu?service=WPS',
      headers: type ? { 'content-type': type } : {},
      body: EXECUTE,
      proxy: [401, 'authentication_required'],
    }),
  ),
  {
    name: 'Execute body under a GetCapabilities query: the two disagree',
    method: 'POST',
    target: `emu?${CAPS_QUERY}`,
    headers: { 'content-type': 'application/octet-stream' },
    body: EXECUTE,
    proxy: [400, 'invalid_parameter'],
    verify: [401, 'authentication_required'],
  },
  {
    name: 'Execute body gzip-encoded under a plain query',
    method: 'POST',
    target: 'emu?service=WPS',
    headers: { 'content-type': 'text/xml', 'content-encoding': 'gzip' },
    body: gzipSync(EXECUTE),
    proxy: [401, 'authentication_required'],
  },
  {
    name: 'GetCapabilities body gzip-encoded (the allowed twin)',
    method: 'POST',
    target: 'emu',
    headers: { 'content-type': 'text/xml', 'content-encoding': 'gzip' },
    body: gzipSync(GETCAPS),
    proxy: 'allow',
    verify: [401, 'authentication_required'],
  },
  {
    name: 'an unknown content coding',
    method: 'POST',
    target: 'emu',
    headers: { 'content-encoding': 'compress' },
    body: GETCAPS,
    proxy: [415, 'unsupported_media_type'],
    verify: [401, 'authentication_required'],
  },
  {
    name: 'a JSON body: unidentified, needs the token',
    method: 'POST',
    target: `emu?${CAPS_QUERY}`,
    headers: { 'content-type': 'application/json' },
    body: '{"process":"hello"}',
    proxy: [401, 'authentication_required'],
  },
  {
    name: 'a JSON body with a token',
    method: 'POST',
    target: `emu?${CAPS_QUERY}`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer good' },
    body: '{"process":"hello"}',
    proxy: 'allow',
  },
  ...['GET', 'HEAD', 'DELETE'].map(
    (method): Row => ({
      name: `${method} with a body`,
      method,
      target: `emu?${CAPS_QUERY}`,
      headers: xml,
      body: EXECUTE,
      proxy: [400, 'invalid_request'],
    }),
  ),
  {
    name: 'PATCH with an Execute body under a GetCapabilities query',
    method: 'PATCH',
    target: 'emu?service=WPS',
    headers: xml,
    body: EXECUTE,
    proxy: [401, 'authentication_required'],
  },
  {
    name: 'POST without a body under a GetCapabilities query (nginx auth_request)',
    method: 'POST',
    target: `emu?${CAPS_QUERY}`,
    headers: { 'content-length': '0' },
    proxy: 'allow',
    verify: [401, 'authentication_required'],
  },
  {
    name: 'a public service takes any body',
    method: 'POST',
    target: 'open',
    headers: { 'content-type': 'application/octet-stream' },
    body: EXECUTE,
    proxy: 'allow',
  },
  {
    name: 'a certificate service refuses an unidentified body without a certificate',
    method: 'POST',
    target: 'certs',
    body: '\u0000\u0001',
    proxy: [401, 'authentication_required'],
  },
  {
    name: 'a non-OWS service pipes its body unread: judged by method and path',
    method: 'POST',
    target: 'files/pub/a.nc',
    headers: { 'content-type': 'application/octet-stream' },
    body: EXECUTE,
    proxy: [401, 'authentication_required'],
  },
  {
    name: 'a body larger than the bound',
    method: 'POST',
    target: 'emu',
    headers: xml,
    body: `${GETCAPS}${' '.repeat(64 * 1024)}`,
    proxy: [413, 'payload_too_large'],
    verify: [401, 'authentication_required'],
  },
  {
    name: 'gzip that decodes past the bound',
    method: 'POST',
    target: 'emu',
    headers: { 'content-type': 'text/xml', 'content-encoding': 'gzip' },
    body: gzipSync(`${GETCAPS}${' '.repeat(200 * 1024)}`),
    proxy: [413, 'payload_too_large'],
    verify: [401, 'authentication_required'],
  },
  {
    name: 'an unknown service',
    method: 'GET',
    target: `nope?${CAPS_QUERY}`,
    proxy: [404, 'service_not_found'],
  },
];

function request(row: Row, surface: 'proxy' | 'verify'): AuthorizeRequest {
  const body = row.body === undefined ? undefined : Buffer.from(row.body);
  const headers: Record<string, string> = { ...row.headers };
  if (body !== undefined) headers['content-length'] = String(body.length);
  return {
    method: row.method,
    url: `/ows/${surface}/${row.target}`,
    headers,
    ip: '127.0.0.1',
    socket: new Socket(),
    log: { info() {}, warn() {} },
    readBody:
      surface === 'proxy'
        ? async (max: number) => {
            const b = body ?? Buffer.alloc(0);
            if (b.length > max) throw Object.assign(new Error('too large'), { code: 'payload_too_large' });
            return b;
          }
        : undefined,
  };
}

async function outcome(row: Row, surface: 'proxy' | 'verify'): Promise<'allow' | [number, string]> {
  try {
    const auth = await authorizer.authorize(request(row, surface), `/ows/${surface}`);
    return auth.decision.allow ? 'allow' : [auth.decision.status, auth.decision.code];
  } catch (err) {
    if (isTwitcherError(err)) return [err.status, err.code];
    if ((err as { code?: string }).code === 'payload_too_large') return [413, 'payload_too_large'];
    throw err;
  }
}

describe('authorize: one decision for /ows/proxy and /ows/verify', () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      assert.deepEqual(await outcome(row, 'proxy'), row.proxy, 'proxy');
      assert.deepEqual(await outcome(row, 'verify'), row.verify ?? row.proxy, 'verify');
    });
  }

  it('/verify never allows what the proxy refuses, on every row', async () => {
    for (const row of ROWS) {
      const [p, v] = [await outcome(row, 'proxy'), await outcome(row, 'verify')];
      if (p !== 'allow') assert.notEqual(v, 'allow', row.name);
    }
  });

  it('the body forwarded is the one judged: decoded, without the access_token form field', async () => {
    const gz = await authorizer.authorize(
      request(
        {
          name: '',
          method: 'POST',
          target: 'emu',
          headers: { 'content-type': 'text/xml', 'content-encoding': 'gzip' },
          body: gzipSync(GETCAPS),
          proxy: 'allow',
        },
        'proxy',
      ),
      '/ows/proxy',
    );
    assert.equal(gz.body?.toString(), GETCAPS);
    const form = await authorizer.authorize(
      request(
        {
          name: '',
          method: 'POST',
          target: 'emu',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'service=WPS&request=Execute&version=1.0.0&identifier=hello&access_token=good',
          proxy: 'allow',
        },
        'proxy',
      ),
      '/ows/proxy',
    );
    assert.equal(form.decision.allow, false, 'the form token is not looked at: Bearer header only here');
    assert.equal(form.body?.toString(), 'service=WPS&request=Execute&version=1.0.0&identifier=hello');
  });
});

describe('verifyMethods: what /ows/verify judges, every one of which must be allowed', () => {
  const rows: [string, string, Record<string, string>, string[]][] = [
    ['nginx subrequest naming GET', 'GET', { 'x-original-method': 'GET' }, ['GET!']],
    ['nginx subrequest naming POST', 'GET', { 'x-original-method': 'post' }, ['GET', 'POST!']],
    ["Traefik's X-Forwarded-Method", 'GET', { 'x-forwarded-method': 'PUT' }, ['GET', 'PUT!']],
    ['a GET naming nothing may stand for a POST', 'GET', {}, ['GET', 'POST?']],
    ['an empty name is no name', 'GET', { 'x-original-method': ' ' }, ['GET', 'POST?']],
    [
      'a POST is judged as a POST whatever it names',
      'POST',
      { 'x-original-method': 'GET' },
      ['POST', 'GET!'],
    ],
    ['a HEAD naming nothing is a HEAD', 'HEAD', {}, ['HEAD']],
  ];
  for (const [name, method, headers, expected] of rows) {
    it(name, () => {
      const got = verifyMethods(method, headers).map(
        (m) => `${m.method}${m.unknown ? '?' : ''}${m.named ? '!' : ''}`,
      );
      assert.deepEqual(got, expected);
    });
  }
});
