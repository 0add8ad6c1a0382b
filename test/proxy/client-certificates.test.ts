/**
 * `auth: cert` services: client certificates through Twitcher's own TLS listener (RFC 3820 proxies
 * included) and from a trusted front proxy's header. Certificates are made in the test; the upstream
 * is a tiny in-process one (the real PyWPS run is in test/interop/x509-peers.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeCA, makeCert, makeEEC, makeProxy, type TestCert } from '../helpers/certs.js';
import { httpsGet, tlsListenerSettings } from '../helpers/https.js';
import { registerService } from '../helpers/register.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-client-certs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const EXECUTE = 'service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name%3Dx';
const CAPS = 'service=WPS&request=GetCapabilities';

let ca: TestCert;
let otherCA: TestCert;
let alice: TestCert;
let bob: TestCert;
let upstream: Upstream;
let app: TestApp;

before(async () => {
  ca = await makeCA('Users CA');
  otherCA = await makeCA('Users CA'); // same name, another key
  alice = await makeEEC(ca, 'alice');
  bob = await makeEEC(ca, 'bob');
  upstream = await startUpstream(undefined);
  app = await startTestApp(undefined, {
    overrides: {
      ...(await tlsListenerSettings(dir, ca)),
      'clientCerts.delegationHeader': 'X-X509-User-Chain',
    },
  });
  const base = {
    url: `${upstream.url}/wps`,
    type: 'wps' as const,
    purl: '',
    verify: true,
    passTokenData: false,
    limits: {},
  };
  await app.store.services.create({ ...base, name: 'emu', auth: 'cert', certSubjects: [] });
  await app.store.services.create({
    ...base,
    name: 'esgf',
    auth: 'cert',
    certSubjects: ['/C=XX/O=Twitcher Test/OU=Users/CN=alice'],
  });
});
after(async () => {
  await app?.close();
  await upstream?.close();
});

const emu = (query: string) => `${app.url}/ows/proxy/emu?${query}`;

describe('auth: cert through the TLS listener', () => {
  test('GetCapabilities stays open without a certificate', async () => {
    const res = await httpsGet(emu(CAPS));
    assert.equal(res.status, 200);
  });

  test('Execute without a certificate: 401 ExceptionReport with a ClientCertificate challenge', async () => {
    const before = upstream.seen.length;
    const res = await httpsGet(emu(EXECUTE));
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^ClientCertificate/);
    assert.match(res.body, /ExceptionReport/);
    assert.match(res.body, /needs a client certificate/);
    assert.equal(upstream.seen.length, before, 'nothing reached the upstream');
  });

  test('Execute with an end-entity certificate of a trusted CA is forwarded, with the chain delegated', async () => {
    const res = await httpsGet(emu(EXECUTE), { certs: [alice], key: alice });
    assert.equal(res.status, 200, res.body);
    const seen = upstream.seen.at(-1);
    assert.match(seen?.url ?? '', /request=Execute/);
    const delegated = decodeURIComponent(String(seen?.headers['x-x509-user-chain']));
    assert.equal(delegated.trim(), alice.pem.trim());
  });

  test('an RFC 3820 proxy (and a proxy of a proxy) stands for its end-entity certificate', async () => {
    const proxy = await makeProxy(alice);
    const res = await httpsGet(emu(EXECUTE), { certs: [proxy, alice], key: proxy });
    assert.equal(res.status, 200, res.body);
    const proxy2 = await makeProxy(proxy);
    const res2 = await httpsGet(emu(EXECUTE), { certs: [proxy2, proxy, alice], key: proxy2 });
    assert.equal(res2.status, 200, res2.body);
  });

  const refused: [string, () => Promise<{ certs: TestCert[]; key: TestCert }>, RegExp][] = [
    [
      'a self-signed certificate',
      async () => {
        const self = await makeCert({ subject: [{ CN: ['mallory'] }] });
        return { certs: [self], key: self };
      },
      /trust/i,
    ],
    [
      'an expired certificate',
      async () => {
        const old = await makeEEC(ca, 'carol', {
          notBefore: new Date(Date.now() - 2 * 86_400_000),
          notAfter: new Date(Date.now() - 86_400_000),
        });
        return { certs: [old], key: old };
      },
      /expired/i,
    ],
    [
      'a certificate of another CA with the same name',
      async () => {
        const eve = await makeEEC(otherCA, 'alice');
        return { certs: [eve], key: eve };
      },
      /trust|signature/i,
    ],
    [
      'a proxy breaking the naming rule',
      async () => {
        const bad = await makeProxy(alice, {
          subject: [{ O: ['Elsewhere'] }, { CN: ['alice'] }, { CN: ['1'] }],
        });
        return { certs: [bad, alice], key: bad };
      },
      /subject|nam/i,
    ],
    [
      'an independent proxy (inherits no right)',
      async () => {
        const ind = await makeProxy(alice, { language: '1.3.6.1.5.5.7.21.2' });
        return { certs: [ind, alice], key: ind };
      },
      /independent/i,
    ],
  ];
  for (const [what, make, reason] of refused) {
    test(`${what} is refused: 401 naming the rule, nothing forwarded`, async () => {
      const client = await make();
      const before = upstream.seen.length;
      const res = await httpsGet(emu(EXECUTE), client);
      assert.equal(res.status, 401, res.body);
      assert.match(res.body, /ExceptionReport/);
      assert.match(res.body, reason);
      assert.equal(upstream.seen.length, before);
    });
  }

  test('subject patterns: alice may use esgf, bob gets 403', async () => {
    const ok = await httpsGet(`${app.url}/ows/proxy/esgf?${EXECUTE}`, { certs: [alice], key: alice });
    assert.equal(ok.status, 200, ok.body);
    const proxy = await makeProxy(alice);
    const viaProxy = await httpsGet(`${app.url}/ows/proxy/esgf?${EXECUTE}`, {
      certs: [proxy, alice],
      key: proxy,
    });
    assert.equal(viaProxy.status, 200, viaProxy.body);
    const no = await httpsGet(`${app.url}/ows/proxy/esgf?${EXECUTE}`, { certs: [bob], key: bob });
    assert.equal(no.status, 403);
    assert.match(no.body, /not open to the certificate subject "\/C=XX\/O=Twitcher Test\/OU=Users\/CN=bob"/);
  });

  test('a spoofed X-Ssl-Client-Verify or delegation header gains nothing and is never passed on', async () => {
    const forged = { 'X-Ssl-Client-Verify': 'SUCCESS', 'X-X509-User-Chain': 'forged' };
    const res = await httpsGet(emu(EXECUTE), undefined, forged);
    assert.equal(res.status, 401);
    const ok = (await httpsGet(emu(EXECUTE), { certs: [alice], key: alice }, forged)).status;
    assert.equal(ok, 200);
    assert.notEqual(upstream.seen.at(-1)?.headers['x-x509-user-chain'], 'forged');
  });
});

describe('auth: cert behind a TLS-terminating front proxy (header mode)', () => {
  const header = (cert: TestCert) => encodeURIComponent(cert.pem);

  test('the header is believed from a configured front proxy address', async (t) => {
    const front = await startTestApp(t, {
      overrides: {
        'clientCerts.caFile': join(dir, 'client-ca.pem'),
        'clientCerts.header': 'X-SSL-Client-Cert',
        'clientCerts.headerFrom': ['127.0.0.1'],
      },
    });
    await registerService(front, { name: 'emu', url: `${upstream.url}/wps`, auth: 'cert' });
    const ok = await fetch(`${front.url}/ows/proxy/emu?${EXECUTE}`, {
      headers: { 'X-SSL-Client-Cert': header(alice) },
    });
    assert.equal(ok.status, 200, await ok.text());
    assert.equal(upstream.seen.at(-1)?.headers['x-ssl-client-cert'], undefined, 'not passed upstream');

    const self = await makeCert({ subject: [{ CN: ['mallory'] }] });
    const bad = await fetch(`${front.url}/ows/proxy/emu?${EXECUTE}`, {
      headers: { 'X-SSL-Client-Cert': header(self) },
    });
    assert.equal(bad.status, 401);
    const garbage = await fetch(`${front.url}/ows/proxy/emu?${EXECUTE}`, {
      headers: { 'X-SSL-Client-Cert': '-----BEGIN%20CERTIFICATE-----%0AAAA' },
    });
    assert.equal(garbage.status, 401);
    assert.match(await garbage.text(), /certificate/i);
  });

  test('from any other address the header is ignored: 401, and it never reaches the upstream', async (t) => {
    const front = await startTestApp(t, {
      overrides: {
        'clientCerts.caFile': join(dir, 'client-ca.pem'),
        'clientCerts.header': 'X-SSL-Client-Cert',
        'clientCerts.headerFrom': ['10.1.2.3'],
      },
    });
    await registerService(front, { name: 'emu', url: `${upstream.url}/wps`, auth: 'cert' });
    const res = await fetch(`${front.url}/ows/proxy/emu?${EXECUTE}`, {
      headers: { 'X-SSL-Client-Cert': header(alice), 'X-Ssl-Client-Verify': 'SUCCESS' },
    });
    assert.equal(res.status, 401);
    const caps = await fetch(`${front.url}/ows/proxy/emu?${CAPS}`, {
      headers: { 'X-SSL-Client-Cert': header(alice) },
    });
    assert.equal(caps.status, 200);
    assert.equal(upstream.seen.at(-1)?.headers['x-ssl-client-cert'], undefined);
  });

  test('a token is not a certificate: an auth=cert service answers 401 to a bearer token', async (t) => {
    const front = await startTestApp(t, { overrides: { 'clientCerts.caFile': join(dir, 'client-ca.pem') } });
    await registerService(front, { name: 'emu', url: `${upstream.url}/wps`, auth: 'cert' });
    const res = await fetch(`${front.url}/ows/proxy/emu?${EXECUTE}`, {
      headers: { authorization: 'Bearer tw_whatever' },
    });
    assert.equal(res.status, 401);
  });

  test('the registry refuses DN patterns on a non-cert service and bad patterns', async (t) => {
    const front = await startTestApp(t);
    for (const body of [
      { url: `${upstream.url}/wps`, auth: 'token', certSubjects: ['/O=ESGF/*'] },
      { url: `${upstream.url}/wps`, auth: 'cert', certSubjects: ['no equals sign'] },
      { url: `${upstream.url}/wps`, auth: 'cert', certSubjects: '/O=ESGF/*' },
    ]) {
      const res = await fetch(`${front.url}/services`, {
        method: 'POST',
        headers: { authorization: front.adminAuth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.match(await res.text(), /certSubjects/);
    }
  });
});
