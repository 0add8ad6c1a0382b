/**
 * `twitcher serve` as a real process for the lifecycle tests: a private SQLite file, a known admin
 * password, a free port (or the one given), started and waited for by condition.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { parseWrk, type WrkResult } from '../../bench/lib/wrk.js';
import { waitFor } from '../helpers/fault-upstream.js';
import { freePort } from '../helpers/ports.js';
import { runTwitcher, type TwitcherProcess } from '../helpers/twitcher-process.js';

/** A bound for a hang, not a measure: starts from the TypeScript sources took over 15 s under load. */
export const STARTUP_MS = 90_000;
export const ADMIN_PASSWORD = 'lifecycle-admin-password';

export interface Served {
  p: TwitcherProcess;
  port: number;
  base: string;
}

/** Starts `twitcher serve` and waits until `listening` workers (default 1) listen. */
export async function serve(
  t: TestContext,
  options: { db: string; port?: number; env?: Record<string, string>; args?: string[]; listening?: number },
): Promise<Served> {
  const port = options.port ?? (await freePort());
  const p = runTwitcher(['serve', ...(options.args ?? [])], {
    TWITCHER_PORT: String(port),
    TWITCHER_DATABASE_URL: `sqlite:${options.db}`,
    TWITCHER_ADMIN_PASSWORD: ADMIN_PASSWORD,
    TWITCHER_CERTS_BACKEND: 'off',
    TWITCHER_LOG_LEVEL: 'info',
    ...options.env,
  });
  t.after(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  });
  await p.waitFor(/listening on/, STARTUP_MS, options.listening ?? 1);
  return { p, port, base: `http://127.0.0.1:${port}` };
}

/** A configuration file with two workers on `port` (and `extra` YAML). */
export function writeClusterConfig(file: string, port: number, extra = ''): void {
  writeFileSync(file, `server:\n  port: ${port}\n  workers: 2\n${extra}`);
}

/** Registers a public service of type http through the admin API. */
export async function registerPublic(base: string, name: string, url: string): Promise<void> {
  const res = await fetch(`${base}/services`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ name, url, type: 'http', auth: 'public' }),
  });
  if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${await res.text()}`);
}

/** Waits until the process's standard error has a line matching `pattern`. */
export async function waitForStderr(
  p: TwitcherProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = STARTUP_MS,
): Promise<void> {
  try {
    await waitFor(() => pattern.test(p.stderr()), what, timeoutMs, 50);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nstderr: ${p.stderr()}\nexit: ${p.child.exitCode}`);
  }
}

/**
 * The pids of the cluster workers of the primary `pid`, from /proc: its children that node:cluster
 * forked (they have NODE_UNIQUE_ID; tsx may have an esbuild child too).
 */
export function workerPids(pid: number): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) pids.push(...text.split(/\s+/).map(Number));
  }
  const isWorker = (child: number) => {
    try {
      return readFileSync(`/proc/${child}/environ`, 'utf8')
        .split('\0')
        .some((v) => v.startsWith('NODE_UNIQUE_ID='));
    } catch {
      return false; // exited meanwhile
    }
  };
  return pids.filter(isWorker).sort((a, b) => a - b);
}

/**
 * wrk running until stopped (SIGINT makes it stop and print its report), then its report read.
 * `post`: every request is a POST with this body (what a front proxy must never send twice).
 */
export function startWrk(
  url: string,
  options: { connections?: number; post?: string } = {},
): {
  stop(): Promise<WrkResult>;
} {
  const args = ['-t2', `-c${options.connections ?? 8}`, '-d300s', '--latency'];
  if (options.post !== undefined) {
    const script = join(mkdtempSync(join(tmpdir(), 'twitcher-wrk-')), 'post.lua');
    writeFileSync(
      script,
      `wrk.method = "POST"\nwrk.body = ${JSON.stringify(options.post)}\nwrk.headers["Content-Type"] = "application/xml"\n`,
    );
    args.push('-s', script);
  }
  const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      return parseWrk(out);
    },
  };
}
