/**
 * The certificate service with `certs.backend: myproxy`: Twitcher's get-trustroots and logon served
 * by Debian's real myproxy-server (scripts/peers/myproxy/start.sh), in stored-credential mode and in
 * MyProxy CA mode; and, without the peer, what must fail before or instead of the wire: bad settings,
 * a user name that could inject protocol lines, a server that is down or does not answer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { StartupError } from '../../src/app/startup-error.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { start } from '../../src/main.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { type MyProxyPeer, startMyProxy } from '../helpers/myproxy.js';
import { requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-certsvc-mp-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** An RSA key and a PEM CSR made with openssl, as a MyProxyWebService client does. */
function makeCSR(kind: 'rsa' | 'ec' = 'rsa'): { csrPEM: string; publicKey: string } {
  const keyFile = join(dir, `key-${n++}.pem`);
  const { privateKey, publicKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const csrPEM = execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', '/CN=ignored'], {
    encoding: 'utf8',
  });
  return { csrPEM, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

/** A throwaway self-signed CA certificate (PEM file), for configurations that never get that far. */
function someCAFile(): string {
  const file = join(dir, `ca-${n++}.pem`);
  const pem = execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      '/CN=Some CA',
      '-days',
      '1',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  writeFileSync(file, pem);
  return file;
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const form = (csr: string, extra = '') => `certificate_request=${encodeURIComponent(csr)}${extra}`;
const logon = (app: TestApp, auth: string, body: string) =>
  fetch(`${app.url}/myproxy/logon`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    body,
  });

/** The PEM certificates of a response body, in order. */
function certificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? []).map(
    (c) => new X509Certificate(c),
  );
}

function myproxySettings(e: Record<string, string>, extra: Record<string, unknown> = {}) {
  return {
    'certs.backend': 'myproxy',
    'certs.myproxy.host': e['MYPROXY_HOST'],
    'certs.myproxy.port': Number(e['MYPROXY_PORT']),
    'certs.myproxy.caFile': e['MYPROXY_CA_CERT'],
    'certs.myproxy.timeout': '15s',
    ...extra,
  };
}

describe('certificate service, MyProxy backend, against the real myproxy-server', () => {
  let peer: MyProxyPeer | undefined;
  after(() => peer?.stop());

  test('logon, trust roots, refusals', { timeout: 180_000 }, async (t) => {
    if (!requirePeer(t, 'myproxy')) return;
    peer = await startMyProxy();
    const e = peer.env;
    const app = await startTestApp(t, { overrides: myproxySettings(e) });
    const caCert = new X509Certificate(readFileSync(e['MYPROXY_CA_CERT'] as string));
    const userCert = new X509Certificate(readFileSync(e['MYPROXY_USER_CERT'] as string));

    await t.test('stored credential → a new proxy certificate + the stored user certificate', async () => {
      const { csrPEM, publicKey } = makeCSR();
      const res = await logon(
        app,
        basic(e['MYPROXY_USER'] as string, e['MYPROXY_PASSPHRASE'] as string),
        form(csrPEM, '&lifetime=3600'),
      );
      const body = await res.text();
      assert.equal(res.status, 200, body);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(body, /^-----BEGIN CERTIFICATE-----/);
      const chain = certificates(body);
      assert.equal(chain.length, 2);
      const [proxy, eec] = chain as [X509Certificate, X509Certificate];
      assert.equal(eec.fingerprint256, userCert.fingerprint256);
      assert.equal(proxy.issuer, eec.subject);
      assert.ok(proxy.verify(eec.publicKey));
      assert.ok(eec.verify(caCert.publicKey));
      assert.equal(proxy.publicKey.export({ type: 'spki', format: 'pem' }), publicKey);
      const lifetime = (Date.parse(proxy.validTo) - Date.now()) / 1000;
      assert.ok(lifetime > 3000 && lifetime <= 3660, `lifetime ${lifetime}`);
      // Twitcher's own user store plays no part, and keeps no record of MyProxy's certificates
      assert.equal(await app.store.users.get(e['MYPROXY_USER'] as string), undefined);
      assert.deepEqual(await app.store.certificates.listByUser(e['MYPROXY_USER'] as string), []);
    });

    await t.test('MyProxy CA mode → one end-entity certificate from the CA', async (tt) => {
      if (!e['MYPROXY_CA_USER']) {
        tt.skip('CA mode needs root (PAM)');
        return;
      }
      const { csrPEM, publicKey } = makeCSR();
      const res = await logon(
        app,
        basic(e['MYPROXY_CA_USER'], e['MYPROXY_CA_PASSPHRASE'] as string),
        form(csrPEM),
      );
      const body = await res.text();
      assert.equal(res.status, 200, body);
      const chain = certificates(body);
      assert.equal(chain.length, 1);
      const cert = chain[0] as X509Certificate;
      assert.equal(cert.issuer, caCert.subject);
      assert.match(cert.subject, new RegExp(`CN=${e['MYPROXY_CA_USER']}$`));
      assert.ok(cert.verify(caCert.publicKey));
      assert.equal(cert.ca, false);
      assert.equal(cert.publicKey.export({ type: 'spki', format: 'pem' }), publicKey);
    });

    await t.test('wrong passphrase, unknown user → 401 with WWW-Authenticate, nothing issued', async () => {
      const { csrPEM } = makeCSR();
      for (const [user, pass] of [
        [e['MYPROXY_USER'] as string, 'wrong-pass-1'],
        ['nobody-here', 'whatever-1'],
        ...(e['MYPROXY_CA_USER'] ? [[e['MYPROXY_CA_USER'], 'wrong-pass-1'] as const] : []),
      ] as const) {
        const res = await logon(app, basic(user, pass), form(csrPEM));
        const body = await res.text();
        assert.equal(res.status, 401, `${user}: ${body}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
        assert.equal(res.headers.get('x-twitcher-error'), 'invalid_credentials');
        assert.doesNotMatch(body, /BEGIN CERTIFICATE/);
      }
    });

    await t.test('a user name or passphrase with CR, LF or NUL → 400', async () => {
      const { csrPEM } = makeCSR();
      for (const [user, pass] of [
        ['mpuser\r\nLIFETIME=99999', 'x-pass-12'],
        ['mp\0user', 'x-pass-12'],
        [e['MYPROXY_USER'] as string, `${e['MYPROXY_PASSPHRASE']}\nLIFETIME=1`],
      ]) {
        const res = await logon(app, basic(user as string, pass as string), form(csrPEM));
        assert.equal(res.status, 400, await res.text());
        assert.equal(res.headers.get('x-twitcher-error'), 'invalid_request');
      }
    });

    await t.test('get-trustroots → the server CA certificate and its signing policy', async () => {
      const res = await fetch(`${app.url}/myproxy/get-trustroots`);
      const body = await res.text();
      assert.equal(res.status, 200, body);
      const files = new Map(
        body
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), Buffer.from(l.slice(l.indexOf('=') + 1), 'base64')]),
      );
      const hash = execFileSync(
        'openssl',
        ['x509', '-in', e['MYPROXY_CA_CERT'] as string, '-noout', '-subject_hash'],
        {
          encoding: 'utf8',
        },
      ).trim();
      assert.deepEqual([...files.keys()].sort(), [`${hash}.0`, `${hash}.signing_policy`]);
      assert.equal(
        new X509Certificate(files.get(`${hash}.0`) as Buffer).fingerprint256,
        caCert.fingerprint256,
      );
    });

    await t.test('serverDN: the configured DN is accepted, another refused (502)', async (tt) => {
      const good = await startTestApp(tt, {
        overrides: myproxySettings(e, { 'certs.myproxy.serverDN': e['MYPROXY_SERVER_DN'] }),
      });
      assert.equal((await fetch(`${good.url}/myproxy/get-trustroots`)).status, 200);
      const bad = await startTestApp(tt, {
        overrides: myproxySettings(e, {
          'certs.myproxy.serverDN': 'CN=host/myproxy.example.org,O=Elsewhere',
        }),
      });
      const res = await fetch(`${bad.url}/myproxy/get-trustroots`);
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('x-twitcher-error'), 'myproxy_failed');
    });

    await t.test('failed logons are limited for this backend too (429)', async (tt) => {
      const limited = await startTestApp(tt, { overrides: myproxySettings(e, { 'certs.maxFailures': 2 }) });
      const { csrPEM } = makeCSR();
      const user = e['MYPROXY_USER'] as string;
      for (let i = 0; i < 2; i++)
        assert.equal((await logon(limited, basic(user, `wrong-${i}`), form(csrPEM))).status, 401);
      const res = await logon(limited, basic(user, e['MYPROXY_PASSPHRASE'] as string), form(csrPEM));
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.equal(res.headers.get('x-twitcher-error'), 'too_many_failures');
    });
  });
});

describe('certificate service, MyProxy backend, without a MyProxy server', () => {
  test('settings: backend myproxy needs a host and a CA file', () => {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { 'certs.backend': 'myproxy' } }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => /certs\.myproxy\.host/.test(p)) &&
        err.problems.some((p) => /certs\.myproxy\.caFile/.test(p)),
    );
    const config = loadConfig({
      env: {
        TWITCHER_CERTS_MYPROXY_HOST: 'myproxy.example.org',
        TWITCHER_CERTS_MYPROXY_CA_FILE: '/etc/ca.pem',
      },
      overrides: { 'certs.backend': 'myproxy', 'certs.myproxy.timeout': '5s' },
    });
    assert.deepEqual(config.certs.myproxy, {
      host: 'myproxy.example.org',
      port: 7512,
      caFile: '/etc/ca.pem',
      serverDN: undefined,
      timeout: 5000,
    });
  });

  test('start refuses an unreadable CA file or a malformed server DN', async () => {
    const base = {
      'database.url': 'sqlite::memory:',
      'server.port': 0,
      'admin.password': 'test-admin-password-0',
      'log.level': 'silent',
      'certs.backend': 'myproxy',
      'certs.myproxy.host': '127.0.0.1',
    };
    await assert.rejects(
      start({ env: {}, overrides: { ...base, 'certs.myproxy.caFile': join(dir, 'missing.pem') } }),
      (err: unknown) => err instanceof StartupError && /cannot read certs\.myproxy\.caFile/.test(err.message),
    );
    await assert.rejects(
      start({
        env: {},
        overrides: { ...base, 'certs.myproxy.caFile': someCAFile(), 'certs.myproxy.serverDN': 'not a DN' },
      }),
      (err: unknown) => err instanceof StartupError && /serverDN/.test(err.message),
    );
  });

  /** A TCP listener that counts connections and either closes them or keeps them silent. */
  async function listener(mode: 'close' | 'silent'): Promise<{ port: number; connections: () => number }> {
    let count = 0;
    const sockets = new Set<Socket>();
    const srv: Server = createServer((s) => {
      count++;
      sockets.add(s);
      if (mode === 'close') s.destroy();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    after(() => {
      for (const s of sockets) s.destroy();
      srv.close();
    });
    return { port: (srv.address() as { port: number }).port, connections: () => count };
  }

  const settings = (port: number, extra: Record<string, unknown> = {}) => ({
    'certs.backend': 'myproxy',
    'certs.myproxy.host': '127.0.0.1',
    'certs.myproxy.port': port,
    'certs.myproxy.caFile': caFile,
    ...extra,
  });
  const caFile = someCAFile();

  test('CR, LF or NUL in the user name or passphrase → 400 before anything reaches the wire', async (t) => {
    const srv = await listener('close');
    const app = await startTestApp(t, { overrides: settings(srv.port) });
    const { csrPEM } = makeCSR();
    for (const [user, pass] of [
      ['mpuser\nLIFETIME=99999', 'x-pass-12'],
      ['mp\ruser', 'x-pass-12'],
      ['mp\0user', 'x-pass-12'],
      ['mpuser', 'p\r\nCOMMAND=7'],
    ]) {
      const res = await logon(app, basic(user as string, pass as string), form(csrPEM));
      assert.equal(res.status, 400, JSON.stringify(user));
      assert.match(await res.text(), /MyProxy (user name|passphrase) contains/);
    }
    assert.equal(srv.connections(), 0);
  });

  test('an EC key → 400 (MyProxy signs RSA keys only), before the wire', async (t) => {
    const srv = await listener('close');
    const app = await startTestApp(t, { overrides: settings(srv.port) });
    const res = await logon(app, basic('mpuser', 'x-pass-12'), form(makeCSR('ec').csrPEM));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-twitcher-error'), 'invalid_csr');
    assert.equal(srv.connections(), 0);
  });

  test('server down (a closed port) → 502 for logon and get-trustroots, not counted as a failed logon', async (t) => {
    const port = await freePort();
    const app = await startTestApp(t, { overrides: settings(port, { 'certs.maxFailures': 1 }) });
    const { csrPEM } = makeCSR();
    for (let i = 0; i < 2; i++) {
      const res = await logon(app, basic('mpuser', 'x-pass-12'), form(csrPEM));
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('x-twitcher-error'), 'upstream_unreachable');
      assert.doesNotMatch(await res.text(), /ECONNREFUSED|127\.0\.0\.1/); // no internals in a 5xx
    }
    const res = await fetch(`${app.url}/myproxy/get-trustroots`);
    assert.equal(res.status, 502);
  });

  test('a server that accepts but does not answer → 504 after certs.myproxy.timeout', async (t) => {
    const srv = await listener('silent');
    const app = await startTestApp(t, { overrides: settings(srv.port, { 'certs.myproxy.timeout': 300 }) });
    // the server never answers: a 504 at all shows the timeout acted
    const res = await logon(app, basic('mpuser', 'x-pass-12'), form(makeCSR().csrPEM));
    assert.equal(res.status, 504);
    assert.equal(res.headers.get('x-twitcher-error'), 'upstream_timeout');
    assert.equal(srv.connections(), 1);
  });

  test('a TLS server with a certificate from another CA → 502', async (t) => {
    // a TLS listener whose certificate the configured CA did not sign
    const { createServer: createTLSServer } = await import('node:tls');
    const keyFile = join(dir, `tls-key-${n}.pem`);
    const certFile = join(dir, `tls-cert-${n++}.pem`);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const srv = createTLSServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (s) =>
      s.destroy(),
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    t.after(() => srv.close());
    const app = await startTestApp(t, { overrides: settings((srv.address() as { port: number }).port) });
    const res = await fetch(`${app.url}/myproxy/get-trustroots`);
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('x-twitcher-error'), 'myproxy_failed');
  });
});
