/**
 * A real MyProxy server (Debian's myproxy-server, through scripts/peers/myproxy/start.sh) on a free
 * loopback port with a private state dir, for the MyProxy client tests.
 *
 * Call `requirePeer(t, 'myproxy')` first (test/helpers/peers.ts): it skips the test when the
 * packages are missing (or fails it with TWITCHER_REQUIRE_PEERS=1). `stop()` runs stop.sh (the
 * server, its per-connection children and the PAM file in /etc/pam.d) and removes the state dir; a
 * process exit without stop() runs it synchronously.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEERS_DIR } from './peers.js';
import { freePort } from './ports.js';

export interface MyProxyPeer {
  /** start.sh's KEY=value lines: MYPROXY_HOST, MYPROXY_PORT, MYPROXY_CA_CERT, MYPROXY_USER, ... */
  env: Record<string, string>;
  /** Stops the server and removes its state. Idempotent. */
  stop(): Promise<void>;
}

export interface StartMyProxyOptions {
  /** false: stored-credential mode only (no PAM file). Default: CA mode too when root. */
  caMode?: boolean;
  /** Bound on start.sh. Default 60 s. */
  timeoutMs?: number;
}

const START = join(PEERS_DIR, 'myproxy', 'start.sh');
const STOP = join(PEERS_DIR, 'myproxy', 'stop.sh');
const running = new Map<string, () => void>();
let hooked = false;

function baseEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...vars };
}

function runScript(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** KEY=value lines (values possibly in single quotes). */
function parseEnv(stdout: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, key = '', raw = ''] = m;
    env[key] = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  }
  return env;
}

export async function startMyProxy(opts: StartMyProxyOptions = {}): Promise<MyProxyPeer> {
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), 'twitcher-myproxy-'));
    const vars = {
      MYPROXY_HOST: '127.0.0.1',
      MYPROXY_PORT: String(port),
      MYPROXY_STATE_DIR: stateDir,
      MYPROXY_SMOKE: '0',
      ...(opts.caMode === false ? { MYPROXY_CA_MODE: '0' } : {}),
    };
    const stopEnv = baseEnv({ MYPROXY_PORT: String(port), MYPROXY_STATE_DIR: stateDir });
    const stopSync = () => {
      spawnSync('bash', [STOP], { env: stopEnv, stdio: 'ignore', timeout: 15_000 });
      rmSync(stateDir, { recursive: true, force: true });
    };
    running.set(stateDir, stopSync);
    if (!hooked) {
      hooked = true;
      process.once('exit', () => {
        for (const s of running.values()) s();
      });
    }
    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        const r = await runScript(STOP, stopEnv, 30_000);
        running.delete(stateDir);
        rmSync(stateDir, { recursive: true, force: true });
        if (r.code !== 0) throw new Error(`myproxy stop.sh failed (${r.code}): ${r.stderr.trim()}`);
      })();
      return stopped;
    };
    const r = await runScript(START, baseEnv(vars), opts.timeoutMs ?? 60_000);
    const env = parseEnv(r.stdout);
    if (r.code === 0 && env['MYPROXY_PORT'] === String(port)) return { env, stop };
    lastError = `myproxy start.sh failed (exit ${r.code}) on port ${port}:\n${r.stderr.trim().split('\n').slice(-30).join('\n')}`;
    await stop().catch(() => {});
    if (!/already in use/.test(r.stderr)) break;
  }
  throw new Error(lastError);
}
