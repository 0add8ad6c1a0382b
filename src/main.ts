import type { FastifyInstance } from 'fastify';
import { assembleDeps } from './app/assemble-deps.js';
import { ConnectionDrainer, type DrainOutcome } from './app/connection-drainer.js';
import { startupStep } from './app/startup-error.js';
import type { Config } from './config/config.js';
import { loadConfig } from './config/load.js';
import { buildApp } from './http/build-app.js';
import { exposeMetrics } from './metrics/cluster.js';
import { NO_METRICS } from './metrics/metrics.js';
import type { Store } from './store/types.js';

/**
 * The only module that touches the process: it reads the environment, has the dependencies
 * assembled (src/app/assemble-deps.ts) and listens. Everything else gets its configuration and
 * dependencies passed in.
 */
export interface Running {
  config: Config;
  app: FastifyInstance;
  store: Store;
  /** The URL the server listens on (with the real port when 0 was asked for). */
  address: string;
  /** The separate metrics listener's URL (`metrics.port`), when there is one. */
  metricsAddress: string | undefined;
  close(): Promise<void>;
  /**
   * The graceful stop (SIGTERM): stops accepting, lets the requests in flight finish up to
   * `server.drainTimeout` (`/health/ready` says 503 meanwhile), then closes everything. Tells how
   * many requests it had to cut.
   */
  drain(): Promise<DrainOutcome>;
  /** Ends a drain in progress now, cutting the requests in flight (a second SIGINT). */
  forceDrain(): void;
  /** Requests being answered now. */
  readonly inFlight: number;
}

/** Where the configuration comes from, and how a generated administrator password is shown. */
export interface StartOptions {
  configFile?: string | undefined;
  env?: Record<string, string | undefined>;
  overrides?: Record<string, unknown>;
  /** How the generated admin password is shown (once). Default: standard error. */
  announce?: (text: string) => void;
}

/** Loads the configuration, assembles the dependencies, builds the app and listens. */
export async function start(options: StartOptions = {}): Promise<Running> {
  const config = loadConfig({
    file: options.configFile,
    env: options.env ?? process.env,
    ...(options.overrides && { overrides: options.overrides }),
  });
  const deps = await assembleDeps(config, {
    ...(options.announce && { announce: options.announce }),
    ...(options.env && { env: options.env }),
  });
  // unreadable TLS files…: one line, not a stack
  const drainer = new ConnectionDrainer();
  const app = await startupStep('cannot set up the server', () =>
    buildApp(config, { ...deps, readiness: drainer }),
  ).catch(async (err: unknown) => {
    await deps.close();
    throw err;
  });
  drainer.attach(app.server);
  try {
    await startupStep(`cannot listen on ${config.server.host}:${config.server.port}`, () =>
      app.listen({ host: config.server.host, port: config.server.port }),
    );
  } catch (err) {
    await app.close();
    await deps.close();
    throw err;
  }
  const metrics = await startupStep(
    `cannot listen for metrics on ${config.metrics.host}:${config.metrics.port}`,
    () => exposeMetrics(config, deps.metrics ?? NO_METRICS),
  ).catch(async (err: unknown) => {
    await app.close();
    await deps.close();
    throw err;
  });
  return {
    config,
    app,
    store: deps.store,
    address: listeningAddress(app, config),
    metricsAddress: metrics.url,
    async close() {
      await metrics.close();
      await app.close();
      await deps.close();
    },
    async drain() {
      const outcome = await drainer.drain(config.server.drainTimeout);
      await metrics.close();
      await app.close();
      await deps.close();
      return outcome;
    },
    forceDrain: () => drainer.force(),
    get inFlight() {
      return drainer.inFlight;
    },
  };
}

/** The URL the server listens on, with the port it got. */
function listeningAddress(app: FastifyInstance, config: Config): string {
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return `${config.tls.certFile !== undefined ? 'https' : 'http'}://${host}:${port}`;
}
