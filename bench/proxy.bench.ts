/**
 * Twitcher against a direct request, nginx as a plain reverse proxy and a bare node:http + undici
 * proxy (the platform's limit for a Node proxy), on loopback: small requests (wrk), unloaded
 * latency, and big streamed downloads and uploads (curl), with each server's CPU per request and
 * per GiB and the Node proxies' memory. Prints a markdown report, writes bench/results/latest.json
 * and, after a full run (every phase, every scenario), docs/performance.md.
 *
 * Run with `npm run bench` (builds dist/ first when needed). Everything it starts (two nginx, an
 * upload sink, the bare proxy, Twitcher from dist/, wrk, curl) is stopped at the end, on failure and
 * on Ctrl-C, and its temp dir is removed. A missed goal is reported, never a failure: the exit
 * status is 0 unless something broke.
 *
 * Knobs (environment): BENCH_DURATION (8 s), BENCH_WARMUP (2 s), BENCH_CONNECTIONS (32),
 * BENCH_THREADS (1), BENCH_BIG_MB (1024, MiB), BENCH_BIG_RUNS (2), BENCH_LATENCY_DURATION (4 s, 0
 * skips), BENCH_PHASES (small,latency,download,upload), BENCH_SMALL (scenario ids: bin-1k,bin-10k,
 * xml-10k-rewrite; default all), BENCH_TIMEOUT (900 s for the whole run),
 * BENCH_TWITCHER_ENV (TWITCHER_X=v … given to Twitcher: features on and off), BENCH_WRITE_DOCS (1: write docs/performance.md even after a partial run; 0: never; default: after
 * a full run), BENCH_CPU_PROF (1: profile Twitcher with --cpu-prof and summarise; a directory: also
 * keep the .cpuprofile there).
 */

import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { formatProfile, summarizeProfile } from './lib/cpuprofile.js';
import { capabilitiesXML, sparseFile } from './lib/fixtures.js';
import { type NginxRole, nginxConfig } from './lib/nginx.js';
import { writePerformanceDoc } from './lib/performance-doc.js';
import { freePort, type Managed, Supervisor, waitForHTTP } from './lib/processes.js';
import { type CpuTimes, memStatus, RssSampler, treeCpuTimes } from './lib/procstat.js';
import {
  type BigPhase,
  type BigRun,
  bigGoals,
  type LatencyPhase,
  latencyGoals,
  type Results,
  ratios,
  renderMarkdown,
  type SmallRun,
  type SmallScenario,
  smallGoals,
  TARGETS,
  type Target,
} from './lib/report.js';
import { download, type TransferResult, upload } from './lib/transfer.js';
import { twitcherServeArgs } from './lib/twitcher-command.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const ROOT = resolve(import.meta.dirname, '..');
const PHASES = ['small', 'latency', 'download', 'upload'] as const;

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  // BENCH_DURATION=8s reads like wrk's own -d8s.
  const n = Number(raw.replace(/s$/, ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not "${raw}"`);
  return n;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

const settings = {
  durationSec: envNumber('BENCH_DURATION', 8),
  warmupSec: envNumber('BENCH_WARMUP', 2),
  threads: envNumber('BENCH_THREADS', 1),
  connections: envNumber('BENCH_CONNECTIONS', 32),
  latencyDurationSec: envNumber('BENCH_LATENCY_DURATION', 4),
  bigMB: envNumber('BENCH_BIG_MB', 1024),
  bigRuns: Math.max(1, envNumber('BENCH_BIG_RUNS', 2)),
  phases: list(process.env['BENCH_PHASES'] ?? PHASES.join(',')),
  /** Ids of the small-request scenarios to run (all when empty). */
  small: list(process.env['BENCH_SMALL'] ?? ''),
};
const timeoutSec = envNumber('BENCH_TIMEOUT', 900);
const cpuProf = process.env['BENCH_CPU_PROF'] ?? '';
for (const p of settings.phases) {
  if (!(PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase "${p}" in BENCH_PHASES`);
}
const has = (phase: (typeof PHASES)[number]) => settings.phases.includes(phase);

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Lifetime: one supervisor for every child, one temp dir, cleaned up on every way out.

const sup = new Supervisor();
let tmp: string | undefined;
let cleaning: Promise<void> | undefined;

function removeTmp(): void {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}

function cleanup(): Promise<void> {
  cleaning ??= sup.stopAll().finally(removeTmp);
  return cleaning;
}

// Synchronous last resort (process.exit from elsewhere): nothing may be left running or on disk.
process.on('exit', () => {
  sup.killAllNow();
  removeTmp();
});
/** Set on a signal: the failures that follow (killed wrk, closed sockets) are its echo, not news. */
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  log(`overall timeout of ${timeoutSec} s reached: stopping everything`);
  void cleanup().finally(() => process.exit(1));
}, timeoutSec * 1000);
watchdog.unref();

// ---------------------------------------------------------------------------------------------

/** Absolute path of an executable from PATH or /usr/sbin (nginx lives there, outside a user PATH). */
function which(name: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  throw new Error(`${name} is needed for the bench and was not found in PATH or /usr/sbin`);
}

/** First line of a tool's version banner, wherever it prints it and whatever its exit status. */
function versionOf(cmd: string, arg: string): string {
  // nginx -v prints on stderr, wrk -v exits with 1: take whatever came out.
  const r = spawnSync(cmd, [arg], { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0]!.trim();
}

const loadavgNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The distribution's name (PRETTY_NAME of /etc/os-release), or the kernel's when there is none. */
function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m?.[1]) return m[1];
  } catch {
    // not Linux, or a minimal image
  }
  return type();
}

/** The commit measured (dist/ is built from the work tree: "+ local changes" when it differs). */
function gitRevision(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' + local changes in src/' : ''}`;
}

interface SmallFile {
  id: string;
  label: string;
  path: string;
  contentType: string;
  bytes: number;
  rewritten: boolean;
}

interface Stack {
  /** The upstream of every proxy (and the direct target). */
  nginxStatic: Managed;
  /** nginx as a reverse proxy, its own instance so that its CPU is its own. */
  nginxProxy: Managed;
  sink: Managed;
  bare: Managed;
  twitcher: Managed;
  urls: Record<Target, string>;
  /** Base URLs of the upload sink through each target. */
  sinkURLs: Record<Target, string>;
  bigFile: string;
  bigBytes: number;
  files: SmallFile[];
  profileDir?: string;
}

async function startStack(dir: string): Promise<Stack> {
  const nginxBin = which('nginx');
  const [staticPort, proxyPort, sinkPort, barePort, twPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ] as [number, number, number, number, number];
  const upstream = `http://127.0.0.1:${staticPort}`;

  // Files. The .bin files hold capabilities-like text but are served as octet-stream (no rewrite);
  // caps.xml is text/xml with the upstream's own URLs in it, which Twitcher rewrites.
  const www = join(dir, 'www');
  mkdirSync(www);
  const files: SmallFile[] = [
    {
      id: 'bin-1k',
      label: '1 KiB octet-stream',
      path: '/small-1k.bin',
      contentType: 'application/octet-stream',
      bytes: 1024,
      rewritten: false,
    },
    {
      id: 'bin-10k',
      label: '10 KiB octet-stream',
      path: '/small-10k.bin',
      contentType: 'application/octet-stream',
      bytes: 10240,
      rewritten: false,
    },
    {
      id: 'xml-10k-rewrite',
      label: '10 KiB text/xml (rewritten)',
      path: '/caps.xml',
      contentType: 'text/xml',
      bytes: 10240,
      rewritten: true,
    },
  ];
  for (const f of files) writeFileSync(join(www, f.path), capabilitiesXML(f.bytes, upstream));
  const bigBytes = Math.round(settings.bigMB * 2 ** 20);
  const bigFile = join(www, 'big.bin');
  sparseFile(bigFile, bigBytes);

  // The upload sink, its own process.
  const sink = sup.start(
    'sink',
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/lib/sink-server.ts'), String(sinkPort)],
    undefined,
    ROOT,
  );
  await waitForHTTP(`http://127.0.0.1:${sinkPort}/`, sink, 15_000);

  // nginx: the static upstream and the reverse proxy, two private instances.
  const startNginx = (name: string, role: NginxRole): Managed => {
    const prefix = join(dir, name);
    for (const d of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) {
      mkdirSync(join(prefix, d), { recursive: true });
    }
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, nginxConfig(prefix, role));
    const args = ['-c', conf, '-p', `${prefix}/`, '-e', join(prefix, 'error.log'), '-g', 'daemon off;'];
    return sup.start(name, nginxBin, args);
  };
  const nginxStatic = startNginx('nginx-static', { kind: 'static', port: staticPort, root: www });
  const nginxProxy = startNginx('nginx-proxy', { kind: 'proxy', port: proxyPort, staticPort, sinkPort });
  await waitForHTTP(`${upstream}/small-1k.bin`, nginxStatic, 10_000);
  await waitForHTTP(`http://127.0.0.1:${proxyPort}/small-1k.bin`, nginxProxy, 10_000);

  // The bare node:http + undici proxy, its own process.
  const bare = sup.start(
    'bare',
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'bench/lib/bare-proxy.ts'),
      String(barePort),
      upstream,
      `http://127.0.0.1:${sinkPort}`,
    ],
    undefined,
    ROOT,
  );
  const bareURL = `http://127.0.0.1:${barePort}`;
  await waitForHTTP(`${bareURL}/small-1k.bin`, bare, 15_000);

  // Twitcher from dist/, with a temp SQLite and nothing from the caller's TWITCHER_* environment.
  const password = `bench-${Math.random().toString(36).slice(2)}-password`;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TWITCHER_')) env[k] = v;
  Object.assign(env, {
    TWITCHER_PORT: String(twPort),
    TWITCHER_HOST: '127.0.0.1',
    TWITCHER_DATABASE_URL: `sqlite:${join(dir, 'twitcher.sqlite')}`,
    TWITCHER_ADMIN_PASSWORD: password,
    TWITCHER_LOG_LEVEL: 'warn',
    // BENCH_WORKERS=2 measures the cluster mode (server.workers); CPU is then summed over the tree.
    TWITCHER_WORKERS: process.env['BENCH_WORKERS'] ?? '1',
  });
  // BENCH_TWITCHER_ENV='TWITCHER_METRICS_ENABLED=false TWITCHER_X={"json":1,…}': settings of the run
  // (features on and off), separated by white space.
  for (const pair of (process.env['BENCH_TWITCHER_ENV'] ?? '').split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 1 || !pair.startsWith('TWITCHER_'))
      throw new Error(`BENCH_TWITCHER_ENV: "${pair}" is not TWITCHER_…=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const nodeArgs: string[] = [];
  let profileDir: string | undefined;
  if (cpuProf) {
    profileDir = cpuProf === '1' ? join(dir, 'profile') : resolve(cpuProf);
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir);
  }
  const twitcher = sup.start('twitcher', process.execPath, twitcherServeArgs(nodeArgs), env, dir);
  const tw = `http://127.0.0.1:${twPort}`;
  await waitForHTTP(`${tw}/`, twitcher, 20_000);
  const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
  for (const [name, url] of [
    ['static', upstream],
    ['sink', `http://127.0.0.1:${sinkPort}`],
  ]) {
    const res = await fetch(`${tw}/services`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name, url, type: 'http', auth: 'public' }),
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 201 && res.status !== 200) {
      throw new Error(`registering ${name} failed: ${res.status} ${await res.text()}`);
    }
  }
  return {
    nginxStatic,
    nginxProxy,
    sink,
    bare,
    twitcher,
    urls: {
      direct: upstream,
      nginx: `http://127.0.0.1:${proxyPort}`,
      bare: bareURL,
      twitcher: `${tw}/ows/proxy/static`,
    },
    sinkURLs: {
      direct: `http://127.0.0.1:${sinkPort}`,
      nginx: `http://127.0.0.1:${proxyPort}/sink`,
      bare: `${bareURL}/sink`,
      twitcher: `${tw}/ows/proxy/sink`,
    },
    bigFile,
    bigBytes,
    files,
    ...(profileDir && { profileDir }),
  };
}

/** Every target serves every file, whole; Twitcher really rewrites the XML (else nothing is measured). */
async function checkStack(stack: Stack): Promise<void> {
  for (const f of stack.files) {
    for (const t of TARGETS) {
      const url = `${stack.urls[t]}${f.path}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.toString('utf8', 0, 300)}`);
      const type = res.headers.get('content-type') ?? '';
      if (!type.startsWith(f.contentType)) throw new Error(`GET ${url}: content-type ${type}`);
      if (t === 'twitcher' && f.rewritten) {
        const text = body.toString('utf8');
        if (text.includes(stack.urls.direct) || !text.includes(stack.urls.twitcher)) {
          throw new Error(`GET ${url}: the upstream URLs were not rewritten`);
        }
      } else if (body.length !== f.bytes) {
        throw new Error(`GET ${url}: ${body.length} bytes, expected ${f.bytes}`);
      }
    }
  }
}

/**
 * The CPU of the process that answers `t`: the proxy alone for nginx, bare and twitcher (trees: nginx
 * master + worker, Twitcher's cluster workers); for direct, the upstream itself (the static nginx,
 * or the sink for an upload).
 */
function serverCpu(stack: Stack, t: Target, upload = false): () => CpuTimes {
  const m: Record<Target, Managed> = {
    direct: upload ? stack.sink : stack.nginxStatic,
    nginx: stack.nginxProxy,
    bare: stack.bare,
    twitcher: stack.twitcher,
  };
  return () => treeCpuTimes(m[t].pid);
}

async function smallPhase(stack: Stack): Promise<SmallScenario[]> {
  const out: SmallScenario[] = [];
  for (const f of stack.files) {
    if (settings.small.length > 0 && !settings.small.includes(f.id)) continue;
    const runs = {} as Record<Target, SmallRun>;
    for (const t of TARGETS) {
      const url = `${stack.urls[t]}${f.path}`;
      const wrk = { url, threads: settings.threads, connections: settings.connections };
      if (settings.warmupSec > 0) await runWrk(sup, { ...wrk, durationSec: settings.warmupSec });
      const cpu = serverCpu(stack, t);
      const cpu0 = cpu();
      const r = await runWrk(sup, { ...wrk, durationSec: settings.durationSec });
      const cpu1 = cpu();
      const cpuSec = cpu1.user + cpu1.sys - cpu0.user - cpu0.sys;
      runs[t] = {
        ...r,
        serverCpuSec: cpuSec,
        serverSysSec: cpu1.sys - cpu0.sys,
        serverCpuUsPerReq: (cpuSec * 1e6) / r.requests,
        serverCpuPct: (100 * cpuSec) / r.seconds,
      };
      log(
        `${f.id} ${t}: ${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
          `non-2xx ${r.non2xx}, server CPU ${runs[t].serverCpuPct.toFixed(0)}% (${runs[t].serverCpuUsPerReq.toFixed(0)} µs/req)`,
      );
    }
    const rps = Object.fromEntries(TARGETS.map((t) => [t, runs[t].requestsPerSec])) as Record<Target, number>;
    const scenario = {
      id: f.id,
      label: f.label,
      path: f.path,
      contentType: f.contentType,
      bytes: f.bytes,
      rewrittenByTwitcher: f.rewritten,
      runs,
      vsNginx: ratios(rps, 'nginx'),
      vsBare: ratios(rps, 'bare'),
      vsDirect: ratios(rps, 'direct'),
      p99AddedVsDirectMs: runs.twitcher.p99Ms - runs.direct.p99Ms,
    };
    out.push({ ...scenario, goals: smallGoals(scenario) });
  }
  return out;
}

async function latencyPhase(stack: Stack): Promise<LatencyPhase> {
  const path = stack.files[0]!.path;
  const runs = {} as Record<Target, WrkResult>;
  for (const t of TARGETS) {
    runs[t] = await runWrk(sup, {
      url: `${stack.urls[t]}${path}`,
      threads: 1,
      connections: 1,
      durationSec: settings.latencyDurationSec,
    });
    log(`latency ${t}: p50 ${runs[t].p50Ms.toFixed(3)} ms, p99 ${runs[t].p99Ms.toFixed(3)} ms`);
  }
  return {
    connections: 1,
    path,
    runs,
    p50AddedVsDirectMs: {
      nginx: runs.nginx.p50Ms - runs.direct.p50Ms,
      bare: runs.bare.p50Ms - runs.direct.p50Ms,
      twitcher: runs.twitcher.p50Ms - runs.direct.p50Ms,
    },
    p99AddedVsDirectMs: {
      nginx: runs.nginx.p99Ms - runs.direct.p99Ms,
      bare: runs.bare.p99Ms - runs.direct.p99Ms,
      twitcher: runs.twitcher.p99Ms - runs.direct.p99Ms,
    },
    goals: latencyGoals(runs.twitcher.p99Ms - runs.direct.p99Ms),
  };
}

async function bigPhase(stack: Stack, kind: 'download' | 'upload'): Promise<BigPhase> {
  // Generous: a pathological 20 MB/s still finishes a GiB; a hang is cut short.
  const timeout = Math.max(60, Math.ceil(stack.bigBytes / 20e6));
  const once = (t: Target): Promise<TransferResult> =>
    kind === 'download'
      ? download(sup, `${stack.urls[t]}/big.bin`, stack.bigBytes, timeout)
      : upload(sup, `${stack.sinkURLs[t]}/upload`, stack.bigFile, stack.bigBytes, timeout);
  // One unmeasured direct pass: the first read of the file pays for the page cache.
  if (kind === 'download') await once('direct');
  const runs = {} as Record<Target, BigRun>;
  const nodeProcess: Partial<Record<Target, Managed>> = { bare: stack.bare, twitcher: stack.twitcher };
  for (const t of TARGETS) {
    const all: TransferResult[] = [];
    const cpu = serverCpu(stack, t, kind === 'upload');
    const proc = nodeProcess[t];
    let peak = 0;
    let cpuSec = 0;
    for (let i = 0; i < settings.bigRuns; i++) {
      const sampler = proc ? new RssSampler(proc.pid, 100) : undefined;
      const cpu0 = cpu();
      try {
        all.push(await once(t));
      } finally {
        if (sampler) peak = Math.max(peak, sampler.stop());
      }
      const cpu1 = cpu();
      cpuSec += cpu1.user + cpu1.sys - cpu0.user - cpu0.sys;
    }
    const best = all.reduce((a, b) => (b.mbPerSec > a.mbPerSec ? b : a));
    const gib = (stack.bigBytes * all.length) / 2 ** 30;
    runs[t] = { ...best, all, cpuSecPerGiB: cpuSec / gib, ...(proc && { peakRssMB: peak }) };
    log(
      `${kind} ${t}: ${all.map((a) => `${a.mbPerSec.toFixed(0)} MB/s`).join(', ')}; ` +
        `${runs[t].cpuSecPerGiB.toFixed(2)} CPU s/GiB${proc ? `, peak RSS ${peak.toFixed(0)} MB` : ''}`,
    );
  }
  const mbs = Object.fromEntries(TARGETS.map((t) => [t, runs[t].mbPerSec])) as Record<Target, number>;
  const phase = {
    kind,
    bytes: stack.bigBytes,
    runs,
    vsDirect: ratios(mbs, 'direct'),
    vsNginx: ratios(mbs, 'nginx'),
  };
  return { ...phase, twitcherHwmMB: memStatus(stack.twitcher.pid).hwmMB, goals: bigGoals(phase) };
}

async function main(): Promise<void> {
  const started = new Date();
  for (const tool of ['wrk', 'curl']) which(tool);
  tmp = mkdtempSync(join(tmpdir(), 'twitcher-bench-'));
  log(`temp dir ${tmp}; phases ${settings.phases.join(', ')}`);
  const stack = await startStack(tmp);
  await checkStack(stack);
  log(
    `nginx ${stack.urls.direct} (static), ${stack.urls.nginx} (proxy); bare ${stack.urls.bare}; twitcher ${stack.urls.twitcher}`,
  );

  const results: Results = {
    version: 2,
    startedAt: started.toISOString(),
    finishedAt: '',
    wallSec: 0,
    environment: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
      os: `${osName()} (${type()} ${release()})`,
      nginx: versionOf(which('nginx'), '-v'),
      wrk: versionOf('wrk', '-v').replace(/ \[.*$/, ''),
      curl: versionOf('curl', '--version').split(' ').slice(0, 2).join(' '),
      twitcher: gitRevision(),
    },
    settings,
    loadavg: [],
    small: [],
    twitcherMemory: [],
  };
  const load = (at: string) => results.loadavg.push({ at, value: loadavgNow() });
  const memory = (after: string) => results.twitcherMemory.push({ after, ...memStatus(stack.twitcher.pid) });
  memory('startup');
  if (has('small')) {
    load('before small requests');
    results.small = await smallPhase(stack);
    memory('small');
  }
  if (has('latency') && settings.latencyDurationSec > 0) {
    load('before latency');
    results.latency = await latencyPhase(stack);
    memory('latency');
  }
  if (has('download')) {
    load('before download');
    results.download = await bigPhase(stack, 'download');
    memory('download');
  }
  if (has('upload')) {
    load('before upload');
    results.upload = await bigPhase(stack, 'upload');
    memory('upload');
  }
  load('at the end');

  // Twitcher first, gracefully: --cpu-prof writes its profile on exit.
  const exit = await sup.stop(stack.twitcher, 'SIGTERM', 10_000);
  if (exit.code !== 0) log(`twitcher exited with ${exit.code ?? exit.signal}:\n${stack.twitcher.tail()}`);
  if (stack.profileDir) {
    const file = readdirSync(stack.profileDir)
      .filter((n) => n.endsWith('.cpuprofile'))
      .sort()
      .pop();
    if (file) {
      results.profile = summarizeProfile(join(stack.profileDir, file));
      process.stdout.write(`${formatProfile(results.profile)}\n\n`);
    } else log(`no .cpuprofile in ${stack.profileDir}`);
  }

  const finished = new Date();
  results.finishedAt = finished.toISOString();
  results.wallSec = (finished.getTime() - started.getTime()) / 1000;
  const resultsDir = join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const resultsFile = join(resultsDir, 'latest.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  // `biome check .` (npm run lint) covers bench/: leave the file as the project formatter wants it.
  const fmt = await sup.run(
    'biome',
    join(ROOT, 'node_modules/.bin/biome'),
    ['format', '--write', resultsFile],
    30_000,
  );
  if (fmt.code !== 0) log(`biome format of ${resultsFile} failed:\n${fmt.stderr}${fmt.stdout}`);
  const markdown = renderMarkdown(results);
  process.stdout.write(`${markdown}\n\nResults written to bench/results/latest.json\n`);
  // A full run is the figure of record: it replaces the generated part of docs/performance.md.
  const full = PHASES.every((p) => has(p)) && settings.small.length === 0 && settings.latencyDurationSec > 0;
  const writeDocs = process.env['BENCH_WRITE_DOCS'] ?? '';
  if (writeDocs === '1' || (writeDocs !== '0' && full)) {
    const doc = join(ROOT, 'docs/performance.md');
    writePerformanceDoc(doc, markdown);
    log(`docs/performance.md updated${full ? '' : ' (BENCH_WRITE_DOCS=1 after a partial run)'}`);
  }
}

try {
  await main();
} catch (err) {
  if (!interrupted) log(`failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exitCode = interrupted ? 130 : 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
  // fetch's pooled keep-alive sockets must not hold the process once the servers are gone.
  process.exit(process.exitCode ?? 0);
}
