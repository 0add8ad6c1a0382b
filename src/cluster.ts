import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';

/** What a SIGHUP came to: the new configuration runs everywhere, was invalid, or did not start. */
export type ReloadOutcome = 'applied' | 'refused' | 'failed';

/** The settings the primary itself uses. */
export interface PrimarySettings {
  server: { workers: number; drainTimeout: number };
}

export interface ClusterOptions {
  /** `server.drainTimeout` of the configuration started with (default 30 s). */
  drainTimeout?: number;
  /** Re-reads and validates the configuration on SIGHUP; throws when it is invalid. */
  reload?: () => PrimarySettings;
  /** Told how each SIGHUP ended (a metric). */
  onReload?: (outcome: ReloadOutcome) => void;
  /** How long a new worker may take to listen during a reload before the reload is abandoned. */
  startTimeout?: number;
}

/** Sent by the primary to its workers on a second SIGINT: cut the requests in flight, exit now. */
export const FORCE_STOP_MESSAGE = 'twitcher:force-stop';

/** Beyond the workers' own drain deadline, how long the primary waits before it kills them. */
const KILL_MARGIN_MS = 15_000;

/**
 * `server.workers` > 1: this (primary) process forks the workers and keeps them running; each worker
 * runs the whole server on the shared port. Returns false in a worker (or with one worker), where the
 * caller starts the server itself.
 *
 * Signals (docs/restarts.md): SIGTERM or SIGINT drains every worker, then exits (1 when a worker had
 * to cut requests); a second SIGINT makes the workers cut their requests at once. SIGHUP re-reads the
 * configuration and, when it is valid, replaces the workers one at a time: a new one is forked and,
 * once it listens, an old one is told to drain. Some worker listens at every moment, so the primary
 * keeps the shared port open throughout (node:cluster closes it when its last worker stops listening).
 * A worker that exits on its own is restarted; one retired on purpose is not.
 */
export function runClusterPrimary(
  workers: number,
  log: (msg: string) => void,
  options: ClusterOptions = {},
): boolean {
  const count = workerCount(workers);
  if (count <= 1 || !cluster.isPrimary) return false;
  let drainTimeout = options.drainTimeout ?? 30_000;
  const startTimeout = options.startTimeout ?? 120_000;
  let stopping = false;
  let failedWorkers = 0;
  /** Workers stopped on purpose (replaced by a reload, or a new one that did not start): not restarted. */
  const retired = new Set<number>();
  /** The old workers of a reload in progress: the reload replaces them, even one that crashes. */
  const beingReplaced = new Set<number>();
  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());

  // The first worker migrates the store and makes the admin account before the others start.
  const first = cluster.fork();
  first.once('listening', () => {
    for (let i = 1; i < count; i++) cluster.fork();
  });

  cluster.on('exit', (worker, code, signal) => {
    const pid = worker.process.pid;
    const planned = retired.delete(worker.id) || beingReplaced.has(worker.id);
    if (stopping) {
      if (code !== 0) failedWorkers++;
      if (live().length === 0) {
        log(`all workers stopped${failedWorkers > 0 ? `; ${failedWorkers} had to cut requests` : ''}`);
        process.exit(failedWorkers > 0 ? 1 : 0);
      }
      return;
    }
    if (planned) {
      log(`worker ${pid} retired (${code === 0 ? 'drained' : `exit ${signal ?? code}`})`);
      return;
    }
    log(`worker ${pid} exited (${signal ?? code}); starting another`);
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, 1000);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === 'SIGINT') {
        log('second SIGINT: the workers cut their requests and exit');
        for (const w of live()) w.send(FORCE_STOP_MESSAGE);
      } else {
        log(`${signal} again: still draining (a second SIGINT cuts the requests in flight)`);
      }
      return;
    }
    stopping = true;
    const running = live();
    log(`${signal}: draining ${running.length} workers (up to ${drainTimeout} ms)`);
    if (running.length === 0) process.exit(0);
    for (const w of running) w.process.kill('SIGTERM');
    setTimeout(() => {
      log('workers still running past their drain deadline: killed');
      for (const w of live()) w.process.kill('SIGKILL');
      process.exit(1);
    }, drainTimeout + KILL_MARGIN_MS).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  let reloading = false;
  let reloadAgain = false;
  const reload = async () => {
    reloading = true;
    try {
      do {
        reloadAgain = false;
        let next: PrimarySettings;
        try {
          if (!options.reload) throw new Error('this primary cannot re-read its configuration');
          next = options.reload();
        } catch (err) {
          log(`reload refused, the workers keep their configuration: ${(err as Error).message}`);
          options.onReload?.('refused');
          continue;
        }
        drainTimeout = next.server.drainTimeout;
        const outcome = await replaceWorkers(workerCount(next.server.workers));
        options.onReload?.(outcome);
      } while (reloadAgain && !stopping);
    } finally {
      reloading = false;
    }
  };
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (reloading) {
      log('SIGHUP during a reload: another reload follows this one');
      reloadAgain = true;
      return;
    }
    log('SIGHUP: reloading the configuration');
    void reload();
  });

  /** One at a time: a new worker, and once it listens, one old one drains. */
  const replaceWorkers = async (target: number): Promise<ReloadOutcome> => {
    const old = live().filter((w) => !retired.has(w.id));
    for (const w of old) beingReplaced.add(w.id);
    const fresh: Worker[] = [];
    try {
      for (let i = 0; i < Math.max(old.length, target); i++) {
        if (stopping) return 'failed';
        if (i < target) {
          const w = cluster.fork();
          retired.add(w.id); // until it listens: one that fails is not restarted, the reload ends
          const listening = await listensWithin(w, startTimeout);
          if (!listening || stopping) {
            if (!w.isDead()) w.process.kill('SIGTERM');
            if (!stopping) {
              log(
                `reload failed: a new worker did not ${w.isDead() ? 'start' : `listen within ${startTimeout} ms`}; ` +
                  `${old.length - i} old workers keep serving`,
              );
            }
            return 'failed';
          }
          retired.delete(w.id);
          fresh.push(w);
        }
        const o = old[i];
        if (o && !o.isDead()) {
          retired.add(o.id);
          o.process.kill('SIGTERM');
        }
      }
      log(
        `reload applied: workers ${pidsOf(old)} replaced by ${pidsOf(fresh)} ` +
          '(the old ones finish their requests)',
      );
      return 'applied';
    } finally {
      // an old worker not retired (the reload failed) is restarted again if it crashes
      for (const w of old) beingReplaced.delete(w.id);
    }
  };
  return true;
}

/** Whether `runClusterPrimary` would run a cluster here: several workers, and this is the primary. */
export function runsAsCluster(workers: number): boolean {
  return cluster.isPrimary && workerCount(workers) > 1;
}

function workerCount(workers: number): number {
  return workers === 0 ? availableParallelism() : workers;
}

function pidsOf(workers: Worker[]): string {
  return workers.map((w) => w.process.pid).join(',');
}

/** True once `worker` listens; false when it exits first or does not within `timeoutMs`. */
function listensWithin(worker: Worker, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      worker.off('listening', onListening);
      worker.off('exit', onExit);
      resolve(ok);
    };
    const onListening = () => done(true);
    const onExit = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    worker.once('listening', onListening);
    worker.once('exit', onExit);
  });
}
