import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

/**
 * `server.workers` > 1: this (primary) process forks the workers and keeps them running; each worker
 * runs the whole server on the shared port. Returns false in a worker (or with one worker), where the
 * caller starts the server itself.
 */
export function runClusterPrimary(workers: number, log: (msg: string) => void): boolean {
  const count = workers === 0 ? availableParallelism() : workers;
  if (count <= 1 || !cluster.isPrimary) return false;
  let stopping = false;
  const fork = () => cluster.fork();
  // The first worker migrates the store and makes the admin account before the others start.
  const first = fork();
  first.once('listening', () => {
    for (let i = 1; i < count; i++) fork();
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 1000).unref();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return true;
}
