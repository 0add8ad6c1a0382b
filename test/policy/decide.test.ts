/** The coarse policy (public, token, cert) and the public operations, as tables of plain values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOWSRequest } from '../../src/ows/parse-request.js';
import type { OWSRequest, OWSRequestInput } from '../../src/ows/types.js';
import { decide, isPublicOperation } from '../../src/policy/decide.js';
import { buildPublicOperations } from '../../src/policy/public-operations.js';
import { ANONYMOUS, type CertificateIdentity, type Subject } from '../../src/policy/subject.js';
import type { AuthMode } from '../../src/registry/service.js';

const LIMITS = { maxBytes: 65536, maxDepth: 16 };
const defaults = buildPublicOperations({});

function req(query: string, extra: Partial<OWSRequestInput> = {}): OWSRequest {
  return parseOWSRequest({ method: 'GET', query, path: '', serviceType: 'wps', ...extra }, LIMITS);
}

function token(scopes: string[]): Subject {
  return {
    kind: 'token',
    token: { kind: 'random', jti: 'j', clientId: 'c', scopes, issuedAt: 0, expiresAt: 1e12, data: {} },
  };
}

const CERT: CertificateIdentity = {
  subjectDN: 'CN=alice,OU=Users,O=Twitcher',
  subjectDNLegacy: '/O=Twitcher/OU=Users/CN=alice',
  issuerDN: 'CN=CA,O=Twitcher',
  proxy: false,
  limited: false,
  chainPEM: '',
  expiresAt: 1e12,
};

const caps = req('service=WPS&request=GetCapabilities');
const describe_ = req('service=WPS&request=DescribeProcess&version=1.0.0&identifier=hello');
const execute = req('service=WPS&request=Execute&version=1.0.0&identifier=hello');
const vendor = req('service=WPS&request=Reboot&version=1.0.0');
const path = req('', { path: '/outputs/x.nc', serviceType: 'wps' });
const unidentified = req('service=WPS&request=GetCapabilities', {
  method: 'POST',
  body: Buffer.from('{"json": true}'),
});
const hidden = req('service=WPS&request=GetCapabilities', { method: 'POST', body: 'hidden' });

type Expect = 'allow' | `${number} ${string}`;
const ROWS: [string, AuthMode, OWSRequest, Subject, Expect, string[]?][] = [
  ['public service, Execute, anonymous', 'public', execute, ANONYMOUS, 'allow'],
  ['public service, unidentified, anonymous', 'public', unidentified, ANONYMOUS, 'allow'],
  ['GetCapabilities, anonymous', 'token', caps, ANONYMOUS, 'allow'],
  ['DescribeProcess, anonymous', 'token', describe_, ANONYMOUS, 'allow'],
  ['Execute, anonymous', 'token', execute, ANONYMOUS, '401 authentication_required'],
  ['Execute, compute token', 'token', execute, token(['compute']), 'allow'],
  ['Execute, token without compute', 'token', execute, token(['read']), '403 insufficient_scope'],
  ['vendor operation, anonymous', 'token', vendor, ANONYMOUS, '401 authentication_required'],
  ['non-OWS path, anonymous', 'token', path, ANONYMOUS, '401 authentication_required'],
  ['non-OWS path, compute token', 'token', path, token(['compute']), 'allow'],
  ['unidentified body, anonymous', 'token', unidentified, ANONYMOUS, '401 authentication_required'],
  ['unidentified body, compute token', 'token', unidentified, token(['compute']), 'allow'],
  ['unidentified body, token without compute', 'token', unidentified, token([]), '403 insufficient_scope'],
  ['hidden body (verify), anonymous', 'token', hidden, ANONYMOUS, '401 authentication_required'],
  ['Execute, cert service, anonymous', 'cert', execute, ANONYMOUS, '401 authentication_required'],
  [
    'Execute, cert service, a token is no certificate',
    'cert',
    execute,
    token(['compute']),
    '401 authentication_required',
  ],
  [
    'Execute, cert service, any certificate',
    'cert',
    execute,
    { kind: 'certificate', certificate: CERT },
    'allow',
  ],
  [
    'Execute, cert service, matching subject',
    'cert',
    execute,
    { kind: 'certificate', certificate: CERT },
    'allow',
    ['/O=Twitcher/OU=Users/*'],
  ],
  [
    'Execute, cert service, other subject',
    'cert',
    execute,
    { kind: 'certificate', certificate: CERT },
    '403 forbidden',
    ['/O=Twitcher/OU=Admins/*'],
  ],
  [
    'unidentified, cert service, certificate',
    'cert',
    unidentified,
    { kind: 'certificate', certificate: CERT },
    'allow',
  ],
  [
    'Execute, token service, a certificate is no token',
    'token',
    execute,
    { kind: 'certificate', certificate: CERT },
    '401 authentication_required',
  ],
];

describe('decide', () => {
  for (const [name, auth, request, subject, expect, certSubjects] of ROWS) {
    it(`${name} -> ${expect}`, () => {
      const d = decide({
        service: { auth, type: 'wps', ...(certSubjects && { certSubjects }) },
        request,
        subject,
        publicOperations: defaults,
      });
      assert.equal(d.allow ? 'allow' : `${d.status} ${d.code}`, expect);
    });
  }
  it('an unidentified operation is named as such in the refusal', () => {
    const d = decide({
      service: { auth: 'token', type: 'wps' },
      request: unidentified,
      subject: ANONYMOUS,
      publicOperations: defaults,
    });
    assert.equal(d.allow, false);
    if (!d.allow) {
      assert.equal(d.rule, 'unidentified-operation');
      assert.match(d.description, /body is no OWS request/);
    }
  });
});

describe('public operations only at an OWS endpoint', () => {
  // ?service=…&request=GetCapabilities on another path opened it: the upstream serves the path
  const onPath = (type: 'wps' | 'wms' | 'thredds' | 'http' | 'ogcapi', path: string) =>
    decide({
      service: { auth: 'token', type },
      request: req('service=WPS&request=GetCapabilities', { path, serviceType: type }),
      subject: ANONYMOUS,
      publicOperations: defaults,
    }).allow;
  it('GetCapabilities on the endpoint is public (the allowed twin)', () => {
    assert.equal(onPath('wps', ''), true);
    assert.equal(onPath('wps', '/'), true);
  });
  it('the same query on a longer path, or on a service that is no OWS, needs the credential', () => {
    assert.equal(onPath('wps', '/outputs/job.xml'), false);
    assert.equal(onPath('wms', '/peers/ogcapi/collections/cities/items'), false);
    assert.equal(onPath('thredds', '/fileServer/secret.nc'), false);
    assert.equal(onPath('http', '/secret.txt'), false);
    assert.equal(onPath('ogcapi', ''), false);
  });
});

describe('public operations', () => {
  it('the defaults open GetCapabilities and the describe operations, nothing else', () => {
    assert.equal(isPublicOperation(caps, defaults), true);
    assert.equal(isPublicOperation(describe_, defaults), true);
    assert.equal(isPublicOperation(execute, defaults), false);
    assert.equal(isPublicOperation(vendor, defaults), false);
    assert.equal(isPublicOperation(path, defaults), false);
    assert.equal(isPublicOperation(unidentified, defaults), false);
  });
  it('a configured list replaces the defaults of its service only, case-insensitively', () => {
    const ops = buildPublicOperations({ wps: ['getcapabilities'] });
    assert.equal(isPublicOperation(caps, ops), true);
    assert.equal(isPublicOperation(describe_, ops), false);
    const wms = parseOWSRequest(
      {
        method: 'GET',
        query: 'SERVICE=WMS&REQUEST=DescribeLayer&VERSION=1.1.1&LAYERS=a',
        path: '',
        serviceType: 'wms',
      },
      LIMITS,
    );
    assert.equal(isPublicOperation(wms, ops), true);
  });
  it('an empty list closes every operation of the service', () => {
    assert.equal(isPublicOperation(caps, buildPublicOperations({ wps: [] })), false);
  });
});
