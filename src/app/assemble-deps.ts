import type { FastifyBaseLogger } from 'fastify';
import type { DestinationStream } from 'pino';
import { ensureAdmin } from '../auth/admin-credentials.js';
import { AccessControl } from '../authz/access-control.js';
import type { Config } from '../config/config.js';
import type { AppDeps } from '../http/build-app.js';
import { type Metrics, NO_METRICS } from '../metrics/metrics.js';
import { createPromMetrics } from '../metrics/prom-metrics.js';
import { createTokenService } from '../oauth/token-service.js';
import type { CertificateAuthority } from '../pki/ca/index.js';
import { provisionAtStart } from '../provision/provision-at-start.js';
import { createUpstreamAgents } from '../proxy/agents.js';
import { anyRateLimit } from '../ratelimit/configured.js';
import { ServiceRegistry } from '../registry/registry.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { adminBanner } from './admin-banner.js';
import { certificateBackendOf, clientCertificatesOf } from './certificate-deps.js';
import { Closers } from './closers.js';
import { startupStep } from './startup-error.js';

/** What the caller decides besides the configuration. */
export interface AssembleOptions {
  /** A store the caller opened and keeps open (close() leaves it). Default: opened from `database`. */
  store?: Store | undefined;
  /**
   * The built-in CA of `certs.backend: ca` as configured (default: made or read at the start, a broken
   * CA directory stops it), or none (the certificate service is off, whatever the configuration).
   */
  certificateAuthority?: 'as-configured' | 'none';
  /** How a generated administrator password is shown (once). Default: standard error. */
  announce?: (text: string) => void;
  /** The environment `provision.files` expand variables from (default: the process's). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Where JSON log lines go (default: standard output). */
  logStream?: DestinationStream | undefined;
}

/** Everything with a lifetime that the application uses, and the one way to release it. */
export interface Deps extends AppDeps {
  /** Releases everything, last made first. Call it once the application is closed. */
  close(): Promise<void>;
}

/**
 * The one place where what lives as long as the server is made (store, registry, upstream pools,
 * access tokens, administrator, certificate authority and backend, client certificates, access
 * control and its audit): used by main.ts, the test helper and the benches. A failing step releases
 * what the earlier ones made and throws a StartupError that says which step failed.
 */
export async function assembleDeps(config: Config, options: AssembleOptions = {}): Promise<Deps> {
  const owned = new Closers();
  try {
    // One registry per assembled app (tests assemble many in one process); off: nothing is counted.
    const metrics = config.metrics.enabled ? createPromMetrics() : NO_METRICS;
    const store = options.store ?? (await openConfiguredStore(config));
    if (!options.store) owned.add(() => store.close());
    const admin = await startupStep(undefined, () => ensureAdmin(config, store));
    if (admin.generatedPassword !== undefined) {
      // At once, before anything else can fail: it is the only time the password exists.
      (options.announce ?? ((t) => process.stderr.write(t)))(
        adminBanner(config.admin.username, admin.generatedPassword),
      );
    }
    // before anything reads the store: the files decide what it holds (errors: every one listed)
    await startupStep('cannot apply provision.files', () =>
      provisionAtStart(config, store, options.env ?? process.env, (t) => process.stderr.write(t)),
    );
    const tokens = await startupStep('cannot set up access tokens', () =>
      createTokenService(config, store, metrics),
    );
    owned.add(() => tokens.close());
    const ca = options.certificateAuthority === 'none' ? undefined : await certificateAuthorityOf(config);
    const certificateBackend = await certificateBackendOf(config, store, ca);
    const registry = new ServiceRegistry(store);
    owned.add(() => registry.close());
    const agents = createUpstreamAgents(config.proxy);
    owned.add(() => agents.close());
    // unreadable trust anchors: one line, not a stack
    const clientCertificates = await startupStep('cannot set up the server', () =>
      clientCertificatesOf(config, ca),
    );
    const log = lateLogger();
    const accessControl = new AccessControl(config, store, {
      ownCASubjectDN: ca?.subjectDN,
      onError: (err, what) => log.warn({ err }, `authorization: ${what} failed`),
    });
    owned.add(() => accessControl.close());
    observe(metrics, { registry, agents, tokens, accessControl, clientCertificates });
    // Redis unreachable does not stop the start: requests meet ratelimit.redisFailure until it is back
    // rate-limiter-flexible is loaded only where a limit is configured
    const rateLimits = anyRateLimit(config.ratelimit)
      ? await (await import('../ratelimit/rate-limits.js')).createRateLimits(config.ratelimit, {
          // refusals and store failures are counted (the metrics fit RateLimitEvents)
          events: metrics,
          warn: (err, msg) => log.warn({ err }, msg),
        })
      : undefined;
    if (rateLimits) owned.add(() => rateLimits.close());
    return {
      store,
      registry,
      admin: admin.verifier,
      agents,
      tokens,
      accessControl,
      clientCertificates,
      metrics,
      ...(certificateBackend && { certificateBackend }),
      ...(options.logStream && { logStream: options.logStream }),
      ...(rateLimits && { rateLimits }),
      useLogger: log.attach,
      close: () => owned.closeAll(),
    };
  } catch (err) {
    await owned.closeAll();
    throw err;
  }
}

/** What the metrics read at scrape time: pools, caches, the audit queue. */
function observe(
  metrics: Metrics,
  deps: Pick<AppDeps, 'registry' | 'agents' | 'tokens' | 'accessControl' | 'clientCertificates'>,
): void {
  if (!metrics.enabled) return;
  metrics.observePools(() => deps.agents.use());
  metrics.observeCache('registry', deps.registry.cacheStats);
  metrics.observeCache('tokens', deps.tokens.cacheStats.tokens);
  metrics.observeCache('clients', deps.tokens.cacheStats.clients);
  metrics.observeCache('acl', deps.accessControl.acls.stats);
  metrics.observeCache('principals', deps.accessControl.principals.cacheStats);
  metrics.observeCache('certificates', deps.clientCertificates.cacheStats);
  metrics.observeAudit(deps.accessControl.audit);
}

/** The configured store, opened and migrated; a failure names the database (without its password). */
export async function openConfiguredStore(config: Config): Promise<Store> {
  const where = config.database.url.replace(/\/\/[^@/]*@/, '//');
  return startupStep(`cannot open the database ${where}`, () =>
    openStore(config.database.url, { poolSize: config.database.poolSize }),
  );
}

/** The built-in CA, when `certs.backend` is `ca`: made on the first start, read afterwards. X.509 is loaded only here. */
async function certificateAuthorityOf(config: Config): Promise<CertificateAuthority | undefined> {
  if (config.certs.backend !== 'ca') return undefined;
  // Created on the first start (key file mode 0600), reused afterwards.
  return startupStep(`cannot open the certificate authority in ${config.certs.caDir}`, async () => {
    const { openCertificateAuthority } = await import('../pki/ca/index.js');
    return openCertificateAuthority({
      dir: config.certs.caDir,
      keyType: config.certs.caKeyType,
      issuedSubjectBases: [config.certs.baseDN],
    });
  });
}

/**
 * Where components made before the application's logger report (the audit log's failures): to that
 * logger once buildApp has made it, to standard error before.
 */
function lateLogger(): {
  warn(fields: { err: unknown }, msg: string): void;
  attach(log: FastifyBaseLogger): void;
} {
  let target: FastifyBaseLogger | undefined;
  return {
    warn(fields, msg) {
      if (target) target.warn(fields, msg);
      else {
        const why = fields.err instanceof Error ? fields.err.message : String(fields.err);
        process.stderr.write(`twitcher: ${msg}: ${why}\n`);
      }
    },
    attach(log) {
      target = log;
    },
  };
}
