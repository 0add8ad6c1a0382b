import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-certsvc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A key and CSR made with the real openssl, as MyProxyWebService's shell client does. */
function makeCSR(bits = 2048): { csrPEM: string; keyFile: string } {
  const keyFile = join(dir, `key-${n}.pem`);
  const csrFile = join(dir, `csr-${n++}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      `rsa:${bits}`,
      '-nodes',
      '-subj',
      '/CN=dummy',
      '-keyout',
      keyFile,
      '-out',
      csrFile,
    ],
    {
      stdio: 'ignore',
    },
  );
  return { csrPEM: readFileSync(csrFile, 'utf8'), keyFile };
}

async function appWithUser(t: Parameters<typeof startTestApp>[0], overrides: Record<string, unknown> = {}) {
  const app = await startTestApp(t, { caDir: join(dir, `ca-${n++}`), overrides });
  const res = await fetch(`${app.url}/users`, {
    method: 'POST',
    headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-password-1' }),
  });
  assert.equal(res.status, 201);
  return app;
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const logon = (app: TestApp, auth: string | undefined, body: string) =>
  fetch(`${app.url}/myproxy/logon`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth && { authorization: auth }) },
    body,
  });
const form = (csr: string) => `certificate_request=${encodeURIComponent(csr)}`;

describe('certificate service (MyProxyWebService-compatible), built-in CA', () => {
  test('get-trustroots: name=base64 lines with the CA certificate and its signing_policy', async (t) => {
    const app = await appWithUser(t);
    const res = await fetch(`${app.url}/myproxy/get-trustroots`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const lines = (await res.text()).split('\n');
    const files = new Map(
      lines.map((l) => [l.slice(0, l.indexOf('=')), Buffer.from(l.slice(l.indexOf('=') + 1), 'base64')]),
    );
    const certName = [...files.keys()].find((k) => k.endsWith('.0'));
    assert.ok(certName && files.has(certName.replace(/\.0$/, '.signing_policy')));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, files.get(certName) ?? '');
    const hash = execFileSync('openssl', ['x509', '-in', caFile, '-noout', '-subject_hash'], {
      encoding: 'utf8',
    }).trim();
    assert.equal(certName, `${hash}.0`);
    assert.equal((await fetch(`${app.url}/myproxy/get-trustroots`, { method: 'POST' })).status, 400);
  });

  test('logon: a user, a CSR from openssl → a certificate for CN=<user> that openssl verifies, recorded', async (t) => {
    const app = await appWithUser(t);
    const { csrPEM, keyFile } = makeCSR();
    const res = await logon(app, basic('alice', 'alice-password-1'), form(csrPEM));
    assert.equal(res.status, 200, await res.clone().text());
    const pem = await res.text();
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject.split('\n').at(-1), 'CN=alice');
    // the certificate is for our key, not one the server made up
    const pub = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout'], { encoding: 'utf8' });
    assert.equal(cert.publicKey.export({ type: 'spki', format: 'pem' }).toString().trim(), pub.trim());
    const roots = (await (await fetch(`${app.url}/myproxy/get-trustroots`)).text()).split('\n');
    const caFile = join(dir, `root-${n++}.pem`);
    writeFileSync(
      caFile,
      Buffer.from((roots.find((l) => /\.0=/.test(l)) ?? '').split('=').slice(1).join('='), 'base64'),
    );
    const certFile = join(dir, `issued-${n++}.pem`);
    writeFileSync(certFile, pem);
    assert.match(
      execFileSync('openssl', ['verify', '-CAfile', caFile, certFile], { encoding: 'utf8' }),
      /OK/,
    );
    const hours = (Date.parse(cert.validTo) - Date.now()) / 3_600_000;
    assert.ok(hours > 11.9 && hours <= 12.01, `lifetime ${hours} h`);
    const issued = await app.store.certificates.listByUser('alice');
    assert.equal(issued.length, 1);
    assert.equal(issued[0]?.serial, cert.serialNumber.toLowerCase().replace(/^0+/, ''));
  });

  test('a CSR posted with unescaped + signs (the base64 arrives with spaces) is still read', async (t) => {
    const app = await appWithUser(t);
    const { csrPEM } = makeCSR();
    const res = await logon(
      app,
      basic('alice', 'alice-password-1'),
      `certificate_request=${csrPEM.replace(/=/g, '%3D')}`,
    );
    assert.equal(res.status, 200);
  });

  test('refused and nothing issued: no credentials, wrong password, unknown user, bad CSRs, GET', async (t) => {
    const app = await appWithUser(t);
    const { csrPEM } = makeCSR();
    let res = await logon(app, undefined, form(csrPEM));
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await logon(app, basic('alice', 'wrong-password'), form(csrPEM))).status, 401);
    assert.equal((await logon(app, basic('mallory', 'alice-password-1'), form(csrPEM))).status, 401);
    const auth = basic('alice', 'alice-password-1');
    for (const body of [
      '',
      'certificate_request=garbage',
      form(csrPEM.slice(0, 200)),
      form(makeCSR(1024).csrPEM),
    ]) {
      res = await logon(app, auth, body);
      assert.equal(res.status, 400, body.slice(0, 40));
      assert.match(await res.text(), /\S/);
    }
    res = await fetch(`${app.url}/myproxy/logon`, { headers: { authorization: auth } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.deepEqual(await app.store.certificates.listByUser('alice'), []);
  });

  test('failed logons are limited per user (429 with Retry-After), and the right password then waits too', async (t) => {
    const app = await appWithUser(t, { 'certs.maxFailures': 3 });
    const { csrPEM } = makeCSR();
    for (let i = 0; i < 3; i++)
      assert.equal((await logon(app, basic('alice', `wrong-${i}`), form(csrPEM))).status, 401);
    const res = await logon(app, basic('alice', 'alice-password-1'), form(csrPEM));
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    // the MyProxyWebService surface: a short text line, the stable code in X-Twitcher-Error
    assert.equal(res.headers.get('x-twitcher-error'), 'too_many_failures');
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), 'Too many failed logons; try again later.\n');
  });
});
