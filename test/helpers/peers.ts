/**
 * Real OGC peers for interop tests: PyWPS and MapServer upstreams, and the OWSLib and GDAL clients.
 *
 * The servers are started and stopped by the project's own scripts under scripts/peers/ (the same
 * ones a developer runs by hand); this module picks free loopback ports and private state dirs,
 * bounds every wait, and makes sure nothing it started outlives the test process.
 *
 * A test that needs a peer first calls `requirePeer(t, name)`: when the peer is missing the test
 * is skipped with the reason (so `npm test` passes on a machine without them), or fails when
 * TWITCHER_REQUIRE_PEERS=1 (CI, where scripts/peers/install.sh has run).
 *
 * TWITCHER_PEERS_PYTHON names the interpreter with Debian's dist-packages (default /usr/bin/python3;
 * the `python3` on PATH may be a pyenv build without pywps/owslib).
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export type PeerName =
  | 'pywps'
  | 'mapserver'
  | 'owslib'
  | 'gdal'
  | 'nginx'
  | 'nginx-stream'
  | 'myproxy'
  | 'pymacaroons'
  | 'requests-oauthlib'
  /** A Redis answering at 127.0.0.1:6379 (shared rate limits). */
  | 'redis'
  /** The redis-server binary, for tests that start (and kill) their own. */
  | 'redis-server'
  | 'docker-compose'
  | 'systemd-analyze'
  | 'wrk';

export interface PeerCheck {
  ok: boolean;
  reason?: string;
}

/** scripts/peers/ of this repository (absolute, with a trailing slash). */
export const PEERS_DIR = fileURLToPath(new URL('../../scripts/peers/', import.meta.url));
/** The Python that has Debian's python3-pywps / python3-owslib / ... */
export const PEERS_PYTHON = process.env['TWITCHER_PEERS_PYTHON'] || '/usr/bin/python3';
const MAPSERV = '/usr/lib/cgi-bin/mapserv';
const INSTALL_HINT = 'install with: sudo scripts/peers/install.sh';

// ------------------------------------------------------------------------------ availability

/** Absolute path of an executable: PATH first, then the sbin dirs (not on every user's PATH). */
function findExecutable(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env['PATH'] ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin']
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  for (const p of candidates) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function needExecutables(names: string[], pkg: string): PeerCheck {
  const missing = names.filter((n) => !findExecutable(n));
  if (missing.length === 0) return { ok: true };
  return { ok: false, reason: `missing ${missing.join(', ')} (Debian ${pkg}; ${INSTALL_HINT})` };
}

function needPythonModules(modules: string[], pkg: string): PeerCheck {
  if (!findExecutable(PEERS_PYTHON)) {
    return { ok: false, reason: `no Python at ${PEERS_PYTHON} (set TWITCHER_PEERS_PYTHON)` };
  }
  const r = spawnSync(PEERS_PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status === 0) return { ok: true };
  const why = (r.stderr ?? '').trim().split('\n').pop() || r.error?.message || `exit ${r.status}`;
  return {
    ok: false,
    reason: `${PEERS_PYTHON} cannot import ${modules.join(', ')}: ${why} (Debian ${pkg}; ${INSTALL_HINT})`,
  };
}

function all(...checks: (() => PeerCheck)[]): PeerCheck {
  for (const check of checks) {
    const r = check();
    if (!r.ok) return r;
  }
  return { ok: true };
}

const CHECKS: Record<PeerName, () => PeerCheck> = {
  pywps: () =>
    all(
      () => needExecutables(['bash', 'curl', 'setsid'], 'curl, util-linux'),
      () => needPythonModules(['pywps', 'waitress'], 'python3-pywps python3-waitress'),
    ),
  mapserver: () =>
    needExecutables(
      ['bash', 'curl', 'setsid', 'lighttpd', MAPSERV, 'ogr2ogr', 'gdal_rasterize', 'shptree'],
      'cgi-mapserver mapserver-bin lighttpd gdal-bin curl',
    ),
  owslib: () => needPythonModules(['owslib', 'requests'], 'python3-owslib'),
  gdal: () => needExecutables(['gdalinfo', 'gdal_translate', 'ogrinfo'], 'gdal-bin'),
  nginx: () => needExecutables(['nginx'], 'nginx-light'),
  'nginx-stream': () =>
    all(
      () => needExecutables(['nginx'], 'nginx-light'),
      () =>
        existsSync('/usr/lib/nginx/modules/ngx_stream_module.so')
          ? { ok: true }
          : { ok: false, reason: `no nginx stream module (Debian libnginx-mod-stream; ${INSTALL_HINT})` },
    ),
  myproxy: () =>
    needExecutables(
      [
        'myproxy-server',
        'myproxy-logon',
        'myproxy-admin-adduser',
        'grid-proxy-init',
        'grid-cert-info',
        'openssl',
      ],
      'myproxy-server myproxy myproxy-admin globus-proxy-utils globus-gsi-cert-utils-progs openssl',
    ),
  pymacaroons: () => needPythonModules(['pymacaroons'], 'python3-pymacaroons'),
  'requests-oauthlib': () => needPythonModules(['requests_oauthlib'], 'python3-requests-oauthlib'),
  redis: () =>
    all(
      () => needExecutables(['redis-cli'], 'redis-tools'),
      () => {
        const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], {
          encoding: 'utf8',
          timeout: 10_000,
        });
        return r.stdout?.trim() === 'PONG'
          ? { ok: true }
          : {
              ok: false,
              reason: `no Redis answers at 127.0.0.1:6379 (Debian redis-server; ${INSTALL_HINT})`,
            };
      },
    ),
  'redis-server': () => needExecutables(['redis-server', 'redis-cli'], 'redis-server redis-tools'),
  'docker-compose': () => needExecutables(['docker-compose'], 'docker-compose'),
  'systemd-analyze': () => needExecutables(['systemd-analyze'], 'systemd'),
  wrk: () => needExecutables(['wrk'], 'wrk'),
};

const checked = new Map<PeerName, PeerCheck>();

/** Whether a peer (server, client or tool) is installed here. Cached per process. */
export function peerAvailable(name: PeerName): PeerCheck {
  let r = checked.get(name);
  if (!r) {
    const check = CHECKS[name];
    r = check ? check() : { ok: false, reason: `unknown peer '${name}'` };
    checked.set(name, r);
  }
  return r;
}

/**
 * Call first in a test that needs `name`. Returns true when the peer is there. Otherwise the test
 * is skipped with the reason (printed too), or, with TWITCHER_REQUIRE_PEERS=1, fails: this throws.
 */
export function requirePeer(t: TestContext, name: PeerName): boolean {
  const r = peerAvailable(name);
  if (r.ok) return true;
  const reason = `peer ${name} unavailable: ${r.reason ?? 'unknown reason'}`;
  if (process.env['TWITCHER_REQUIRE_PEERS'] === '1') {
    throw new Error(`${reason} [TWITCHER_REQUIRE_PEERS=1]`);
  }
  process.stderr.write(`# skipping "${t.name}": ${reason}\n`);
  t.skip(reason);
  return false;
}

// ------------------------------------------------------------------------------ processes

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a command to completion, killing it (and its process group) with SIGKILL after
 * `timeoutMs`. Never rejects for a non-zero exit: the caller decides.
 */
function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // detached: its own process group, so a timeout kills whatever it started as well
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The environment the peer scripts get: a minimal, predictable one plus their own variables. */
function scriptEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...vars };
}

// ------------------------------------------------------------------------------ servers

export interface PeerServer {
  /** The service endpoint: .../wps for PyWPS, .../ows for MapServer. */
  url: string;
  /** http://127.0.0.1:PORT */
  base: string;
  port: number;
  /** Private state dir (configs, logs, outputs); removed by stop(). */
  stateDir: string;
  /** Stops the server (its whole process group) and removes the state dir. Idempotent. */
  stop(): Promise<void>;
}

export interface MapServerPeer extends PeerServer {
  /** OGC API Features root: http://127.0.0.1:PORT/ows/peers/ogcapi */
  ogcapi: string;
}

export interface StartOptions {
  /** What the upstream writes into its documents instead of its own base URL (e.g. the proxy's). */
  publicURL?: string;
  /** Extra environment for start.sh (e.g. WPS_THREADS, WMS_FCGI_PROCS). */
  env?: Record<string, string>;
  /** Bound on start.sh, default 60 s. */
  timeoutMs?: number;
}

/** Stoppers of servers still running, run synchronously if the process exits without stop(). */
const running = new Map<string, () => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const stopSync of running.values()) stopSync();
  });
}

interface ServerKind {
  /** dir under scripts/peers/ */
  dir: 'wps' | 'wms';
  /** env var prefix of its scripts */
  prefix: 'WPS' | 'WMS';
  label: string;
}

async function startServer(kind: ServerKind, opts: StartOptions): Promise<PeerServer> {
  const start = join(PEERS_DIR, kind.dir, 'start.sh');
  const stopScript = join(PEERS_DIR, kind.dir, 'stop.sh');
  const p = kind.prefix;
  let lastError = '';
  // A port picked by freePort() can be taken again before start.sh binds it: retry a few times.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), `twitcher-${kind.dir}-`));
    const env = scriptEnv({
      ...opts.env,
      [`${p}_HOST`]: '127.0.0.1',
      [`${p}_PORT`]: String(port),
      [`${p}_STATE_DIR`]: stateDir,
      ...(opts.publicURL ? { [`${p}_PUBLIC_URL`]: opts.publicURL } : {}),
      ...(kind.dir === 'wps' ? { WPS_PYTHON: PEERS_PYTHON } : {}),
    });
    const stopEnv = scriptEnv({ [`${p}_STATE_DIR`]: stateDir });
    const stopSync = () => {
      spawnSync('bash', [stopScript], { env: stopEnv, stdio: 'ignore', timeout: 15_000 });
      rmSync(stateDir, { recursive: true, force: true });
    };
    running.set(stateDir, stopSync);
    installExitHook();
    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        const r = await run('bash', [stopScript], { env: stopEnv, timeoutMs: 30_000 });
        running.delete(stateDir);
        rmSync(stateDir, { recursive: true, force: true });
        if (r.code !== 0) {
          throw new Error(`${kind.label} stop.sh failed (${r.code ?? r.signal}): ${tail(r.stderr)}`);
        }
      })();
      return stopped;
    };

    const r = await run('bash', [start], { env, timeoutMs: opts.timeoutMs ?? 60_000 });
    const url = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code === 0 && /^http:\/\//.test(url)) {
      return { url, base: `http://127.0.0.1:${port}`, port, stateDir, stop };
    }
    lastError =
      `${kind.label} start.sh failed (exit ${r.code ?? r.signal}${r.timedOut ? ', timed out' : ''}) ` +
      `on port ${port}:\n${tail(r.stderr)}`;
    await stop().catch(() => {});
    if (!/already in use/.test(r.stderr)) break;
  }
  throw new Error(lastError);
}

/**
 * Starts PyWPS (scripts/peers/wps) on a free loopback port with a private state dir.
 * `url` is http://127.0.0.1:PORT/wps; status documents and stored outputs are under `${base}/outputs/`.
 */
export function startPyWPS(opts: StartOptions = {}): Promise<PeerServer> {
  return startServer({ dir: 'wps', prefix: 'WPS', label: 'PyWPS' }, opts);
}

/**
 * Starts MapServer under lighttpd (scripts/peers/wms) on a free loopback port with a private state
 * dir. `url` is http://127.0.0.1:PORT/ows (WMS, WFS, WCS); `ogcapi` the OGC API Features root.
 */
export async function startMapServer(opts: StartOptions = {}): Promise<MapServerPeer> {
  const s = await startServer({ dir: 'wms', prefix: 'WMS', label: 'MapServer' }, opts);
  const root = (opts.publicURL ?? s.base).replace(/\/+$/, '');
  return { ...s, ogcapi: `${root}/ows/peers/ogcapi` };
}

// ------------------------------------------------------------------------------ clients

export interface RecordedRequest {
  method: string;
  url: string;
  status?: number;
  /** whether an Authorization header was sent */
  auth: boolean;
  bytes?: number;
  error?: string;
}

/** One step of scripts/peers/clients/owslib_client.py (one JSON line of its output). */
export interface StepResult {
  step: string;
  ok: boolean;
  ms: number;
  requests: RecordedRequest[];
  error?: string;
  foreign_urls?: string[];
  auth_header_missing?: string[];
  [data: string]: unknown;
}

export interface OWSLibSummary {
  step: 'summary';
  ok: boolean;
  passed: number;
  failed: number;
  skipped: string[];
  owslib: string;
  out: string;
}

export interface OWSLibRun {
  /** 0 all steps passed, 1 some failed, 2 usage */
  code: number;
  steps: StepResult[];
  summary?: OWSLibSummary;
  stdout: string;
  stderr: string;
}

export const OWSLIB_CLIENT = join(PEERS_DIR, 'clients', 'owslib_client.py');

/**
 * Runs owslib_client.py with `args` (e.g. ['wps', url, '--token', t]). Files it writes (GetMap PNG,
 * GetCoverage TIFF) go to a temp dir removed afterwards, unless `outDir` is given.
 * Rejects when the client is killed by the timeout (default 120 s).
 */
export async function runOWSLib(
  args: string[],
  opts: { timeoutMs?: number; outDir?: string } = {},
): Promise<OWSLibRun> {
  const tmp = opts.outDir ? undefined : mkdtempSync(join(tmpdir(), 'twitcher-owslib-'));
  const outArgs = args.includes('--out') ? [] : ['--out', opts.outDir ?? (tmp as string)];
  try {
    const r = await run(PEERS_PYTHON, [OWSLIB_CLIENT, ...args, ...outArgs], {
      env: scriptEnv({ PYTHONDONTWRITEBYTECODE: '1' }),
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
    if (r.timedOut || r.code === null) {
      throw new Error(
        `owslib_client.py ${args.join(' ')} ${r.timedOut ? 'timed out' : `killed by ${r.signal}`}\n` +
          `stdout:\n${tail(r.stdout)}\nstderr:\n${tail(r.stderr)}`,
      );
    }
    const steps: StepResult[] = [];
    let summary: OWSLibSummary | undefined;
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const obj = JSON.parse(line) as StepResult | OWSLibSummary;
      if (obj.step === 'summary') summary = obj as OWSLibSummary;
      else steps.push(obj as StepResult);
    }
    return { code: r.code, steps, summary, stdout: r.stdout, stderr: r.stderr };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

export interface GDALRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a GDAL/OGR command-line tool (gdalinfo, gdal_translate, ogrinfo, ...). `token` adds
 * 'Authorization: Bearer <token>' to every HTTP request (GDAL_HTTP_HEADERS). It runs with a
 * private HOME and cwd (GDAL's WMS/WCS drivers may write caches there), removed afterwards.
 * Rejects when killed by the timeout (default 60 s).
 */
export async function runGDAL(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; token?: string; env?: Record<string, string> } = {},
): Promise<GDALRun> {
  const home = mkdtempSync(join(tmpdir(), 'twitcher-gdal-'));
  try {
    const env = scriptEnv({
      HOME: home,
      GDAL_HTTP_TIMEOUT: '30',
      CPL_VSIL_CURL_ALLOWED_EXTENSIONS: 'none',
      ...(opts.token ? { GDAL_HTTP_HEADERS: `Authorization: Bearer ${opts.token}` } : {}),
      ...opts.env,
    });
    const r = await run(cmd, args, { env, cwd: home, timeoutMs: opts.timeoutMs ?? 60_000 });
    if (r.timedOut || r.code === null) {
      throw new Error(
        `${cmd} ${args.join(' ')} ${r.timedOut ? 'timed out' : `killed by ${r.signal}`}\n${tail(r.stderr)}`,
      );
    }
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
