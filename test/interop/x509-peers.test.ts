/**
 * X.509 end to end with real peers: a user logs on to Twitcher's certificate service with the shell
 * clients (bash, curl and openssl, as MyProxyWebService's own), makes an RFC 3820 proxy certificate from the
 * result with Debian's grid-proxy-init, and executes a process of the real PyWPS on an `auth: cert`
 * service — through Twitcher's TLS listener, through nginx passing TLS through, and (with the
 * end-entity certificate: nginx refuses proxies itself) through nginx in header mode. Refusals:
 * self-signed, expired, other CA, naming-rule-breaking proxy, a subject the service's patterns
 * exclude, a spoofed header from an address that is not the front proxy's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createUser } from '../../src/users/users.js';
import { startTestApp } from '../helpers/app.js';
import { makeCA, makeCert, makeEEC, privateKeyPem, type TestCert } from '../helpers/certs.js';
import { writeServerCertificate } from '../helpers/https.js';
import { renderNginxSnippet, startNginx } from '../helpers/nginx.js';
import { requirePeer, runOWSLib, startPyWPS } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';

const run = promisify(execFile);
const EXECUTE =
  'service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name%3DX509&RawDataOutput=output';

/** curl as the user's client: the HTTP status and body (never throws on an HTTP error). */
async function curl(url: string, args: string[] = []): Promise<{ status: number; body: string }> {
  const { stdout } = await run(
    'curl',
    ['-sS', '-k', '--max-time', '60', '-w', '\n%{http_code}', ...args, url],
    {
      maxBuffer: 8 * 1024 * 1024,
    },
  );
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

test('X.509 end to end: logon, an RFC 3820 proxy, Execute on real PyWPS via TLS, nginx passthrough and header mode', async (t) => {
  if (!requirePeer(t, 'pywps') || !requirePeer(t, 'myproxy') || !requirePeer(t, 'nginx')) return;
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-x509-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string, mode = 0o644) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode });
    return p;
  };

  const wps = await startPyWPS();
  t.after(() => wps.stop());

  const { certFile: serverCert, keyFile: serverKey } = await writeServerCertificate(dir);
  const caDir = join(dir, 'ca');
  // Twitcher with its own TLS listener and the built-in CA
  const tw = await startTestApp(t, {
    caDir,
    overrides: {
      'tls.certFile': serverCert,
      'tls.keyFile': serverKey,
      'certs.caDir': caDir,
      'certs.caKeyType': 'rsa-3072',
    },
  });
  await createUser(tw.store.users, { username: 'alice', password: 'alice-password-1' });
  const service = {
    url: wps.url,
    type: 'wps' as const,
    purl: '',
    verify: true,
    passTokenData: false,
    limits: {},
  };
  await tw.store.services.create({ ...service, name: 'emu', auth: 'cert', certSubjects: [] });
  await tw.store.services.create({
    ...service,
    name: 'esgf',
    auth: 'cert',
    certSubjects: ['/O=Twitcher/OU=Users/CN=bob'],
  });

  // --- get-trustroots and logon with the MyProxyWebService-style shell clients (bash, curl, openssl)
  const trust = join(dir, 'certificates');
  const scripts = new URL('../../scripts/', import.meta.url).pathname;
  await run('bash', [
    join(scripts, 'myproxy-ws-get-trustroots.sh'),
    '-b',
    `${tw.url}/myproxy`,
    '-d',
    trust,
    '-k',
  ]);
  const credential = join(dir, 'credential.pem');
  const logon = (password: string) =>
    new Promise<number | null>((resolve) => {
      const child = execFile(
        'bash',
        [
          join(scripts, 'myproxy-ws-logon.sh'),
          '-b',
          `${tw.url}/myproxy`,
          '-U',
          'alice',
          '-S',
          '-o',
          credential,
          '-k',
        ],
        () => {},
      );
      child.on('exit', resolve);
      child.stdin?.end(`${password}\n`);
    });
  assert.equal(await logon('not-her-password'), 1);
  assert.equal(await logon('alice-password-1'), 0);
  // certificate then key in one file, as myproxy-logon writes it; openssl splits it for the tools
  const userCert = file('usercert.pem', (await run('openssl', ['x509', '-in', credential])).stdout);
  file('userkey.pem', (await run('openssl', ['pkey', '-in', credential])).stdout, 0o600);
  await run('openssl', ['verify', '-CApath', trust, userCert]);

  // --- an RFC 3820 proxy certificate, made by Globus' own tool from the issued certificate
  const proxyFile = join(dir, 'x509up');
  await run(
    'grid-proxy-init',
    [
      '-rfc',
      '-q',
      '-valid',
      '1:00',
      '-cert',
      userCert,
      '-key',
      join(dir, 'userkey.pem'),
      '-certdir',
      trust,
      '-out',
      proxyFile,
    ],
    { env: { ...process.env, X509_CERT_DIR: trust } },
  );
  const proxyInfo = await run('openssl', [
    'x509',
    '-in',
    proxyFile,
    '-noout',
    '-subject',
    '-ext',
    'proxyCertInfo',
  ]);
  assert.match(proxyInfo.stdout, /CN = alice, CN = \d+/);
  assert.match(proxyInfo.stdout, /Path Length Constraint|Policy Language/i);
  const asProxy = ['--cert', proxyFile, '--key', proxyFile];
  const asUser = ['--cert', userCert, '--key', join(dir, 'userkey.pem')];

  await t.test(
    'through the TLS listener: open capabilities, Execute with the proxy, 401 without',
    async () => {
      const caps = await curl(`${tw.url}/ows/proxy/emu?service=WPS&request=GetCapabilities`);
      assert.equal(caps.status, 200);
      assert.match(caps.body, /wps:Capabilities/);
      const ok = await curl(`${tw.url}/ows/proxy/emu?${EXECUTE}`, asProxy);
      assert.equal(ok.status, 200, ok.body);
      assert.equal(ok.body, 'Hello X509');
      const eec = await curl(`${tw.url}/ows/proxy/emu?${EXECUTE}`, asUser);
      assert.equal(eec.body, 'Hello X509');
      const none = await curl(`${tw.url}/ows/proxy/emu?${EXECUTE}`);
      assert.equal(none.status, 401);
      assert.match(none.body, /ExceptionReport/);
    },
  );

  await t.test(
    'OWSLib presents the proxy certificate (cert=) and runs hello; without it, 401',
    async (st) => {
      if (!requirePeer(st, 'owslib')) return;
      const url = `${tw.url}/ows/proxy/emu`;
      const run = await runOWSLib([
        'wps',
        url,
        '--cert',
        proxyFile,
        '--insecure',
        '--steps',
        'caps,describe,hello',
      ]);
      assert.deepEqual(
        run.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.error}`),
        [],
        run.stderr,
      );
      const without = await runOWSLib(['wps', url, '--insecure', '--steps', 'hello', '--expect-fail']);
      assert.ok(
        without.steps[0]?.requests.some((r) => r.status === 401),
        JSON.stringify(without.steps),
      );
    },
  );

  await t.test('refused: self-signed, expired, other CA, broken naming, excluded subject', async () => {
    const ca = readFileSync(join(caDir, 'ca-cert.pem'), 'utf8');
    assert.match(ca, /BEGIN CERTIFICATE/);
    const self = await makeCert({ subject: [{ O: ['Twitcher'] }, { OU: ['Users'] }, { CN: ['alice'] }] });
    const otherCA = await makeCA('Twitcher Online CA');
    const stranger = await makeEEC(otherCA, 'alice');
    const expired = await makeEEC(otherCA, 'old', { notAfter: new Date(Date.now() - 3_600_000) });
    const client = async (name: string, chain: TestCert[], key: TestCert) => {
      const pem = file(`${name}.pem`, chain.map((c) => c.pem.trim()).join('\n'));
      const k = file(`${name}.key`, await privateKeyPem(key.key), 0o600);
      return ['--cert', pem, '--key', k];
    };
    // a proxy whose subject is not its issuer's plus one CN, signed with the real user key
    const badName = join(dir, 'bad-proxy.pem');
    writeFileSync(join(dir, 'pci.cnf'), '[p]\nproxyCertInfo=critical,language:id-ppl-inheritAll\n');
    await run('openssl', [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/O=Elsewhere/CN=alice/CN=123',
      '-keyout',
      join(dir, 'bad.key'),
      '-out',
      join(dir, 'bad.csr'),
    ]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      join(dir, 'bad.csr'),
      '-CA',
      userCert,
      '-CAkey',
      join(dir, 'userkey.pem'),
      '-set_serial',
      '123',
      '-days',
      '1',
      '-extfile',
      join(dir, 'pci.cnf'),
      '-extensions',
      'p',
      '-out',
      badName,
    ]);
    writeFileSync(badName, readFileSync(badName, 'utf8') + readFileSync(userCert, 'utf8'));
    const cases: [string, string[], number, RegExp][] = [
      ['self-signed', await client('self', [self], self), 401, /trust/i],
      ['another CA', await client('stranger', [stranger], stranger), 401, /trust|signature/i],
      ['expired', await client('expired', [expired], expired), 401, /expired|trust/i],
      ['naming rule', ['--cert', badName, '--key', join(dir, 'bad.key')], 401, /subject|nam/i],
    ];
    for (const [what, args, status, why] of cases) {
      const res = await curl(`${tw.url}/ows/proxy/emu?${EXECUTE}`, args);
      assert.equal(res.status, status, `${what}: ${res.body}`);
      assert.match(res.body, why, what);
    }
    const excluded = await curl(`${tw.url}/ows/proxy/esgf?${EXECUTE}`, asProxy);
    assert.equal(excluded.status, 403);
    assert.match(excluded.body, /CN=alice/);
  });

  await t.test('through nginx passing TLS through (proxy certificates intact)', async (st) => {
    if (!requirePeer(st, 'nginx-stream')) return;
    const listen = await freePort();
    const twPort = new URL(tw.url).port;
    await startNginx(st, {
      top: renderNginxSnippet('client-certificates-passthrough.conf', {
        TWITCHER: `127.0.0.1:${twPort}`,
        LISTEN: `127.0.0.1:${listen}`,
      }),
      ports: [listen],
    });
    const ok = await curl(`https://127.0.0.1:${listen}/ows/proxy/emu?${EXECUTE}`, asProxy);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.body, 'Hello X509');
    const none = await curl(`https://127.0.0.1:${listen}/ows/proxy/emu?${EXECUTE}`);
    assert.equal(none.status, 401);
  });

  await t.test('through nginx in header mode; a spoofed header from elsewhere is refused', async (st) => {
    // a second Twitcher, plain HTTP behind nginx, same CA; nginx connects from 127.0.0.2
    const behind = await startTestApp(st, {
      caDir,
      overrides: {
        'certs.caDir': caDir,
        'certs.caKeyType': 'rsa-3072',
        'clientCerts.header': 'X-SSL-Client-Cert',
        'clientCerts.headerFrom': ['127.0.0.2'],
        'server.trustProxy': ['127.0.0.2'],
      },
    });
    await behind.store.services.create({ ...service, name: 'emu', auth: 'cert', certSubjects: [] });
    const listen = await freePort();
    await startNginx(st, {
      http: renderNginxSnippet('client-certificates-header.conf', {
        TWITCHER: `127.0.0.1:${new URL(behind.url).port}`,
        LISTEN: `127.0.0.1:${listen}`,
        SERVER_CERT: serverCert,
        SERVER_KEY: serverKey,
        BIND: '127.0.0.2',
      }),
      ports: [listen],
    });
    const front = `https://127.0.0.1:${listen}/ows/proxy/emu`;
    const ok = await curl(`${front}?${EXECUTE}`, asUser);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.body, 'Hello X509');
    const none = await curl(`${front}?${EXECUTE}`);
    assert.equal(none.status, 401);
    const caps = await curl(`${front}?service=WPS&request=GetCapabilities`);
    assert.equal(caps.status, 200);
    // nginx's OpenSSL refuses RFC 3820 proxies even with optional_no_ca (and would forward only the
    // leaf): nginx answers 400 itself — the reason for the passthrough configuration
    const proxy = await curl(`${front}?${EXECUTE}`, asProxy);
    assert.equal(proxy.status, 400);
    assert.match(proxy.body, /SSL certificate error/);
    // straight to Twitcher from 127.0.0.1 (not nginx's address) with a forged header and nginx's old trust-me header
    const escaped = encodeURIComponent(readFileSync(userCert, 'utf8'));
    const spoofed = await curl(`${behind.url}/ows/proxy/emu?${EXECUTE}`, [
      '-H',
      `X-SSL-Client-Cert: ${escaped}`,
      '-H',
      'X-SSL-Client-Verify: SUCCESS',
    ]);
    assert.equal(spoofed.status, 401);
  });
});
