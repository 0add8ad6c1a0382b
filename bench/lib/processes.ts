/**
 * Child processes of the bench: every process started goes through one Supervisor, so a failure, a
 * timeout or Ctrl-C can stop them all and nothing outlives the bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** How much of a child's output is kept for error messages. */
const TAIL_BYTES = 8192;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Managed {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** The last few KiB of stdout and stderr, for diagnostics. */
  tail(): string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class Supervisor {
  readonly #live = new Set<Managed>();

  /** Starts a long-running child (a server). Its output is kept in a ring, not shown. */
  start(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Managed {
    const proc = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env && { env }),
      ...(cwd && { cwd }),
    });
    // Listen for 'error' before anything can throw: an unhandled spawn error (ENOENT) would crash.
    const exited = new Promise<Exit>((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      proc.once('error', () => resolve({ code: null, signal: null }));
    });
    if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const managed: Managed = { name, proc, pid: proc.pid, exited, tail: () => tail };
    this.#live.add(managed);
    void exited.then(() => this.#live.delete(managed));
    return managed;
  }

  /**
   * Runs a command to completion with a hard timeout (SIGKILL when exceeded). Resolves with its
   * output whatever the exit code; rejects on timeout or when it could not be started.
   */
  async run(name: string, command: string, args: string[], timeoutMs: number): Promise<RunResult> {
    const m = this.start(name, command, args);
    let stdout = '';
    let stderr = '';
    m.proc.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    m.proc.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      m.proc.kill('SIGKILL');
    }, timeoutMs);
    const exit = await m.exited;
    clearTimeout(timer);
    if (timedOut) throw new Error(`${name}: timed out after ${timeoutMs} ms`);
    return { code: exit.code, stdout, stderr };
  }

  /** Stops one child: `signal`, then SIGKILL after `graceMs`. */
  async stop(m: Managed, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<Exit> {
    if (m.proc.exitCode !== null || m.proc.signalCode !== null) return m.exited;
    m.proc.kill(signal);
    const timer = setTimeout(() => m.proc.kill('SIGKILL'), graceMs);
    const exit = await m.exited;
    clearTimeout(timer);
    return exit;
  }

  /** Stops every live child, most recently started first (clients before the servers they use). */
  async stopAll(graceMs = 5000): Promise<void> {
    const all = [...this.#live].reverse();
    await Promise.all(all.map((m) => this.stop(m, 'SIGTERM', graceMs)));
  }

  /** Last resort from a synchronous 'exit' handler: no waiting is possible there. */
  killAllNow(): void {
    for (const m of this.#live) {
      try {
        m.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** A free loopback TCP port (bound then released: a small race that is fine on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `url` answers any HTTP status, failing early when the process behind it dies (so a
 * broken config is reported with its output, not as a timeout).
 */
export async function waitForHTTP(url: string, owner: Managed, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void owner.exited.then(() => {
    dead = true;
  });
  let last = '';
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${owner.name} exited during startup:\n${owner.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${owner.name} did not answer ${url} within ${timeoutMs} ms (${last}):\n${owner.tail()}`);
}
