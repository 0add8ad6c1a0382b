/**
 * X.509 bench (part of `npm run bench`, or alone: `node --import tsx bench/x509.bench.ts`):
 * - logon throughput of the certificate service with the built-in CA (wrk, HTTP Basic + a PEM CSR,
 *   a certificate issued and recorded per request; goal ≥ 300 certificates/s), for each CA key type;
 * - the cost of a client certificate on Twitcher's TLS listener: new TLS connections per second, each
 *   carrying one proxied request, without a client certificate (public operation), with an
 *   end-entity certificate and with an RFC 3820 proxy chain (Execute on an `auth: cert` service).
 * Loopback only; Twitcher from dist/; everything stopped at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCA, makeCert, makeEEC, makeProxy, privateKeyPem, type TestCert } from '../test/helpers/certs.js';
import { freePort, type Managed, Supervisor, waitForHTTP } from './lib/processes.js';
import { twitcherServeArgs } from './lib/twitcher-command.js';
import { runWrk, writeFormPostScript } from './lib/wrk.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DURATION = Number.parseInt(process.env['BENCH_X509_DURATION'] ?? '4', 10);
const PASSWORD = 'bench-x509-admin-password';
const ADMIN = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const HANDSHAKE_CONCURRENCY = 4;

interface LogonResult {
  keyType: string;
  perSec: number;
  p99Ms: number;
  errors: number;
}

interface HandshakeResult {
  what: string;
  perSec: number;
  failures: number;
}

function twitcherEnv(port: number, dir: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    TWITCHER_PORT: String(port),
    TWITCHER_DATABASE_URL: `sqlite:${join(dir, `tw-${port}.sqlite`)}`,
    TWITCHER_ADMIN_PASSWORD: PASSWORD,
    TWITCHER_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** New TLS connections, one GET each, `concurrency` at a time for `seconds`. */
async function handshakes(
  url: string,
  client: { cert: string; key: string } | undefined,
  seconds: number,
): Promise<{ perSec: number; failures: number }> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let failures = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent: false, rejectUnauthorized: false, ...client }, (res) => {
        if (res.statusCode !== 200) failures++;
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end();
    });
  const start = Date.now();
  await Promise.all(
    Array.from({ length: HANDSHAKE_CONCURRENCY }, async () => {
      while (Date.now() < end) {
        await one();
        done++;
      }
    }),
  );
  return { perSec: (done * 1000) / (Date.now() - start), failures };
}

async function main(): Promise<void> {
  const sup = new Supervisor();
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-x509-bench-'));
  const logons: LogonResult[] = [];
  const shakes: HandshakeResult[] = [];
  const stop = async () => {
    await sup.stopAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    // --- logon throughput
    execFileSync(
      'openssl',
      [
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=bench',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'req.pem'),
      ],
      { stdio: 'ignore' },
    );
    const csr = readFileSync(join(dir, 'req.pem'), 'utf8');
    for (const keyType of ['ec-p256', 'rsa-3072']) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const tw: Managed = sup.start(
        'twitcher',
        process.execPath,
        twitcherServeArgs(),
        twitcherEnv(port, dir, {
          TWITCHER_CERTS_CA_DIR: join(dir, `ca-${keyType}`),
          TWITCHER_CERTS_CA_KEY_TYPE: keyType,
          TWITCHER_CERTS_MAX_FAILURES: '10000',
        }),
      );
      await waitForHTTP(`${base}/health`, tw, 30_000);
      const created = await fetch(`${base}/users`, {
        method: 'POST',
        headers: { authorization: ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-bench-password' }),
      });
      if (created.status !== 201) throw new Error(`cannot create the bench user: ${created.status}`);
      const basic = `Basic ${Buffer.from('alice:alice-bench-password').toString('base64')}`;
      const body = `certificate_request=${encodeURIComponent(csr)}`;
      const script = writeFormPostScript(join(dir, `logon-${keyType}.lua`), body, basic);
      const r = await runWrk(sup, {
        url: `${base}/myproxy/logon`,
        threads: 1,
        connections: 16,
        durationSec: DURATION,
        script,
      });
      logons.push({ keyType, perSec: r.requestsPerSec, p99Ms: r.p99Ms, errors: r.non2xx });
      tw.proc.kill('SIGTERM');
      await tw.exited;
      process.stderr.write(`x509 bench: logon with a ${keyType} CA done\n`);
    }

    // --- client certificate handshakes on the TLS listener
    const ca = await makeCA('Bench Users CA', { key: 'rsa' });
    const user = await makeEEC(ca, 'alice', { key: 'rsa' });
    const proxy = await makeProxy(user, { key: 'rsa' });
    const server = await makeCert({ subject: [{ CN: ['localhost'] }], key: 'rsa' });
    writeFileSync(join(dir, 'server.pem'), server.pem);
    writeFileSync(join(dir, 'server.key'), await privateKeyPem(server.key), { mode: 0o600 });
    writeFileSync(join(dir, 'users-ca.pem'), ca.pem);
    const sinkPort = await freePort();
    const sink = sup.start('upstream', process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench/lib/sink-server.ts'),
      String(sinkPort),
    ]);
    await waitForHTTP(`http://127.0.0.1:${sinkPort}/`, sink, 10_000);
    const port = await freePort();
    const tw = sup.start(
      'twitcher',
      process.execPath,
      twitcherServeArgs(),
      twitcherEnv(port, dir, {
        TWITCHER_TLS_CERT_FILE: join(dir, 'server.pem'),
        TWITCHER_TLS_KEY_FILE: join(dir, 'server.key'),
        TWITCHER_CLIENT_CERTS_CA_FILE: join(dir, 'users-ca.pem'),
        TWITCHER_CERTS_BACKEND: 'off',
      }),
    );
    const base = `https://127.0.0.1:${port}`;
    // waitForHTTP speaks plain HTTP: poll the TLS listener ourselves
    for (let i = 0; ; i++) {
      const up = await handshakes(`${base}/health`, undefined, 0.05).catch(() => ({
        perSec: 0,
        failures: 1,
      }));
      if (up.perSec > 0 && up.failures === 0) break;
      if (i > 200 || tw.proc.exitCode !== null) throw new Error('Twitcher (TLS) did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise<void>((resolve, reject) => {
      const req = request(
        `${base}/services`,
        {
          method: 'POST',
          rejectUnauthorized: false,
          headers: { authorization: ADMIN, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201 ? resolve() : reject(new Error(`register: ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ name: 'wps', url: `http://127.0.0.1:${sinkPort}/wps`, auth: 'cert' }));
    });
    const pem = (certs: TestCert[]) => certs.map((c) => c.pem.trim()).join('\n');
    const cases: [string, string, { cert: string; key: string } | undefined][] = [
      ['no client certificate (GetCapabilities)', 'service=WPS&request=GetCapabilities', undefined],
      [
        'end-entity certificate (Execute)',
        'service=WPS&request=Execute&version=1.0.0&identifier=hello',
        { cert: pem([user]), key: await privateKeyPem(user.key) },
      ],
      [
        'RFC 3820 proxy chain (Execute)',
        'service=WPS&request=Execute&version=1.0.0&identifier=hello',
        { cert: pem([proxy, user]), key: await privateKeyPem(proxy.key) },
      ],
    ];
    for (const [what, query, client] of cases) {
      const r = await handshakes(`${base}/ows/proxy/wps?${query}`, client, DURATION);
      shakes.push({ what, ...r });
    }
  } finally {
    await stop();
  }

  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');
  const plain = shakes[0]?.perSec ?? Number.NaN;
  const lines = [
    '### X.509',
    '',
    `Logon (certificate service, built-in CA): wrk -t1 -c16 -d${DURATION}s, HTTP Basic + RSA 2048 CSR, a certificate issued and recorded per request (goal ≥ 300/s).`,
    '',
    '| CA key | certificates/s | p99 ms | errors |',
    '|---|---:|---:|---:|',
    ...logons.map((l) => `| ${l.keyType} | ${f(l.perSec)} | ${f(l.p99Ms, 1)} | ${l.errors} |`),
    '',
    `Client certificates on the TLS listener: a new TLS connection per request (RSA 2048 keys, no session resumption), ${HANDSHAKE_CONCURRENCY} at a time for ${DURATION}s; client and server share the machine.`,
    '',
    '| client presents | connections/s | vs none | failures |',
    '|---|---:|---:|---:|',
    ...shakes.map((s) => `| ${s.what} | ${f(s.perSec)} | ${f(s.perSec / plain, 2)}× | ${s.failures} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`x509 bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
