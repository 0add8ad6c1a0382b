import type { FastifyBaseLogger } from 'fastify';
import { FORCE_STOP_MESSAGE } from '../cluster.js';
import type { Running } from '../main.js';

/**
 * The signals of a serving process (docs/restarts.md):
 * - SIGTERM: drain (stop accepting, `/health/ready` 503, requests in flight finish up to
 *   `server.drainTimeout`), then exit 0, or 1 when requests had to be cut. Again: logged, the drain
 *   goes on, because supervisors repeat SIGTERM and a repeat must not cut what the first one spared.
 * - SIGINT: the same; a second SIGINT (a person pressing Ctrl-C again) cuts the requests and exits 1.
 * - SIGHUP: a lone process cannot reload (that needs `server.workers` > 1); logged, not fatal.
 *
 * In a cluster worker the primary decides: its SIGTERM drains, its force-stop message cuts, and
 * SIGINT and SIGHUP (which a terminal sends to the whole process group) are left to the primary.
 */
export function handleStopSignals(
  running: Running,
  log: FastifyBaseLogger,
  { inCluster }: { inCluster: boolean },
): void {
  let draining = false;
  const drain = (signal: string) => {
    if (draining) {
      log.warn(
        { signal, inFlight: running.inFlight },
        `${signal} while draining: the drain goes on${inCluster ? '' : ' (a second SIGINT cuts the requests in flight)'}`,
      );
      return;
    }
    draining = true;
    log.info(
      { signal, inFlight: running.inFlight, drainTimeoutMs: running.config.server.drainTimeout },
      'draining: no new connections, the requests in flight finish',
    );
    running.drain().then(
      ({ cut }) => {
        if (cut > 0) {
          log.error({ cut }, `stopped: ${cut} requests in flight were cut`);
          process.exit(1);
        }
        log.info('stopped: every request was answered');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'stopped: closing failed');
        process.exit(1);
      },
    );
  };
  const force = (why: string) => {
    if (!draining) return drain(why);
    log.warn({ inFlight: running.inFlight }, `${why}: cutting the requests in flight`);
    running.forceDrain();
  };

  process.on('SIGTERM', () => drain('SIGTERM'));
  if (inCluster) {
    process.on('SIGINT', () => {});
    process.on('SIGHUP', () => {});
    process.on('message', (message) => {
      if (message === FORCE_STOP_MESSAGE) force('told to stop now');
    });
  } else {
    process.on('SIGINT', () => (draining ? force('second SIGINT') : drain('SIGINT')));
    process.on('SIGHUP', () =>
      log.warn(
        'SIGHUP: reloading the configuration needs server.workers > 1; restart this process to apply changes',
      ),
    );
  }
}
