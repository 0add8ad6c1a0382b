/**
 * scripts/myproxy-ws-get-trustroots.sh and scripts/myproxy-ws-logon.sh (bash + curl + openssl)
 * against a real Twitcher with the built-in CA: the written certificate chains to the fetched trust
 * roots and matches the written key; refusals exit non-zero with the server's line and write nothing.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestApp, type TestApp } from '../helpers/app.js';

const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));
const GET_TRUSTROOTS = join(SCRIPTS, 'myproxy-ws-get-trustroots.sh');
const LOGON = join(SCRIPTS, 'myproxy-ws-logon.sh');
const PASSWORD = 'alice-pass "with\\ quotes\' and: colon';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script with a minimal environment (no X509_CERT_DIR of the developer's) and `input` on stdin. */
function run(script: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  return new Promise<Run>((resolve, reject) => {
    const child = execFile(
      'bash',
      [script, ...args],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: dir, ...opts.env },
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(err);
        else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
    // A script that exits at once (a usage error) may close its stdin before it is written.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

const openssl = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'twitcher-shell-clients-'));
const home = join(dir, 'home');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('MyProxyWebService-style shell clients against the built-in CA', () => {
  let app: TestApp;
  let base: string;
  before(async () => {
    app = await startTestApp(undefined, { caDir: join(dir, 'ca') });
    base = `${app.url}/myproxy`;
    const res = await fetch(`${app.url}/users`, {
      method: 'POST',
      headers: { authorization: app.adminAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: PASSWORD }),
    });
    assert.equal(res.status, 201);
  });
  after(() => app.close());

  test('get-trustroots writes <hash>.0 and the signing policy; logon writes cert + key (0600) that verify', async () => {
    const certDir = join(dir, 'certificates');
    const tr = await run(GET_TRUSTROOTS, ['-b', `${base}/`, '-d', certDir]);
    assert.equal(tr.code, 0, tr.stderr);
    const files = readdirSync(certDir).sort();
    assert.equal(files.length, 2);
    const root = files.find((f) => f.endsWith('.0')) as string;
    assert.ok(root && files.includes(root.replace(/\.0$/, '.signing_policy')), files.join(' '));
    const rootFile = join(certDir, root);
    assert.equal(openssl(['x509', '-in', rootFile, '-noout', '-subject_hash']).trim(), root.slice(0, -2));
    assert.deepEqual(tr.stdout.trim().split('\n').sort(), files.map((f) => join(certDir, f)).sort());

    const out = join(dir, 'x509up');
    const r = await run(LOGON, ['-b', base, '-U', 'alice', '-S', '-t', '2', '-o', out], {
      input: `${PASSWORD}\n`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /has been written to/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const text = readFileSync(out, 'utf8');
    // certificate first, then the key, as myproxy-logon writes them
    assert.match(
      text,
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----/,
    );
    assert.match(openssl(['verify', '-CAfile', rootFile, out]), /: OK/);
    assert.match(openssl(['verify', '-CApath', certDir, out]), /: OK/);
    const certKey = openssl(['x509', '-in', out, '-noout', '-pubkey']);
    const key = openssl(['pkey', '-in', out, '-pubout']);
    assert.equal(certKey, key);
    assert.match(openssl(['x509', '-in', out, '-noout', '-subject']), /CN\s*=\s*alice/);
    const end = Date.parse(
      openssl(['x509', '-in', out, '-noout', '-enddate'])
        .trim()
        .replace(/^notAfter=/, ''),
    );
    const hours = (end - Date.now()) / 3_600_000;
    assert.ok(hours > 1.9 && hours <= 2.01, `lifetime ${hours} h`);
  });

  test('X509_CERT_DIR is the default directory of get-trustroots', async () => {
    const certDir = join(dir, 'env-certs');
    const tr = await run(GET_TRUSTROOTS, ['-b', base], { env: { X509_CERT_DIR: certDir } });
    assert.equal(tr.code, 0, tr.stderr);
    assert.equal(readdirSync(certDir).length, 2);
  });

  test('wrong password, unknown user: non-zero exit with the server line, no output file', async () => {
    const issued = (await app.store.certificates.listByUser('alice')).length;
    for (const [user, password] of [
      ['alice', 'wrong-password'],
      ['mallory', PASSWORD],
    ] as const) {
      const out = join(dir, `refused-${user}`);
      const r = await run(LOGON, ['-b', base, '-U', user, '-S', '-o', out], { input: `${password}\n` });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /answered HTTP 401: Bad username or password/);
      assert.equal(existsSync(out), false);
    }
    assert.equal((await app.store.certificates.listByUser('alice')).length, issued);
    // no temporary files left behind either
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('.x509up') || f.startsWith('myproxy-ws-')),
      [],
    );
  });

  test('an existing output file is replaced only on success', async () => {
    const out = join(dir, 'x509up-existing');
    let r = await run(LOGON, ['-b', base, '-U', 'alice', '-S', '-o', out], { input: `${PASSWORD}\n` });
    assert.equal(r.code, 0, r.stderr);
    const first = readFileSync(out, 'utf8');
    r = await run(LOGON, ['-b', base, '-U', 'alice', '-S', '-o', out], { input: 'wrong\n' });
    assert.equal(r.code, 1);
    assert.equal(readFileSync(out, 'utf8'), first);
  });

  test('server down: non-zero exit naming the URL', async () => {
    const r = await run(GET_TRUSTROOTS, ['-b', 'http://127.0.0.1:1/myproxy', '-d', join(dir, 'none')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:1\/myproxy\/get-trustroots/);
    assert.equal(existsSync(join(dir, 'none')), false);
  });

  test('usage errors exit 2 with the usage text', async () => {
    for (const [script, args, why] of [
      [LOGON, ['-U', 'alice', '-S'], /base URL \(-b\) is required/],
      [LOGON, ['-b', base, '-S'], /user name \(-U\) is required/],
      [LOGON, ['-b', base, '-U', 'alice', '-t', '1.5'], /whole number of hours/],
      [LOGON, ['-b', base, '-U', 'a:b'], /cannot contain ":"/],
      [GET_TRUSTROOTS, [], /base URL \(-b\) is required/],
      [GET_TRUSTROOTS, ['-x'], /unknown option -x/],
    ] as const) {
      const r = await run(script, [...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /^Usage: /m);
    }
    const help = await run(LOGON, ['-h']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: myproxy-ws-logon\.sh -b URL -U USER/);
  });
});
