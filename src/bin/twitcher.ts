#!/usr/bin/env node
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { openConfiguredStore } from '../app/assemble-deps.js';
import { StartupError, startupStep } from '../app/startup-error.js';
import { handleStopSignals } from '../app/stop-signals.js';
import { hashPassword } from '../auth/password.js';
import { runClusterPrimary, runsAsCluster } from '../cluster.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { start } from '../main.js';
import { startPrimaryMetrics } from '../metrics/cluster.js';
import { PROVISION_USAGE, runProvisionCommand } from '../provision/cli.js';
import { provisionAtStart } from '../provision/provision-at-start.js';
import { serveRateLimitsToWorkers } from '../ratelimit/serve-workers.js';
import { PACKAGE } from '../version.js';

const USAGE = `Usage: twitcher <command> [options]

Commands:
  serve            start the server (what \`npm start\` runs)
  migrate          apply the pending database migrations and exit
  hash-password    read a password on standard input, print its hash (for admin.passwordHash)
${PROVISION_USAGE}

Options:
  -c, --config FILE   YAML or JSON configuration file (or TWITCHER_CONFIG)
  -h, --help          this help
  -v, --version       print the version

Settings come from the file and TWITCHER_* environment variables; see docs/configuration.md.
Example: TWITCHER_PORT=8080 twitcher serve --config twitcher.yaml`;

/** `-c FILE` / `--config FILE` / `--config=FILE` taken out of `argv` (provisioning commands have options of their own). */
function takeConfig(argv: string[]): { config: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-c' || a === '--config') config = argv[++i];
    else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else rest.push(a);
  }
  return { config, rest };
}

const PROVISION_COMMANDS = new Set(['apply', 'export', 'import']);

async function main(argv: string[]): Promise<number> {
  const { config: provisionConfig, rest } = takeConfig(argv);
  const first = rest[0];
  if (
    first !== undefined &&
    PROVISION_COMMANDS.has(first) &&
    !rest.includes('-h') &&
    !rest.includes('--help')
  ) {
    const config = loadConfig({ file: provisionConfig, env: process.env });
    return runProvisionCommand(first as 'apply' | 'export' | 'import', rest.slice(1), config, {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      env: process.env,
    });
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`twitcher: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values['version']) {
    process.stdout.write(`${PACKAGE.version}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values['help'] || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values['help'] ? 2 : 0;
  }
  const configFile = values['config'] as string | undefined;

  switch (command) {
    case 'serve':
      return serve(configFile);
    case 'migrate': {
      const config = loadConfig({ file: configFile, env: process.env });
      const store = await openConfiguredStore(config);
      await store.close();
      process.stdout.write(`database ${store.dialect} is up to date\n`);
      return 0;
    }
    case 'hash-password':
      return hashPasswordFromStdin();
    default:
      process.stderr.write(`twitcher: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

/** `twitcher serve`: the server (or, with several workers, the cluster's primary) until a signal. */
async function serve(configFile: string | undefined): Promise<number> {
  const settings = loadConfig({ file: configFile, env: process.env });
  if (runsAsCluster(settings.server.workers)) {
    // Before the workers are forked: the primary aggregates their metrics (and serves metrics.port),
    // and keeps the rate-limit counts they share when there is no Redis.
    const metrics = await startupStep(
      `cannot serve the metrics on ${settings.metrics.host}:${settings.metrics.port}`,
      () => startPrimaryMetrics(settings),
    );
    await serveRateLimitsToWorkers(settings.ratelimit);
    if (settings.provision.files.length > 0) {
      // applied once, by the primary, before any worker reads the store; the workers skip it
      await startupStep('cannot apply provision.files', async () => {
        const store = await openConfiguredStore(settings);
        try {
          await provisionAtStart(settings, store, process.env, (t) => process.stderr.write(t));
        } finally {
          await store.close();
        }
      });
      process.env['TWITCHER_PROVISION_FILES'] = '';
    }
    runClusterPrimary(settings.server.workers, (m) => process.stderr.write(`twitcher: ${m}\n`), {
      drainTimeout: settings.server.drainTimeout,
      // SIGHUP: the file and the environment read again and validated, as at the start
      reload: () => loadConfig({ file: configFile, env: process.env }),
      onReload: (outcome) => metrics.configReload(outcome),
    });
    return -1;
  }
  const t0 = performance.now();
  const running = await start({ configFile });
  running.app.log.info(
    {
      url: running.config.server.url,
      listen: running.address,
      startupMs: Math.round(performance.now() - t0),
    },
    `Twitcher ${PACKAGE.version} listening on ${running.address} (public URL ${running.config.server.url})`,
  );
  handleStopSignals(running, running.app.log, { inCluster: cluster.isWorker });
  return -1; // keep running
}

/** `twitcher hash-password`: the hash of the password read on standard input, for admin.passwordHash. */
async function hashPasswordFromStdin(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length < 12) {
    process.stderr.write('twitcher: the password needs at least 12 characters\n');
    return 2;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`twitcher: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof StartupError) {
      process.stderr.write(`twitcher: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`twitcher: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
    // a cluster worker's channel to its primary would keep it running, half started
    if (cluster.isWorker) process.exit();
  },
);
