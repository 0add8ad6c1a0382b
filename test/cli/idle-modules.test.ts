import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// What an idle `twitcher serve` has loaded (issue 12: memory): the parts a deployment does not use —
// the PostgreSQL driver, and X.509 with its ASN.1 libraries when no certificate feature is on — are
// imported only where they are configured. A loader hook records every module the process loads
// (ES modules through the module hooks, CommonJS through require) into a file.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../src/bin/twitcher.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'twitcher-idle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const RECORDER = join(dir, 'record-modules.mjs');
writeFileSync(
  RECORDER,
  `import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
const file = process.env.TWITCHER_TEST_LOADED_FILE;
register(
  'data:text/javascript,' +
    encodeURIComponent(\`import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\\\n'); return next(url, context); }\`),
  import.meta.url,
  { data: { file } },
);
const require = Module.prototype.require;
Module.prototype.require = function (id) {
  const loaded = require.apply(this, arguments);
  try { appendFileSync(file, Module._resolveFilename(id, this) + '\\n'); } catch {}
  return loaded;
};
`,
);

/** Starts `twitcher serve`, waits until it listens and answers, stops it; the modules it loaded. */
async function loadedModules(name: string, env: Record<string, string>): Promise<string[]> {
  const file = join(dir, `${name}.txt`);
  writeFileSync(file, '');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', RECORDER, BIN, 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      TWITCHER_ADMIN_PASSWORD: 'idle-modules-password',
      TWITCHER_PORT: '0',
      TWITCHER_HOST: '127.0.0.1',
      TWITCHER_DATABASE_URL: `sqlite:${join(dir, name, 'tw.sqlite')}`,
      TWITCHER_CERTS_CA_DIR: join(dir, name, 'ca'),
      TWITCHER_TEST_LOADED_FILE: file,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const address = await new Promise<string>((resolve, reject) => {
      // a bound for a hang (test files run side by side on a loaded machine), not a measure
      const timer = setTimeout(() => reject(new Error(`not listening in 90 s\n${out}\n${err}`)), 90_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`twitcher exited before listening\n${out}\n${err}`));
      });
    });
    // idle, after the requests an idle instance gets: its front page and a health check
    assert.equal((await fetch(`${address}/`)).status, 200);
    assert.equal((await fetch(`${address}/health`)).status, 200);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const loadedPackage = (modules: string[], pkg: string) =>
  modules.some((m) => m.includes(`/node_modules/${pkg}/`));
const loadedSource = (modules: string[], path: string) => modules.some((m) => m.includes(`/src/${path}`));

describe('what an idle twitcher serve loads', () => {
  test('SQLite, certificate service off: no PostgreSQL driver, no X.509 or ASN.1 library', async () => {
    const modules = await loadedModules('off', { TWITCHER_CERTS_BACKEND: 'off' });
    // the recording works: what every instance needs is there
    assert.ok(loadedPackage(modules, 'fastify'), 'fastify is not in the recorded modules');
    assert.ok(loadedPackage(modules, 'better-sqlite3'), 'better-sqlite3 is not in the recorded modules');
    for (const pkg of [
      'pg',
      '@peculiar/x509',
      '@peculiar/asn1-x509',
      'reflect-metadata',
      'tsyringe',
      // no rate limit configured: neither the limiter nor a Redis client (about 35 MB between them)
      'rate-limiter-flexible',
      'ioredis',
    ]) {
      assert.equal(loadedPackage(modules, pkg), false, `${pkg} was loaded`);
    }
    for (const path of [
      'pki/x509/certificate.ts',
      'pki/x509/validate-chain.ts',
      'pki/ca/certificate-authority.ts',
      'pki/certificate-service/certificate-service-routes.ts',
      'pki/certificate-service/logon-backend-myproxy.ts',
    ]) {
      assert.equal(loadedSource(modules, path), false, `${path} was loaded`);
    }
  });

  test('SQLite, the built-in CA (the default): X.509 is loaded for it, the PostgreSQL driver is not', async () => {
    const modules = await loadedModules('ca', {});
    assert.ok(loadedPackage(modules, '@peculiar/x509'), 'the CA runs without @peculiar/x509?');
    assert.ok(loadedSource(modules, 'pki/certificate-service/certificate-service-routes.ts'));
    assert.equal(loadedPackage(modules, 'pg'), false, 'pg was loaded');
    assert.equal(loadedSource(modules, 'pki/certificate-service/logon-backend-myproxy.ts'), false);
  });

  test('a rate limit in memory: rate-limiter-flexible is loaded for it, no Redis client', async () => {
    const modules = await loadedModules('limits', {
      TWITCHER_CERTS_BACKEND: 'off',
      TWITCHER_RATELIMIT_ADDRESS: '{"requests": 100, "per": "1m"}',
    });
    assert.ok(loadedPackage(modules, 'rate-limiter-flexible'), 'the limit runs without its library?');
    assert.equal(loadedPackage(modules, 'ioredis'), false, 'ioredis was loaded');
  });
});
