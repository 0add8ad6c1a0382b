/** `auth: acl` with client certificates: a certificate acts for the user registered with its DN. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeCA, makeEEC, makeProxy, type TestCert } from '../helpers/certs.js';
import { httpsGet, tlsListenerSettings } from '../helpers/https.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-acl-certs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const EXECUTE = 'service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name%3Dx';

let alice: TestCert;
let bob: TestCert;
let upstream: Upstream;
let app: TestApp;

before(async () => {
  const ca = await makeCA('Users CA');
  alice = await makeEEC(ca, 'alice');
  bob = await makeEEC(ca, 'bob');
  upstream = await startUpstream(undefined);
  app = await startTestApp(undefined, { overrides: await tlsListenerSettings(dir, ca) });
  await app.store.services.create({
    name: 'emu',
    url: `${upstream.url}/wps`,
    type: 'wps',
    purl: '',
    auth: 'acl',
    verify: true,
    passTokenData: false,
    certSubjects: [],
    limits: {},
  });
  // the DN written in the other form than the certificate's RFC 4514 string: still the same subject
  await app.store.users.create({
    username: 'alice',
    passwordHash: 'x',
    isAdmin: false,
    certificateDN: '/C=XX/O=Twitcher Test/OU=Users/CN=alice',
  });
  await app.store.permissions.grant({
    grantee: { user: 'alice' },
    service: 'emu',
    permission: 'execute',
    access: 'allow',
    scope: 'recursive',
  });
});
after(async () => {
  await app?.close();
  await upstream?.close();
});

describe('auth: acl with client certificates', () => {
  test("a certificate with a user's DN acts for that user", async () => {
    const res = await httpsGet(`${app.url}/ows/proxy/emu?${EXECUTE}`, { certs: [alice], key: alice });
    assert.equal(res.status, 200, res.body);
  });

  test("an RFC 3820 proxy of the user's certificate stands for it", async () => {
    const proxy = await makeProxy(alice);
    const res = await httpsGet(`${app.url}/ows/proxy/emu?${EXECUTE}`, { certs: [proxy, alice], key: proxy });
    assert.equal(res.status, 200, res.body);
  });

  test('a valid certificate of no user is authenticated, and refused with 403', async () => {
    const res = await httpsGet(`${app.url}/ows/proxy/emu?${EXECUTE}`, { certs: [bob], key: bob });
    assert.equal(res.status, 403);
    assert.match(res.body, /ExceptionReport/);
  });

  test('no credential: 401 with a Bearer challenge', async () => {
    const res = await httpsGet(`${app.url}/ows/proxy/emu?${EXECUTE}`);
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
  });

  test('the audit log names the user', async () => {
    await httpsGet(`${app.url}/ows/proxy/emu?${EXECUTE}`, { certs: [alice], key: alice });
    await app.app.inject({ method: 'GET', url: '/audit', headers: { authorization: app.adminAuth } });
    const { records } = await app.store.audit.query({ limit: 10, user: 'alice' });
    assert.ok(records.length > 0);
    assert.equal(records[0]?.subject, 'user:alice');
  });
});
