/**
 * The MyProxy client against Debian's real myproxy-server (scripts/peers/myproxy/start.sh), in
 * stored-credential mode and in online-CA mode, over TLS 1.2 and TLS 1.3.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TwitcherError } from '../../../src/errors.js';
import { myproxyGetTrustRoots, myproxyLogon } from '../../../src/pki/myproxy/index.js';
import { type MyProxyPeer, startMyProxy } from '../../helpers/myproxy.js';
import { requirePeer } from '../../helpers/peers.js';
import { freePort } from '../../helpers/ports.js';

function csrDER(): { der: Buffer; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-mpcsr-'));
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    writeFileSync(join(dir, 'k.pem'), keyPem, { mode: 0o600 });
    const der = execFileSync('openssl', [
      'req',
      '-new',
      '-key',
      join(dir, 'k.pem'),
      '-subj',
      '/CN=ignored',
      '-outform',
      'DER',
    ]);
    return { der, keyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, detail?: RegExp): Promise<TwitcherError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => {
      caught = err;
    },
  );
  assert.ok(caught instanceof TwitcherError, `not a TwitcherError: ${String(caught)}`);
  assert.equal(caught.code, code, `${caught.code}: ${caught.description} (${caught.detail})`);
  if (detail) assert.match(caught.detail ?? '', detail);
  return caught;
}

function myproxyProcesses(stateDir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`${stateDir}/myproxy-server.config`) && !/\sZ/.test(l));
}

test('MyProxy client against the real myproxy-server', { timeout: 180_000 }, async (t) => {
  if (!requirePeer(t, 'myproxy')) return;
  const peer: MyProxyPeer = await startMyProxy();
  const e = peer.env;
  const stateDir = e['MYPROXY_STATE_DIR'] as string;
  t.after(async () => {
    await peer.stop();
    assert.deepEqual(myproxyProcesses(stateDir), [], 'a myproxy-server of this test is still running');
  });
  const base = {
    host: e['MYPROXY_HOST'] as string,
    port: Number(e['MYPROXY_PORT']),
    serverName: e['MYPROXY_SERVERNAME'] as string,
    caCerts: readFileSync(e['MYPROXY_CA_CERT'] as string, 'utf8'),
    timeoutMs: 15_000,
  };
  const caCert = new X509Certificate(readFileSync(e['MYPROXY_CA_CERT'] as string));
  const userCert = new X509Certificate(readFileSync(e['MYPROXY_USER_CERT'] as string));
  const { der } = csrDER();

  await t.test('listens on 127.0.0.1 only', (tt) => {
    let listing: string;
    try {
      listing = execFileSync('ss', ['-ltn'], { encoding: 'utf8' });
    } catch {
      tt.skip('ss (iproute2) not available');
      return;
    }
    const lines = listing.split('\n').filter((l) => l.includes(`:${e['MYPROXY_PORT']} `));
    assert.ok(lines.length > 0);
    for (const l of lines) assert.match(l, /\s127\.0\.0\.1:\d+\s/);
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    const tls = { minVersion: version, maxVersion: version };

    await t.test(`${version}: stored credential → a new RFC 3820 proxy + the user certificate`, async () => {
      const certs = await myproxyLogon({
        ...base,
        ...tls,
        username: e['MYPROXY_USER'] as string,
        passphrase: e['MYPROXY_PASSPHRASE'] as string,
        lifetimeSeconds: 3600,
        csrDER: der,
      });
      assert.equal(certs.length, 2);
      const [proxy, eec] = certs.map((c) => new X509Certificate(c)) as [X509Certificate, X509Certificate];
      assert.equal(eec.fingerprint256, userCert.fingerprint256);
      assert.equal(proxy.issuer, eec.subject);
      assert.match(proxy.subject, new RegExp(`^${eec.subject.replace(/\n/g, '\\n')}\\nCN=\\d+$`));
      assert.ok(proxy.verify(eec.publicKey));
      assert.ok(eec.verify(caCert.publicKey));
      // RFC 3820 proxyCertInfo (1.3.6.1.5.5.7.1.14), DER OID bytes
      assert.ok(proxy.raw.includes(Buffer.from('06082b0601050507010e', 'hex')));
      const lifetime = (Date.parse(proxy.validTo) - Date.now()) / 1000;
      assert.ok(lifetime > 3000 && lifetime <= 3600 + 60, `lifetime ${lifetime}`);
    });

    await t.test(`${version}: online-CA mode → one certificate from the CA`, async (tt) => {
      if (!e['MYPROXY_CA_USER']) {
        tt.skip('CA mode needs root');
        return;
      }
      const certs = await myproxyLogon({
        ...base,
        ...tls,
        username: e['MYPROXY_CA_USER'],
        passphrase: e['MYPROXY_CA_PASSPHRASE'] as string,
        lifetimeSeconds: 7200,
        csrDER: der,
      });
      assert.equal(certs.length, 1);
      const cert = new X509Certificate(certs[0] as Buffer);
      assert.equal(cert.issuer, caCert.subject);
      assert.match(cert.subject, new RegExp(`CN=${e['MYPROXY_CA_USER']}$`));
      assert.ok(cert.verify(caCert.publicKey));
      assert.equal(cert.ca, false);
    });
  }

  await t.test('wrong passphrase → invalid_credentials with the server text in detail', async () => {
    const err = await rejectsWith(
      myproxyLogon({
        ...base,
        username: e['MYPROXY_USER'] as string,
        passphrase: 'wrong-pass-1',
        lifetimeSeconds: 60,
        csrDER: der,
      }),
      'invalid_credentials',
      /Bad password|invalid credential passphrase/,
    );
    assert.equal(err.status, 401);
    assert.doesNotMatch(err.description, /Bad password/); // the server text stays private
    if (e['MYPROXY_CA_USER']) {
      await rejectsWith(
        myproxyLogon({
          ...base,
          username: e['MYPROXY_CA_USER'],
          passphrase: 'wrong-pass-1',
          lifetimeSeconds: 60,
          csrDER: der,
        }),
        'invalid_credentials',
        /PAM authentication failed/,
      );
    }
  });

  await t.test('unknown user → invalid_credentials', async () => {
    await rejectsWith(
      myproxyLogon({
        ...base,
        username: 'nobody-here',
        passphrase: 'whatever-1',
        lifetimeSeconds: 60,
        csrDER: der,
      }),
      'invalid_credentials',
      /unknown username|No credentials exist/,
    );
  });

  await t.test('a user name with a newline is refused before connecting', async () => {
    // a listener that counts connections: nothing may reach it
    let connections = 0;
    const srv = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      for (const username of ['mpuser\nLIFETIME=99999', 'mp\ruser', 'mp\0user', 'mpuser=x']) {
        await rejectsWith(
          myproxyLogon({
            ...base,
            port,
            username,
            passphrase: 'x-pass-12',
            lifetimeSeconds: 60,
            csrDER: der,
          }),
          'invalid_request',
        );
      }
      await rejectsWith(
        myproxyLogon({
          ...base,
          port,
          username: 'mpuser',
          passphrase: 'p\nLIFETIME=1',
          lifetimeSeconds: 60,
          csrDER: der,
        }),
        'invalid_request',
      );
      assert.equal(connections, 0);
    } finally {
      srv.close();
    }
  });

  await t.test('trust roots: <hash>.0 and the signing policy', async () => {
    const files = await myproxyGetTrustRoots(base);
    const hash = execFileSync(
      'openssl',
      ['x509', '-in', e['MYPROXY_CA_CERT'] as string, '-noout', '-subject_hash'],
      {
        encoding: 'utf8',
      },
    ).trim();
    const names = files.map((f) => f.name).sort();
    assert.deepEqual(names, [`${hash}.0`, `${hash}.signing_policy`]);
    const root = files.find((f) => f.name === `${hash}.0`);
    assert.equal(new X509Certificate(root?.data as Buffer).fingerprint256, caCert.fingerprint256);
  });

  await t.test('server identity: serverDN instead of the name; a wrong name is refused', async () => {
    const certs = await myproxyLogon({
      ...base,
      serverName: undefined,
      serverDN: e['MYPROXY_SERVER_DN'] as string,
      username: e['MYPROXY_USER'] as string,
      passphrase: e['MYPROXY_PASSPHRASE'] as string,
      lifetimeSeconds: 600,
      csrDER: der,
    });
    assert.equal(certs.length, 2);
    await rejectsWith(
      myproxyGetTrustRoots({ ...base, serverName: 'myproxy.example.org' }),
      'myproxy_failed',
      /not for myproxy\.example\.org/,
    );
  });

  await t.test('server down → upstream_unreachable', async () => {
    const port = await freePort();
    await rejectsWith(
      myproxyLogon({
        ...base,
        port,
        username: 'mpuser',
        passphrase: 'mpuser-pass-1',
        lifetimeSeconds: 60,
        csrDER: der,
      }),
      'upstream_unreachable',
      /ECONNREFUSED/,
    );
  });
});

test('MyProxy client against a stored-credential-only server (no CA)', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, 'myproxy')) return;
  const peer = await startMyProxy({ caMode: false });
  const stateDir = peer.env['MYPROXY_STATE_DIR'] as string;
  t.after(async () => {
    await peer.stop();
    assert.deepEqual(myproxyProcesses(stateDir), []);
  });
  const e = peer.env;
  await rejectsWith(
    myproxyLogon({
      host: e['MYPROXY_HOST'] as string,
      port: Number(e['MYPROXY_PORT']),
      serverName: 'localhost',
      caCerts: [readFileSync(e['MYPROXY_CA_CERT'] as string)],
      username: 'nobody-here',
      passphrase: 'whatever-1',
      lifetimeSeconds: 60,
      csrDER: csrDER().der,
      timeoutMs: 15_000,
    }),
    'invalid_credentials',
    /No credentials exist/,
  );
  assert.equal(e['MYPROXY_PAM_FILE'], undefined);
});
