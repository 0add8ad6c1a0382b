/**
 * Running a recipe's command outside its container or service manager: the compiled code as a
 * build would make it, a server process with its output kept, bounded waits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from './recipes.js';

/** Whether dist/ holds a compilation of every source, newer than the source. */
function distIsFresh(): boolean {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  return walk(join(ROOT, 'src')).every((src) => {
    const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), src)).replace(/\.ts$/, '.js');
    try {
      return statSync(out).mtimeMs >= statSync(src).mtimeMs;
    } catch {
      return false;
    }
  });
}

let building: Promise<string> | undefined;

/**
 * `npm run build`'s output: dist/ when it is fresh (CI: `npm ci` ran `prepare`), else emitted once
 * per process into `into` by tsc with `npm run build`'s tsconfig. Without the type check
 * (`--noCheck`, half the time): that is `npm run typecheck`'s job.
 */
export function builtDist(into: string): Promise<string> {
  building ??= (async () => {
    if (distIsFresh()) return join(ROOT, 'dist');
    const outDir = join(into, 'dist');
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--declaration', 'false'];
    const r = await runToEnd(
      process.execPath,
      [...args, '--sourceMap', 'false', '--noCheck'],
      { cwd: ROOT },
      240_000,
    );
    assert.equal(r.code, 0, `tsc -p tsconfig.build.json (npm run build) failed:\n${r.out}`);
    return outDir;
  })();
  return building;
}

/** Runs a command to its end (killed after `timeoutMs`): its exit code and its output. */
export function runToEnd(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Polls `probe` until it gives a value, every 250 ms, failing after `deadlineMs`. */
export async function until<T>(
  what: string,
  deadlineMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface ServerProcess {
  pid: number;
  output(): string;
  /** Whether it has exited. */
  gone(): boolean;
  /** Sends the signal. */
  signal(name: NodeJS.Signals): void;
  /** How it ended, within `deadlineMs` (else it is killed and this rejects). */
  ended(deadlineMs: number): Promise<{ code: number | null; signal: string | null }>;
}

/** Starts a long-running command (`node` meaning this node); killed after the test if still there. */
export function startServer(
  t: TestContext,
  argv: string[],
  opts: { cwd: string; env: Record<string, string> },
): ServerProcess {
  const [cmd, ...args] = argv;
  const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
    ...opts,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d;
  });
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  t.after(() => {
    if (!gone) child.kill('SIGKILL');
  });
  return {
    pid: child.pid ?? 0,
    output: () => out,
    gone: () => gone,
    signal: (name) => child.kill(name),
    ended(deadlineMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`no exit within ${deadlineMs} ms:\n${out}`));
        }, deadlineMs);
      });
      return Promise.race([exited, deadline]).finally(() => clearTimeout(timer));
    },
  };
}

/** Files under `dir` (not following links), those under `skip` (relative paths) left out. */
export function filesOf(dir: string, skip: string[] = [], base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (skip.includes(relative(base, p))) return [];
    return e.isDirectory() ? filesOf(p, skip, base) : [relative(base, p)];
  });
}
