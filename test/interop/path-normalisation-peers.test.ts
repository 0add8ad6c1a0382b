import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { describe, type TestContext, test } from 'node:test';
import { normalizePath } from '../../src/proxy/normalize-path.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startNginx } from '../helpers/nginx.js';
import { PEERS_PYTHON, requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import { rawRequest } from '../helpers/raw-request.js';
import { registerService } from '../helpers/register.js';

/**
 * What real upstreams read from the bytes Twitcher forwards. Twitcher judges a path by the segments
 * of `normalizePath` and forwards the client's bytes unchanged; for every path it accepts, a real
 * nginx (its normalised `$uri`: decoded, dot segments resolved, slashes merged) and a real waitress
 * (PEP 3333 PATH_INFO, and the file a WSGI application would open from it) must resolve exactly the
 * path that was judged. For the paths it refuses, the same servers, asked directly, resolve some of
 * them to another path than their decoded segments say — which is why they are refused.
 *
 * Tomcat and Jetty (`..;/` climbs there) are not installed peers: that row is covered by the table
 * tests of test/proxy/normalize-path.test.ts only.
 */

/** Paths Twitcher accepts (the extra path after /ows/proxy/{name}). */
const ACCEPTED = [
  '',
  '/',
  '/pub/x.nc',
  '/pub/',
  '/pub/a%20b.nc',
  '/pub/caf%C3%A9/%E6%B0%97%E6%B8%A9.nc',
  '/~user/x',
  '/pub/%7Euser',
  '/pub/a+b',
  '/pub/a%2Bb',
  '/d%61ta/x',
  '/ogc/collections/topp:states/items',
  "/pub/a@b!$&'()*,=",
  '/pub/a.b/.hidden/a..b',
  '/pub/x%23y',
  '/pub/x%3Fy',
  '/pub/%20lead',
  '/pub/%E8%B3%87%E6%96%99%EF%BC%8Etxt',
];

/** The path an upstream mounted at `/up` resolves when Twitcher judged `extra`. */
function judged(extra: string): string {
  const { segments, trailingSlash } = normalizePath(extra);
  return `/up${segments.map((s) => `/${s}`).join('')}${trailingSlash ? '/' : ''}`;
}

/** The segments of `/up{extra}` taken at face value: decoded, nothing resolved or merged. */
function naive(extra: string): string[] {
  return ['', 'up', ...extra.split('/').slice(1)].map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

async function proxyTo(t: TestContext, upstreamURL: string): Promise<TestApp> {
  const app = await startTestApp(t);
  await registerService(app, { name: 'up', url: `${upstreamURL}/up`, type: 'http', auth: 'public' });
  return app;
}

/** Asserts that Twitcher refuses `extra` with a 400 on the path. */
async function assertRefused(app: TestApp, extra: string): Promise<void> {
  const res = await rawRequest(app.url, `/ows/proxy/up${extra}`);
  assert.equal(res.status, 400, `Twitcher must refuse ${extra}`);
}

describe('interop: paths as real upstreams resolve them', () => {
  test('nginx', async (t) => {
    if (!requirePeer(t, 'nginx')) return;
    const port = await freePort();
    await startNginx(t, {
      ports: [port],
      // `$uri` is nginx's normalised URI: what `location` matching and `proxy_pass` with a URI use
      http: `server {
        listen 127.0.0.1:${port};
        merge_slashes on;
        location / { default_type text/plain; return 200 "$uri"; }
      }`,
    });
    const nginx = `http://127.0.0.1:${port}`;
    const app = await proxyTo(t, nginx);

    await t.test('accepted paths: nginx resolves the path Twitcher judged', async () => {
      for (const extra of ACCEPTED) {
        const res = await rawRequest(app.url, `/ows/proxy/up${extra}`);
        assert.equal(res.status, 200, `${extra}: ${res.body.toString()}`);
        assert.equal(res.body.toString('utf8'), judged(extra), extra);
      }
    });

    await t.test('refused paths: nginx, asked directly, resolves them elsewhere', async () => {
      const rows: [string, string][] = [
        ['/pub/%2e%2e/secret/passwd', '/up/secret/passwd'],
        ['/pub/.%2E/secret/passwd', '/up/secret/passwd'],
        ['/pub/%2e%2e%2fsecret/passwd', '/up/secret/passwd'],
        ['/pub%2f..%2fsecret/passwd', '/up/secret/passwd'],
        ['/pub/x#/../../secret/passwd', '/up/pub/x'],
        ['/pub//secret', '/up/pub/secret'],
      ];
      for (const [extra, resolved] of rows) {
        const res = await rawRequest(nginx, `/up${extra}`);
        assert.equal(res.body.toString('utf8'), resolved, extra);
        assert.notDeepEqual(resolved.split('/'), naive(extra), extra);
        await assertRefused(app, extra);
      }
      // nginx reads ";" as an ordinary character: the climb needs a servlet container behind it
      const semi = await rawRequest(nginx, '/up/pub/..;/secret');
      assert.equal(semi.body.toString('utf8'), '/up/pub/..;/secret');
      await assertRefused(app, '/pub/..;/secret');
    });
  });

  test('waitress (WSGI PATH_INFO)', async (t) => {
    if (!requireWaitress(t)) return;
    const waitress = await startWaitressEcho(t);
    const app = await proxyTo(t, waitress);
    const ask = async (base: string, path: string) => {
      const res = await rawRequest(base, path);
      assert.equal(res.status, 200, `${path}: ${res.body.toString()}`);
      return JSON.parse(res.body.toString('utf8')) as { path_info: string; opened: string };
    };

    await t.test(
      'accepted paths: PATH_INFO, and the file an application opens, are the judged path',
      async () => {
        for (const extra of ACCEPTED) {
          const seen = await ask(app.url, `/ows/proxy/up${extra}`);
          assert.equal(seen.path_info, judged(extra), extra);
          // posixpath.normpath drops a trailing slash: the directory itself
          assert.equal(seen.opened, judged(extra).replace(/(.)\/$/, '$1'), extra);
        }
      },
    );

    await t.test('refused paths: waitress, asked directly, resolves them elsewhere', async () => {
      const rows: [string, string][] = [
        ['/pub/%2e%2e/secret/passwd', '/up/secret/passwd'],
        ['/pub/%2E%2E%2Fsecret/passwd', '/up/secret/passwd'],
        ['/pub/a%2fb', '/up/pub/a/b'],
        ['/pub/x#/../../secret/passwd', '/up/pub/x'],
        ['/pub//secret', '/up/pub/secret'],
      ];
      for (const [extra, opened] of rows) {
        const seen = await ask(waitress, `/up${extra}`);
        assert.equal(seen.opened, opened, extra);
        assert.notDeepEqual(opened.split('/'), naive(extra), extra);
        await assertRefused(app, extra);
      }
      // PATH_INFO is decoded once: a second decoder (an application, a second proxy) decodes again
      const twice = await ask(waitress, '/up/pub/%252e%252e/secret');
      assert.equal(twice.path_info, '/up/pub/%2e%2e/secret');
      assert.equal(decodeURIComponent(twice.path_info), '/up/pub/../secret');
      await assertRefused(app, '/pub/%252e%252e/secret');
      // and %00 reaches the application as a NUL
      const nul = await ask(waitress, '/up/pub/passwd%00.nc');
      assert.equal(nul.path_info, '/up/pub/passwd\u0000.nc');
      await assertRefused(app, '/pub/passwd%00.nc');
    });
  });
});

// ------------------------------------------------------------------------------ waitress

/** Like requirePeer: skip with the reason, or fail under TWITCHER_REQUIRE_PEERS=1. */
function requireWaitress(t: TestContext): boolean {
  const r = spawnSync(PEERS_PYTHON, ['-c', 'import waitress'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) return true;
  const why = (r.stderr ?? '').trim().split('\n').pop() || r.error?.message || `exit ${r.status}`;
  const reason = `peer waitress unavailable: ${PEERS_PYTHON} cannot import waitress: ${why} (Debian python3-waitress; install with: sudo scripts/peers/install.sh)`;
  if (process.env['TWITCHER_REQUIRE_PEERS'] === '1') throw new Error(`${reason} [TWITCHER_REQUIRE_PEERS=1]`);
  process.stderr.write(`# skipping "${t.name}": ${reason}\n`);
  t.skip(reason);
  return false;
}

/**
 * A WSGI application under waitress answering with PATH_INFO (PEP 3333: bytes as latin-1, shown
 * as UTF-8) and `posixpath.normpath` of it, the file a naive static handler would open.
 */
const ECHO_APP = `
import json, posixpath, sys
from waitress import create_server
def app(environ, start_response):
    path_info = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    body = json.dumps({"path_info": path_info, "opened": posixpath.normpath(path_info)}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
server = create_server(app, host="127.0.0.1", port=0, threads=2)
print(server.effective_port, flush=True)
server.run()
`;

async function startWaitressEcho(t: TestContext): Promise<string> {
  const child: ChildProcess = spawn(PEERS_PYTHON, ['-c', ECHO_APP], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  // the first line of its output is the port it bound: a condition, not a sleep
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = /^(\d+)\n/.exec(out);
      if (line) resolve(Number(line[1]));
    });
    child.once('exit', (code) => reject(new Error(`waitress exited (${code}) before listening: ${stderr}`)));
    // a bound on the wait, not a delay: a hung interpreter fails the test instead of hanging it
    setTimeout(() => reject(new Error(`waitress did not start within 30 s: ${stderr}`)), 30_000).unref();
  });
  return `http://127.0.0.1:${port}`;
}
